/**
 * What an operator relies on in CI (issue 16, points 16-21): a run that decided nothing is not green (exit 3), the
 * day's token spend is remembered across runs and a run that cannot finish is refused before it starts, mistakes in
 * the target file stop the run (exit 2) naming the entry instead of blaming the server, reports lead with root
 * causes, every curl line says whose token it needs and how to get it, and the command behaves like the tools
 * operators know. Everything talks to 127.0.0.1; state goes to temporary directories.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { register, useColor } from '../../src/cli/commands/conformance.js';
import { containsFullJwt } from '../../src/conformance/mask.js';
import { runConformance, type RunOptions, type RunOutcome } from '../../src/conformance/runner.js';
import { demo } from '../server/auth/harness.js';
import { RAISED, referenceTarget, reportSchemaProblems, TEST_JWT_SECRET } from './harness.js';
import { isTokenEndpoint, without } from './mutants/proxy.js';
import { behindProxy, type Bench } from './strangers/proxied.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'spp-kit-operator-'));

async function run(options: RunOptions): Promise<RunOutcome & { lines: string[] }> {
  const lines: string[] = [];
  const o = await runConformance({ timingSamples: 5, stateDir: tmp(), ...options, out: (l) => lines.push(l) });
  return { ...o, lines };
}

/** The CLI as an operator runs it: a real process, its output, its exit status. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'conformance', ...args], {
    cwd: root,
    env: { ...process.env, SPP_KIT_STATE_DIR: tmp(), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

describe('16: runs that decide nothing do not look green', () => {
  it('PASS, INCOMPLETE exits 3; --allow-incomplete accepts it (exit 0), and the report still says 3', async () => {
    const bench = await behindProxy({}, { SPP_API_RATE_PER_MINUTE: '8' });
    try {
      const target = referenceTarget(bench.baseUrl, { rateLimits: { token: RAISED.token, api: { perMinute: 1000, perDay: 100_000 } } });
      const strict = await run({ target, only: ['scopes-reader-matrix'], maxWaitMs: 1_000 });
      expect(strict.report!.summary).toMatchObject({ verdict: 'pass', incomplete: true, exitCode: 3 });
      expect(strict.exitCode).toBe(3);
      const accepted = await run({ target, only: ['scopes-reader-matrix'], maxWaitMs: 1_000, allowIncomplete: true });
      expect(accepted.exitCode).toBe(0);
      expect(accepted.report!.summary.exitCode).toBe(3);
      expect(accepted.lines.join('\n')).toMatch(/RESULT: PASS, INCOMPLETE .*exit code 0, --allow-incomplete\)/);
    } finally {
      await bench.close();
    }
  }, 60_000);

  it("remembers the day's token spend per target across runs: the plan shows what is left, and a run that cannot finish is refused first", async () => {
    const bench = await behindProxy({});
    const stateDir = tmp();
    try {
      const target = referenceTarget(bench.baseUrl, { rateLimits: { token: { perMinute: 60, perDay: 5 }, api: RAISED.api } });
      const first = await run({ target, only: ['token-response'], stateDir });
      expect(first.exitCode).toBe(0);
      expect(first.report!.budget.tokenRequests).toBe(2);
      const second = await run({ target, only: ['token-response'], stateDir });
      expect(second.exitCode).toBe(0);
      expect(second.report!.budget.spentEarlier).toBe(2);
      expect(second.lines.join('\n')).toMatch(/3 of 5 left today: earlier runs from this machine spent 2 in the last 24 h/);
      const third = await run({ target, only: ['token-response'], stateDir });
      expect(third.exitCode).toBe(2);
      expect(third.report).toBeUndefined();
      expect(third.error).toMatch(/day budget cannot hold this run: it needs 2 token requests and 1 of 5 are left \(4 spent in the last 24 h by earlier runs/);
      expect(readdirSync(stateDir)).toEqual(['token-ledger.json']);
    } finally {
      await bench.close();
    }
  }, 60_000);

  it('a 429 from the day cap is not read as a minute-window finding (RLH-03, OSPP-MD-02 not applicable)', async () => {
    // The server allows 4 token requests a day; the target file claims far more, so only the server's 429 tells.
    const bench = await behindProxy({}, { SPP_TOKEN_RATE_PER_DAY: '4' });
    try {
      const target = referenceTarget(bench.baseUrl, { rateLimits: RAISED });
      const o = await run({ target, only: ['ratelimit-token'] });
      const c = o.report!.checks.find((x) => x.checkId === 'ratelimit-token')!;
      const v = (id: string) => c.outcomes.find((x) => x.requirement === id);
      expect(v('RL-04')?.verdict).toBe('pass');
      for (const id of ['RLH-03', 'OSPP-MD-02']) {
        expect(v(id)?.verdict, id).toBe('na');
        expect(v(id)?.message, id).toMatch(/longer cap than the minute's \(Retry-After \d+ s/);
      }
    } finally {
      await bench.close();
    }
  }, 60_000);
});

describe('17, 18: the target file is verified before the server is blamed', () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await behindProxy({});
  });
  afterAll(async () => bench?.close());

  it('17: a jwt.secret that is not the target\'s stops the run with exit 2: "jwt.secret does not match the target"', async () => {
    const o = await run({
      target: referenceTarget(bench.baseUrl, { jwt: { alg: 'HS256', secret: 'not-the-target-secret-0123456789abcdef0123' } }),
      only: ['jwt-*'],
    });
    expect(o.exitCode).toBe(2);
    expect(o.error).toMatch(/^jwt\.secret does not match the target: a copy of a real full-client token signed with it was refused \(401\)/);
    expect(o.error).not.toContain('not-the-target-secret');
  });

  it('17: the right secret passes the verification and the key-mode checks run', async () => {
    const o = await run({ target: referenceTarget(bench.baseUrl, { jwt: { alg: 'HS256', secret: TEST_JWT_SECRET } }), only: ['jwt-expired'] });
    expect(o.exitCode).toBe(0);
  });

  it('18: swapped records.consented / records.unconsented stop the run with exit 2 naming the entries', async () => {
    const t = referenceTarget(bench.baseUrl);
    const o = await run({ target: { ...t, records: { consented: t.records.unconsented!, unconsented: t.records.consented! } }, only: ['consent-*'] });
    expect(o.exitCode).toBe(2);
    expect(o.error).toMatch(
      /records\.consented \(.*PH-300000001\) is refused to the consent client \(403\) while records\.unconsented \(.*PH-123456789\) is readable \(200\): the two entries look swapped/,
    );
  });

  it('18: a record that does not exist stops the run with exit 2 naming the entry', async () => {
    const t = referenceTarget(bench.baseUrl);
    const o = await run({ target: { ...t, records: { ...t.records, unconsented: 'urn:gov:ph:psa:national-id|PH-NOBODY' } }, only: ['consent-*'] });
    expect(o.exitCode).toBe(2);
    expect(o.error).toMatch(/^records\.unconsented \(urn:gov:ph:psa:national-id\|PH-NOBODY\) does not exist: the full client reading it got 404/);
  });
});

describe('19, 20: reports lead with root causes; curl lines say whose token and how to get it', () => {
  let bench: Bench;
  let o: RunOutcome & { lines: string[] };
  const dir = tmp();
  const files = { json: join(dir, 'report.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml') };
  beforeAll(async () => {
    // One fault repeated everywhere: the API's 401s lose their WWW-Authenticate.
    bench = await behindProxy({ response: (res, req) => (!isTokenEndpoint(req) && res.status === 401 ? without(res, 'www-authenticate') : res) });
    o = await run({
      target: referenceTarget(bench.baseUrl),
      only: ['auth-no-token/*', 'auth-garbage-token/*', 'auth-tampered-token/readIndividual'],
      ...files,
    });
  }, 60_000);
  afterAll(async () => bench?.close());

  it('19: groups failures that share a requirement and an observation into one line with a count and the first example (console, JSON)', () => {
    const rs05 = o.report!.rootCauses.find((c) => c.requirement === 'RS-05');
    expect(rs05).toMatchObject({ verdict: 'fail', level: 'MUST', cause: '401 without WWW-Authenticate' });
    expect(rs05!.count).toBeGreaterThan(30);
    expect(rs05!.checks.length).toBe(rs05!.count);
    expect(rs05!.example.curl).toMatch(/^curl -i -X GET/m);
    expect(o.report!.rootCauses.filter((c) => c.requirement === 'RS-05')).toHaveLength(1);
    const text = o.lines.join('\n');
    expect(text.indexOf('Root causes (')).toBeLessThan(text.indexOf('FAILED requirements:'));
    expect(text).toMatch(new RegExp(`FAIL RS-05 \\[MUST\\] ×${rs05!.count}: 401 without WWW-Authenticate\\n +e\\.g\\. auth-`));
    expect(reportSchemaProblems(files.json)).toEqual([]);
  });

  it('19: the HTML page has a table of contents, verdict filters (no script) and passing requirements collapsed', () => {
    const html = readFileSync(files.html, 'utf8');
    expect(html).toMatch(
      /<nav class="toc"><h2>Contents<\/h2><ol><li><a href="#root-causes">Root causes \(\d+\)<\/a><\/li><li>failed \(\d+\): .*<a href="#RS-05">/,
    );
    for (const id of ['all', 'fail', 'warn', 'inconclusive', 'pass', 'other']) expect(html).toContain(`<input type="radio" name="verdict-filter" id="f-${id}"`);
    expect(html).toMatch(/#f-fail:checked~\.reqs \.req:not\(\.v-fail\)/);
    expect(html).toMatch(/<details class="req v-pass" id="JWT-01"><summary>/);
    expect(html).toMatch(/<section class="req v-fail" id="RS-05">/);
    expect(html).toMatch(/<tr class="cause v-fail"><td><span class="badge v-fail">fail<\/span><\/td><td><a href="#RS-05">RS-05<\/a>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it("20: a request with a client's token says whose, with the token request; a forged one says how it was made; no secret, no whole token", () => {
    const exchanges = o.report!.checks.flatMap((c) => c.exchanges);
    const tampered = exchanges.find((e) => /payload altered/.test(e.curl))!;
    expect(tampered.curl).toMatch(/^# needs FORGED_TOKEN: the full client's token with its payload altered/);
    expect(tampered.curl).toMatch(
      /\n# it is made from an access token of the full client; get one into FULL_ACCESS_TOKEN with:\nFULL_ACCESS_TOKEN=\$\(curl -s -X POST /,
    );
    expect(tampered.curl).toContain('${SPP_FULL_CLIENT_SECRET}');
    expect(tampered.curl).toMatch(/-H "authorization: Bearer \$\{FORGED_TOKEN\}"/);
    const garbage = exchanges.find((e) => e.request.url.includes('/Individual?') && /garbage/.test(e.curl))!;
    expect(garbage.curl).toMatch(/^# needs FORGED_TOKEN: a malformed token: the literal spp-kit\.garbage\.token\.\ncurl /);
    for (const text of [readFileSync(files.json, 'utf8'), readFileSync(files.html, 'utf8'), o.lines.join('\n')]) {
      for (const c of Object.values(demo)) expect(text.includes(c.clientSecret)).toBe(false);
      expect(containsFullJwt(text)).toBe(false);
    }
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v curl']).status !== 0)(
    '20: the token line of a reproduction really gets the token (runs it with sh and curl; skipped where curl is absent)',
    async () => {
      const tampered = o.report!.checks.flatMap((c) => c.exchanges).find((e) => /payload altered/.test(e.curl))!;
      const line = tampered.curl.split('\n').find((l) => l.startsWith('FULL_ACCESS_TOKEN='))!;
      // Asynchronously: the server answering it runs in this process.
      const r = await promisify(execFile)('sh', ['-c', `${line}\nprintf %s "$FULL_ACCESS_TOKEN"`], {
        env: { ...process.env, SPP_FULL_CLIENT_SECRET: demo.full.clientSecret },
        timeout: 30_000,
      });
      expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    },
  );
});

describe('21: the command behaves like the tools operators know', () => {
  it('--version prints the version and exits 0', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^spp-api-kit \d+\.\d+\.\d+$/);
  });

  it('a usage error prints one line and exits 2 (not the help, not 1)', () => {
    for (const args of [['--bogus'], ['--target', 'x.yaml', '--tier', 'slow'], ['--target', 'x.yaml', '--request-timeout', '0']]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^spp-kit conformance: /);
    }
  });

  it('--list prints the plan and sends nothing (the target need not answer); --exclude leaves checks and requirements out', () => {
    const dir = tmp();
    const file = join(dir, 'target.yaml');
    writeFileSync(file, 'baseUrl: http://127.0.0.1:9/api/v2/spp\nclients:\n  full: { clientId: a, clientSecret: b }\n');
    const r = cli(['--target', file, '--list', '--only', 'auth-no-token/readIndividual,auth-alg-none/readIndividual', '--exclude', 'auth-alg-none/*']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/run {3}auth-no-token\/readIndividual {2}\[RS-05 /);
    expect(r.stdout).toMatch(/skip {2}auth-alg-none\/readIndividual: excluded by --exclude/);
    expect(r.stdout).toMatch(/nothing was sent/);
  });

  it('--exclude with a requirement id leaves the requirement unjudged (not applicable, "excluded by --exclude")', async () => {
    const bench = await behindProxy({});
    try {
      const o = await run({ target: referenceTarget(bench.baseUrl), only: ['auth-garbage-token/readIndividual'], exclude: ['RS-09'] });
      const rs09 = o.report!.requirements.find((x) => x.id === 'RS-09')!;
      expect(rs09).toMatchObject({ verdict: 'na', message: 'excluded by --exclude' });
      expect(o.report!.requirements.find((x) => x.id === 'RS-08')?.verdict).toBe('pass');
    } finally {
      await bench.close();
    }
  });

  it('--rerun-failed REPORT.json runs only the checks that failed, broke or were cut off', () => {
    const dir = tmp();
    const report = join(dir, 'report.json');
    const checks = [
      { checkId: 'token-response', verdict: 'fail' },
      { checkId: 'token-jwt', verdict: 'pass' },
      { checkId: 'auth-no-token/readIndividual', verdict: 'inconclusive' },
      { checkId: 'auth-garbage-token/readIndividual', verdict: 'error' },
    ];
    writeFileSync(report, JSON.stringify({ checks }));
    const file = join(dir, 'target.yaml');
    writeFileSync(file, 'baseUrl: http://127.0.0.1:9/api/v2/spp\nclients:\n  full: { clientId: a, clientSecret: b }\n');
    const r = cli(['--target', file, '--list', '--rerun-failed', report]);
    expect(r.status).toBe(0);
    const ran = [...r.stdout.matchAll(/^ {2}run {3}(\S+)/gm)].map((m) => m[1]);
    expect(ran.sort()).toEqual(['auth-garbage-token/readIndividual', 'auth-no-token/readIndividual', 'token-response']);
    expect(cli(['--target', file, '--rerun-failed', join(dir, 'missing.json')]).status).toBe(2);
    // After a pass there is nothing to rerun: the command says so and sends nothing (the target does not answer).
    const passed = join(dir, 'passed.json');
    writeFileSync(passed, JSON.stringify({ checks: [{ checkId: 'token-response', verdict: 'pass' }] }));
    const none = cli(['--target', file, '--rerun-failed', passed]);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/has no failed, broken or inconclusive check: nothing to rerun/);
  });

  it('colour only on a terminal, never with NO_COLOR or --no-color', async () => {
    expect(useColor(true, {}, true)).toBe(true);
    expect(useColor(true, { NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor(true, { NO_COLOR: '' }, true)).toBe(true);
    expect(useColor(false, {}, true)).toBe(false);
    expect(useColor(true, {}, false)).toBe(false);
    const bench = await behindProxy({});
    try {
      const coloured = await run({ target: referenceTarget(bench.baseUrl), only: ['token-response'], color: true });
      expect(coloured.lines.join('\n')).toMatch(/\u001b\[32mPASS\u001b\[0m token-response/);
      const plain = await run({ target: referenceTarget(bench.baseUrl), only: ['token-response'] });
      expect(plain.lines.join('\n')).not.toContain('\u001b[');
    } finally {
      await bench.close();
    }
  });

  it('--request-timeout: a target that never answers is reported as timed out (exit 2, says so)', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const o = await run({ target: referenceTarget(`http://127.0.0.1:${port}/api/v2/spp`), only: ['token-response'], requestTimeoutMs: 1_000 });
      expect(o.exitCode).toBe(2);
      expect(o.error).toMatch(/unreachable .*timed out/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('the CI example and the README recipe use only options the command has', () => {
    const program = new Command('spp-kit');
    register(program);
    const known = new Set(program.commands.find((c) => c.name() === 'conformance')!.options.map((opt) => opt.long));
    const workflow = readFileSync(join(root, 'examples/ci/github-actions.yml'), 'utf8');
    expect(() => parse(workflow)).not.toThrow();
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const recipe = readme.slice(readme.indexOf('### In CI'), readme.indexOf('\n## ', readme.indexOf('### In CI')));
    expect(recipe.length).toBeGreaterThan(100);
    // Every long option in them is the command's (npx's own --yes and --package aside).
    for (const text of [workflow, recipe]) {
      const used = [...text.matchAll(/(?<![\w-])(--[a-z][a-z-]+)/g)].map((m) => m[1]!).filter((f) => f !== '--yes' && f !== '--package');
      expect(used.length).toBeGreaterThan(4);
      for (const flag of used) expect(known.has(flag), flag).toBe(true);
    }
  });
});
