/**
 * The mutation suite: the kit against deliberately faulty targets (a proxy in front of a fresh reference server,
 * each rewriting one thing). Each mutant must make the kit exit 1 with the expected requirement among the failed
 * MUSTs; the same checks through an unmutated proxy must pass, so it is the fault that the kit caught.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import type { RunningServer } from '../../src/server/serve.js';
import { RAISED, referenceTarget, startReference } from './harness.js';
import { mutants, type Mutant } from './mutants/mutants.js';
import { startProxy, type Mutation, type RunningProxy } from './mutants/proxy.js';

/** The server must know its public URL (the proxy's) before it starts, so it gets an explicit free port. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function behindProxy(
  mutation: Mutation,
  env: Record<string, string> = {},
): Promise<{ proxy: RunningProxy; server: RunningServer; close(): Promise<void> }> {
  const proxy = await startProxy(mutation);
  const server = await startReference({ PORT: String(await freePort()), SPP_PUBLIC_URL: proxy.origin, ...env });
  proxy.setUpstream(`http://127.0.0.1:${server.port}`);
  return { proxy, server, close: async () => void (await Promise.all([proxy.close(), server.close()])) };
}

async function runAgainst(m: Pick<Mutant, 'only' | 'limits' | 'writes'>, mutation: Mutation, env?: Record<string, string>) {
  const bench = await behindProxy(mutation, env);
  const lines: string[] = [];
  try {
    const target = referenceTarget(`${bench.proxy.origin}/api/v2/spp`, { rateLimits: m.limits ?? RAISED, writes: m.writes ?? false });
    const outcome = await runConformance({ target, only: m.only, timingSamples: 5, out: (l) => lines.push(l) });
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
    const plain = mutants.filter((m) => !m.env);
    const control = await runAgainst({ only: [...new Set(plain.flatMap((m) => m.only))], writes: true }, {});
    expect(control.outcome.report?.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(control.outcome.exitCode).toBe(0);
    const limited = mutants.find((m) => m.env)!;
    const rl = await runAgainst({ only: [...new Set(mutants.filter((m) => m.env).flatMap((m) => m.only))], limits: limited.limits! }, {}, limited.env);
    expect(rl.outcome.report?.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`)).toEqual([]);
    expect(rl.outcome.exitCode).toBe(0);
  }, 60_000);

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
