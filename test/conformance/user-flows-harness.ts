/**
 * The user flows' test bench: fixtures/targets/reference-user-flows.yaml pointed at an in-process reference
 * server (or a proxy in front of one), with raised limits; the user-flow checks by id pattern; a free port.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parse } from 'yaml';
import { parseTarget, type Target } from '../../src/conformance/target.js';
import type { RunningServer } from '../../src/server/serve.js';
import { RAISED, startReference } from './harness.js';

/** Every check of the user-flows suite. */
/** The RFC requirements of the user flows that a conformant server (ours, oidc-provider by default) passes in a run. */
export const USER_FLOW_RFC_REQUIREMENTS = [
  ...['AZ-01', 'AZ-02', 'AZ-03', 'AZ-04', 'AZ-05', 'AZ-06', 'AZ-07', 'AZ-08', 'PKCE-01', 'PKCE-02', 'PKCE-03', 'PKCE-04', 'PKCE-05'],
  ...['RT-01', 'RT-02', 'RT-03', 'RT-04', 'RT-05', 'RT-06', 'REV-01', 'REV-02', 'REV-03', 'REV-06'],
  ...['INT-01', 'INT-02', 'INT-03', 'INT-04', 'INT-05', 'INT-06'],
];

export const USER_FLOW_CHECKS = ['authcode-*', 'pkce-*', 'refresh-*', 'revocation-*', 'introspection-*', 'spry-*'];

/**
 * Token-endpoint limits for servers several user-flow runs share: each run spends some sixty requests (sign-ins,
 * exchanges, refreshes, revocations), and a run does not know what the one before it spent.
 */
export const USER_FLOW_LIMITS = { token: { perMinute: 1000, perDay: 100_000 }, api: RAISED.api };

/** The reference server with USER_FLOW_LIMITS. */
export function startUserFlowReference(env: Record<string, string> = {}): Promise<RunningServer> {
  return startReference({ SPP_TOKEN_RATE_PER_MINUTE: String(USER_FLOW_LIMITS.token.perMinute), ...env });
}

/** fixtures/targets/reference-user-flows.yaml at `baseUrl`, with the limits the test servers run with. */
export function userFlowsTarget(baseUrl: string, overrides: Record<string, unknown> = {}): Target {
  const doc = parse(readFileSync(new URL('../../fixtures/targets/reference-user-flows.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  return parseTarget({ ...doc, baseUrl, rateLimits: USER_FLOW_LIMITS, ...overrides }, { env: {} });
}

/** A port nothing listens on now (for servers that must know their URL before they start). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
