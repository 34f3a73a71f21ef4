/**
 * The mutation suite: the kit against deliberately faulty targets (a proxy in front of a fresh reference server,
 * each rewriting one thing). Each mutant must make the kit exit 1 with the expected requirement among the failed
 * MUSTs; the same checks through an unmutated proxy must pass, so it is the fault that the kit caught.
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { RAISED, referenceTarget } from './harness.js';
import { mutants, type Mutant } from './mutants/mutants.js';
import type { Mutation } from './mutants/proxy.js';
import { behindProxy } from './strangers/proxied.js';

async function runAgainst(m: Pick<Mutant, 'only' | 'limits' | 'writes' | 'deployed'>, mutation: Mutation, env?: Record<string, string>) {
  const bench = await behindProxy(mutation, { ...env, ...(m.deployed ? { SPP_DIALECT: 'deployed' } : {}) });
  const lines: string[] = [];
  try {
    const target = referenceTarget(`${bench.proxy.origin}/api/v2/spp`, { rateLimits: m.limits ?? RAISED, writes: m.writes ?? false });
    const profile = m.deployed ? { profile: 'openspp-deployed' } : {};
    const outcome = await runConformance({ target, ...profile, only: m.only, timingSamples: 5, out: (l) => lines.push(l) });
    return { outcome, lines };
  } finally {
    await bench.close();
  }
}

describe('mutation suite: every faulty target is caught with the right requirement id', () => {
  it('has at least 20 mutants, each naming a distinct fault', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(20);
    expect(new Set(mutants.map((m) => m.name)).size).toBe(mutants.length);
  });

  it('passes the same checks through an unmutated proxy (controls)', async () => {
    const plain = mutants.filter((m) => !m.env && !m.deployed);
    const control = await runAgainst({ only: [...new Set(plain.flatMap((m) => m.only))], writes: true }, {});
    expect(control.outcome.report?.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(control.outcome.exitCode).toBe(0);
    const limited = mutants.find((m) => m.env && !m.deployed)!;
    const rl = await runAgainst(
      { only: [...new Set(mutants.filter((m) => m.env && !m.deployed).flatMap((m) => m.only))], limits: limited.limits! },
      {},
      limited.env,
    );
    expect(rl.outcome.report?.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(rl.outcome.exitCode).toBe(0);
    // The deployed dialect's mutants: the same checks pass against an unmutated deployed server (openspp-deployed).
    const deployed = await runAgainst({ only: [...new Set(mutants.filter((m) => m.deployed).flatMap((m) => m.only))], deployed: true }, {});
    expect(deployed.outcome.report?.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(deployed.outcome.exitCode).toBe(0);
  }, 90_000);

  for (const m of mutants) {
    it(`${m.name}: ${m.description} → ${m.expect}`, async () => {
      const { outcome } = await runAgainst(m, m.mutation, m.env);
      const failed = outcome.report?.requirements.filter((r) => r.verdict === 'fail').map((r) => r.id) ?? [];
      expect(outcome.error).toBeUndefined();
      expect(failed, `failed requirements: ${failed.join(', ') || 'none'}`).toContain(m.expect);
      expect(outcome.exitCode).toBe(1);
    }, 60_000);
  }
});
