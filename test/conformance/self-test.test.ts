/**
 * The kit proves itself: run against the reference server (in-process, free port, limits raised and declared),
 * the fast tier passes; the JSON report matches its schema; no report holds a secret or a whole token; and an
 * unusable target or target file ends with exit code 2 and a message saying which.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/commands/conformance.js';
import { allChecks } from '../../src/conformance/checks/index.js';
import { containsFullJwt } from '../../src/conformance/mask.js';
import { planRun } from '../../src/conformance/plan.js';
import { loadProfile } from '../../src/conformance/profiles.js';
import { runConformance, type RunOutcome } from '../../src/conformance/runner.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import type { RunningServer } from '../../src/server/serve.js';
import { referenceTarget, reportSchemaProblems, startReference, TEST_JWT_SECRET } from './harness.js';

let server: RunningServer;
let outcome: RunOutcome;
const dir = mkdtempSync(join(tmpdir(), 'spp-kit-self-test-'));
const lines: string[] = [];
const files = { json: join(dir, 'report.json'), junit: join(dir, 'junit.xml'), html: join(dir, 'report.html') };

beforeAll(async () => {
  server = await startReference();
  outcome = await runConformance({ target: referenceTarget(server.baseUrl), ...files, timingSamples: 15, out: (l) => lines.push(l) });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('the kit against the reference server (fast tier)', () => {
  it('passes: exit 0, no MUST failed, nothing inconclusive or broken', () => {
    const failed = outcome.report?.checks
      .filter((c) => c.verdict === 'fail' || c.verdict === 'error' || c.verdict === 'inconclusive')
      .map((c) => `${c.checkId}: ${c.reason}`);
    expect(failed).toEqual([]);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.report!.summary.verdict).toBe('pass');
  });

  it('actually checks: the headline requirements pass rather than being skipped', () => {
    const verdict = new Map(outcome.report!.requirements.map((r) => [r.id, r.verdict]));
    for (const id of [
      'CA-01',
      'TE-06',
      'TR-06',
      'TERR-02',
      'RS-05',
      'JWT-02',
      'BCP-01',
      'AT-06',
      'MD-04',
      'RL-03',
      'RLH-01',
      'OO-01',
      'OO-03',
      'OSPP-CT-01',
      'OSPP-SC-01',
      'OSPP-SC-02',
      'OSPP-CON-04',
      'OSPP-RES-05',
      'OSPP-RL-01',
      'RL-04',
    ]) {
      expect(verdict.get(id), id).toBe('pass');
    }
    // Every secured operation of the contract got the five refusals.
    const sweep = outcome.report!.checks.filter((c) => c.suite === 'auth' && c.checkId.includes('/'));
    expect(sweep.length).toBeGreaterThanOrEqual(5 * 20);
  });

  it('runs every planned check exactly once, in plan order (one vitest worker, no concurrency)', () => {
    const planned = planRun(allChecks, { target: referenceTarget(server.baseUrl), profile: loadProfile('openspp'), tier: 'fast' }).selected.map((c) => c.id);
    const ran = lines.map((l) => /^\[\s*\d+\/\d+\] (?:PASS|FAIL|WARN|SKIP|N\/A |INCO|ERR ) (\S+)/.exec(l)?.[1]).filter((id) => id !== undefined);
    expect(ran).toEqual(planned);
  });

  it('prints progress, the token count and the summary', () => {
    const text = lines.join('\n');
    expect(text).toMatch(/\[\s*1\/\d+\] PASS discovery-metadata/);
    expect(text).toMatch(/token requests: \d+ \(planned \d+ \+ up to 121 for the rate-limit probe; limit 60\/min/);
    expect(text).toMatch(/RESULT: PASS/);
    expect(outcome.report!.budget.tokenRequests).toBeGreaterThan(0);
  });

  it('writes a JSON report that matches conformance/report-schema.json', () => {
    expect(reportSchemaProblems(files.json)).toEqual([]);
  });

  it('masks secrets and tokens in every report (JSON, JUnit, HTML) and in the console output', () => {
    const secrets = [...readDemoFixture().clients.map((c) => c.clientSecret), TEST_JWT_SECRET];
    for (const [name, text] of [...Object.entries(files).map(([k, f]) => [k, readFileSync(f, 'utf8')] as const), ['console', lines.join('\n')] as const]) {
      for (const s of secrets) expect(text.includes(s), `${name} contains a client or signing secret`).toBe(false);
      expect(containsFullJwt(text), `${name} contains a whole JWT`).toBe(false);
    }
    expect(readFileSync(files.html, 'utf8')).toContain('${SPP_FULL_CLIENT_SECRET}');
  });

  it('writes JUnit XML with one testcase per check and the requirement ids', () => {
    const xml = readFileSync(files.junit, 'utf8');
    expect(xml.startsWith('<?xml')).toBe(true);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(outcome.report!.checks.length);
    expect(xml).toContain('<property name="requirement" value="TR-06"/>');
    expect(xml).toMatch(/failures="0"/);
  });
});

describe('unusable targets end with exit code 2 and say why', () => {
  it('an unreachable target', async () => {
    const r = await runConformance({ target: referenceTarget('http://127.0.0.1:9/api/v2/spp'), out: () => {} });
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/unreachable/);
  });

  it('bad credentials for a declared client, naming the client', async () => {
    // A fresh server: the self-test's rate-limit probe has spent the first one's token window.
    const fresh = await startReference();
    const target = referenceTarget(fresh.baseUrl);
    target.clients.reader = { clientId: 'demo-reader', clientSecret: 'not-the-secret-at-all' };
    const r = await runConformance({ target, only: ['TR-06'], out: () => {} });
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/the reader client \(demo-reader\) was refused a token: 400 invalid_client/);
    expect(r.error).not.toContain('not-the-secret-at-all');
    await fresh.close();
  });

  it('a target file that does not parse, and no target file at all', async () => {
    const bad = await runConformance({ targetFile: join(dir, 'missing.yaml'), out: () => {} });
    expect(bad.exitCode).toBe(2);
    expect(bad.error).toMatch(/cannot read the target file/);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command('spp-kit').exitOverride();
    register(program);
    const before = process.exitCode;
    await program.parseAsync(['node', 'spp-kit', 'conformance']);
    expect(process.exitCode).toBe(2);
    process.exitCode = before;
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(/needs --target FILE[\s\S]*baseUrl:[\s\S]*clients:/);
    stderr.mockRestore();
  });
});

describe('the full tier', () => {
  it("waits for the short-lived client's token to expire, sees it refused with 401, and reports leeway and clock skew", async () => {
    // A one-second leeway keeps the wait near the token's five-second lifetime.
    const s = await startReference({ SPP_JWT_LEEWAY: '1' });
    try {
      const o = await runConformance({ target: referenceTarget(s.baseUrl), tier: 'full', only: ['expiry-real-time'], out: () => {} });
      const check = o.report!.checks.find((c) => c.checkId === 'expiry-real-time')!;
      expect(check.verdict, check.reason).toBe('pass');
      expect(o.exitCode).toBe(0);
      expect(check.measurements).toMatchObject({
        'shortLived.lifetimeSeconds': expect.any(Number),
        observedLeewaySeconds: expect.any(Number),
        clockSkewSeconds: expect.any(Number),
      });
      expect(check.assertions.find((a) => a.requirement === 'OSPP-ERR-01')?.message).toMatch(/TOKEN_EXPIRED, challenge error invalid_token/);
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('rate limits the kit did not plan for', () => {
  it('make the checks they cut off inconclusive, never failed', async () => {
    // The server allows 8 API calls a minute but the target file claims 1000: the planner cannot know.
    const s = await startReference({ SPP_API_RATE_PER_MINUTE: '8' });
    try {
      const target = referenceTarget(s.baseUrl, { rateLimits: { token: { perMinute: 60, perDay: 100_000 }, api: { perMinute: 1000, perDay: 100_000 } } });
      const lines: string[] = [];
      const o = await runConformance({ target, only: ['scopes-reader-matrix'], maxWaitMs: 1_000, out: (l) => lines.push(l) });
      const check = o.report!.checks.find((c) => c.checkId === 'scopes-reader-matrix')!;
      expect(check.verdict).toBe('inconclusive');
      expect(check.reason).toMatch(/rate limited \(429\)/);
      expect(check.outcomes.every((x) => x.verdict === 'inconclusive')).toBe(true);
      // Never a failure — and never green either: the MUSTs it would have decided are undecided (exit code 3).
      expect(o.report!.summary.mustFailures).toEqual([]);
      expect(o.exitCode).toBe(3);
      expect(lines.join('\n')).toMatch(/Inconclusive \(not decided: cut off by a rate limit or the budget/);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('stop waiting once the target says its day is spent: later checks are cut off at once, and the result says incomplete', async () => {
    // Enough for the preflight's tokens and one more; the target file claims far more, so only the server's 429 tells.
    const s = await startReference({ SPP_TOKEN_RATE_PER_DAY: '6' });
    try {
      const target = referenceTarget(s.baseUrl, { rateLimits: { token: { perMinute: 60, perDay: 100_000 }, api: { perMinute: 1000, perDay: 100_000 } } });
      const lines: string[] = [];
      const o = await runConformance({ target, only: ['token-*'], out: (l) => lines.push(l) });
      const cut = o.report!.checks.filter((c) => c.verdict === 'inconclusive');
      expect(cut.length).toBeGreaterThan(3);
      expect(cut.some((c) => /refused with 429 and Retry-After in \d+ s, beyond --max-wait/.test(c.reason ?? ''))).toBe(true);
      expect(o.report!.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
      expect(o.report!.budget.waitsMs).toBeLessThan(5_000);
      expect(o.report!.summary.mustUndecided.length).toBeGreaterThan(0);
      expect(o.report!.summary).toMatchObject({ verdict: 'pass', incomplete: true, exitCode: 3 });
      expect(o.exitCode).toBe(3);
      expect(lines.join('\n')).toMatch(/RESULT: PASS, INCOMPLETE — no MUST requirement failed, but \d+ MUST requirements were cut off.*exit code 3\)/);
    } finally {
      await s.close();
    }
  }, 60_000);
});
