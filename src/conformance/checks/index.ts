/** Every check of the kit, in run order (suite by suite; within a suite, as listed). */
import { SUITES, type Check } from '../check.js';
import { authChecks } from './auth.js';
import { authorizationCodeChecks } from './authorization-code.js';
import { consentChecks } from './consent.js';
import { consentRecordChecks } from './consent-records.js';
import { deployedChecks } from './deployed.js';
import { discoveryChecks } from './discovery.js';
import { expiryChecks } from './expiry.js';
import { keyChecks } from './jwt-key.js';
import { rateLimitChecks } from './rate-limits.js';
import { refreshTokenChecks } from './refresh-tokens.js';
import { resourceChecks } from './resources.js';
import { searchFeatureChecks } from './search-features.js';
import { scopeChecks } from './scopes.js';
import { shapeChecks } from './shapes.js';
import { spryChecks } from './spry.js';
import { tokenManagementChecks } from './token-management.js';
import { tokenChecks } from './token.js';

const all: Check[] = [
  ...discoveryChecks,
  ...shapeChecks,
  ...tokenChecks,
  // The deployed dialect's own token rules (openspp-deployed profile).
  ...deployedChecks,
  // The user flows (issue 19): authorization code with PKCE, refresh tokens, revocation and introspection, Spry's conventions.
  ...authorizationCodeChecks,
  ...refreshTokenChecks,
  ...tokenManagementChecks,
  ...spryChecks,
  ...keyChecks,
  ...authChecks,
  ...scopeChecks,
  ...consentChecks,
  // The published guide's consent endpoints and search parameters (issue 14).
  ...consentRecordChecks,
  ...resourceChecks,
  ...searchFeatureChecks,
  ...expiryChecks,
  ...rateLimitChecks,
];

/** All checks in run order: suite by suite as SUITES orders them, as listed within a suite. Ids are unique (test/conformance checks it). */
export const allChecks: readonly Check[] = SUITES.flatMap((s) => all.filter((c) => c.suite === s));
