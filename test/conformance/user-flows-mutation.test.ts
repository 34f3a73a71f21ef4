/**
 * The user-flow checks prove they can fail: each faulty authorization server (a proxy in front of a fresh
 * reference server, mutants/user-flow-mutants.ts) must make the kit exit 1 with the expected requirement among
 * the failed MUSTs; the same checks through an unmutated proxy pass, so it is the fault that the kit caught.
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { userFlowMutants } from './mutants/user-flow-mutants.js';
import { startProxy, type Mutation } from './mutants/proxy.js';
import { freePort, startUserFlowReference, USER_FLOW_CHECKS, userFlowsTarget } from './user-flows-harness.js';

async function runBehind(mutation: Mutation, only: string[]) {
  const proxy = await startProxy(mutation);
  const server = await startUserFlowReference({ PORT: String(await freePort()), SPP_PUBLIC_URL: proxy.origin });
  proxy.setUpstream(`http://127.0.0.1:${server.port}`);
  try {
    return await runConformance({ target: userFlowsTarget(`${proxy.origin}/api/v2/spp`), only, out: () => {} });
  } finally {
    await Promise.all([proxy.close(), server.close()]);
  }
}

describe('user-flow mutants: every faulty server is caught with the right requirement id', () => {
  it('has a mutant for every user-flow check but the Spry reports, each naming a distinct fault', () => {
    expect(new Set(userFlowMutants.map((m) => m.name)).size).toBe(userFlowMutants.length);
    const covered = new Set(userFlowMutants.flatMap((m) => m.only));
    const checks = [
      'authcode-exchange',
      'authcode-state',
      'authcode-iss',
      'authcode-user-token-claims',
      'authcode-redirect-uri-exact',
      'authcode-error-redirect',
    ];
    checks.push('authcode-reuse-refused', 'authcode-reuse-revokes', 'authcode-redirect-uri-binding', 'pkce-verifier-mismatch', 'pkce-verifier-missing');
    checks.push('pkce-downgrade', 'pkce-plain-refused', 'pkce-required-public', 'refresh-grant', 'refresh-rotation-public', 'refresh-rotated-token-refused');
    checks.push('refresh-reuse-revokes-family', 'refresh-scope-not-widened', 'refresh-client-binding', 'revocation-refresh-token', 'revocation-access-token');
    checks.push('revocation-unknown-token', 'revocation-requires-client-auth', 'introspection-active-token', 'introspection-unknown-token');
    checks.push('introspection-requires-auth', 'introspection-bad-credentials');
    expect(checks.filter((c) => !covered.has(c))).toEqual([]);
  });

  it('passes every user-flow check through an unmutated proxy (control)', async () => {
    const o = await runBehind({}, USER_FLOW_CHECKS);
    expect(o.report?.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'na').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(o.exitCode).toBe(0);
  }, 120_000);

  for (const m of userFlowMutants) {
    it(`${m.name}: ${m.description} → ${m.expect}`, async () => {
      const o = await runBehind(m.mutation(), m.only);
      const failed = o.report?.requirements.filter((r) => r.verdict === 'fail').map((r) => r.id) ?? [];
      expect(o.error).toBeUndefined();
      expect(
        failed,
        `failed requirements: ${failed.join(', ') || 'none'}; checks: ${o.report?.checks.map((c) => `${c.checkId} ${c.verdict} ${c.reason ?? ''}`).join(' | ')}`,
      ).toContain(m.expect);
      expect(o.exitCode).toBe(1);
    }, 60_000);
  }
});
