/** Every check of the kit, in run order (suite by suite; within a suite, as listed). */
import { SUITES, type Check } from '../check.js';
import { authChecks } from './auth.js';
import { consentChecks } from './consent.js';
import { discoveryChecks } from './discovery.js';
import { expiryChecks } from './expiry.js';
import { keyChecks } from './jwt-key.js';
import { rateLimitChecks } from './rate-limits.js';
import { resourceChecks } from './resources.js';
import { scopeChecks } from './scopes.js';
import { shapeChecks } from './shapes.js';
import { tokenChecks } from './token.js';

const all: Check[] = [
  ...discoveryChecks,
  ...shapeChecks,
  ...tokenChecks,
  ...keyChecks,
  ...authChecks,
  ...scopeChecks,
  ...consentChecks,
  ...resourceChecks,
  ...expiryChecks,
  ...rateLimitChecks,
];

/** All checks in run order: suite by suite as SUITES orders them, as listed within a suite. Ids are unique (test/conformance checks it). */
export const allChecks: readonly Check[] = SUITES.flatMap((s) => all.filter((c) => c.suite === s));
