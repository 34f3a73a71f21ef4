/** Every check of the kit, in run order (suite by suite; within a suite, as listed). */
import { SUITES, type Check, type SuiteName } from '../check.js';
import { authChecks } from './auth.js';
import { consentChecks } from './consent.js';
import { discoveryChecks } from './discovery.js';
import { expiryChecks } from './expiry.js';
import { keyChecks } from './jwt-key.js';
import { rateLimitChecks } from './rate-limits.js';
import { resourceChecks } from './resources.js';
import { scopeChecks } from './scopes.js';
import { tokenChecks } from './token.js';

const all: Check[] = [
  ...discoveryChecks,
  ...tokenChecks,
  ...keyChecks,
  ...authChecks,
  ...scopeChecks,
  ...consentChecks,
  ...resourceChecks,
  ...expiryChecks,
  ...rateLimitChecks,
];

/** All checks, ordered by suite. Ids are unique (a test in test/conformance checks it). */
export const allChecks: readonly Check[] = SUITES.flatMap((s) => all.filter((c) => c.suite === s));

export function checksOfSuite(suite: SuiteName): Check[] {
  return allChecks.filter((c) => c.suite === suite);
}
