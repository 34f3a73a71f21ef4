/**
 * Every ```sh and ```ts block of README.md runs as written against `npm start`.
 *
 * The test starts `npm start` itself (once, in the background) and runs the blocks in README order, each `sh` block
 * as one bash script (`set -e`) from the repository root, each `ts` block with tsx; every `ts` block also
 * type-checks (tsc, strict). What it substitutes, and why — nothing else:
 *
 * - the port: the server listens on a free port, so `127.0.0.1:8069` becomes `127.0.0.1:<port>` (in the blocks and
 *   in the copy of fixtures/targets/reference.yaml the kit block is pointed at);
 * - the environment of `npm start` and of the blocks: a database file of the test's own (`SPP_DB`), the base URL
 *   for the example script that reads it (`SPP_BASE_URL`, the port again), raised rate limits (the kit's fast tier would otherwise pace itself to 5 tokens a minute for three minutes; the target copy
 *   declares the same raised limits) and `OPENSPP_JWT_SECRET` (as the kit section advises);
 * - `npm run fuzz` without arguments draws a new seed each time; here it gets a fixed one, so that a test run
 *   can be repeated.
 *
 * - the deployed dialect's server: the test starts `npx spp-kit serve --dialect deployed` itself too, on a free port
 *   of its own and a database file of its own, so `127.0.0.1:8070` becomes `127.0.0.1:<that port>` (in the blocks
 *   and in the copy of fixtures/targets/reference-deployed.yaml, which declares the raised limits too).
 *
 * Not run, each for its stated reason (the list is checked, so a new block cannot be skipped by accident):
 * `npm ci` (CI runs it before this test; reinstalling node_modules under running tests would pull the floor away),
 * `npm test` (this test is part of it), `npm start` and `npx spp-kit serve --dialect deployed` (the servers the
 * test started).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAISED, TEST_JWT_SECRET } from '../conformance/harness.js';
import { consumerOptions, typecheck } from '../tsc.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Snippet {
  lang: 'sh' | 'ts';
  /** 1-based line of the opening fence. */
  line: number;
  section: string;
  code: string;
}

/** The README's ```sh and ```ts blocks, in order, with the section each is in. */
export function snippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) section = l.replace(/^#+ /, '');
    const fence = /^```(\S*)\s*$/.exec(l);
    if (!fence) continue;
    const end = lines.findIndex((x, j) => j > i && /^```\s*$/.test(x));
    if (fence[1] === 'sh' || fence[1] === 'ts') out.push({ lang: fence[1], line: i + 1, section, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** Commands the test does not run, with the reason (see the module comment). */
const NOT_RUN: Array<[RegExp, string]> = [
  [/^npm ci\b/, 'CI runs it before this test'],
  [/^npm test\b/, 'this test is part of it'],
  [/^(\w+=\S+ )*npm start\b/, 'the test started it'],
  [/^npx spp-kit serve --dialect deployed\b/, 'the test started it'],
];

/** A shell block's commands (continuation lines joined), without comments. */
function commands(code: string): string[] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const all = snippets(readme);
let dir: string;
let port: number;
let server: ChildProcess;
let serverOutput = '';
let deployedPort: number;
let deployed: ChildProcess;
let deployedOutput = '';
let env: NodeJS.ProcessEnv;
let target: string;
let deployedTarget: string;
const skipped: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-readme-'));
  port = await freePort();
  env = {
    ...process.env,
    NO_COLOR: '1',
    PORT: String(port),
    SPP_DB: join(dir, 'readme.db'),
    SPP_BASE_URL: `http://127.0.0.1:${port}/api/v2/spp`,
    OPENSPP_JWT_SECRET: TEST_JWT_SECRET,
    SPP_TOKEN_RATE_PER_MINUTE: String(RAISED.token.perMinute),
    SPP_TOKEN_RATE_PER_DAY: String(RAISED.token.perDay),
    SPP_API_RATE_PER_MINUTE: String(RAISED.api.perMinute),
    SPP_API_RATE_PER_DAY: String(RAISED.api.perDay),
    // The kit's token ledger stays in the test's directory, not the user's cache.
    SPP_KIT_STATE_DIR: join(dir, 'kit-state'),
  };
  // The kit block's target file, at the test's port and with the limits the server runs with.
  const reference = parse(readFileSync(join(root, 'fixtures/targets/reference.yaml'), 'utf8')) as Record<string, unknown>;
  target = join(dir, 'reference.yaml');
  await writeFile(target, stringify({ ...reference, baseUrl: String(reference.baseUrl).replace(':8069', `:${port}`), rateLimits: RAISED }));
  // `npm start`, as the README's first block has it; its own process group, so that stopping it stops the server.
  server = spawn('npm', ['start'], { cwd: root, env, detached: true });
  server.stdout!.on('data', (d: Buffer) => (serverOutput += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverOutput += d.toString()));
  // The deployed dialect's server of the README's "Two dialects" block, on a port and database of its own.
  deployedPort = await freePort();
  const referenceDeployed = parse(readFileSync(join(root, 'fixtures/targets/reference-deployed.yaml'), 'utf8')) as Record<string, unknown>;
  deployedTarget = join(dir, 'reference-deployed.yaml');
  await writeFile(
    deployedTarget,
    stringify({ ...referenceDeployed, baseUrl: String(referenceDeployed.baseUrl).replace(':8070', `:${deployedPort}`), rateLimits: RAISED }),
  );
  const deployedArgs = ['spp-kit', 'serve', '--dialect', 'deployed', '--port', String(deployedPort), '--db', join(dir, 'deployed.db')];
  deployed = spawn('npx', deployedArgs, { cwd: root, env: { ...env, PORT: String(deployedPort) }, detached: true });
  deployed.stdout!.on('data', (d: Buffer) => (deployedOutput += d.toString()));
  deployed.stderr!.on('data', (d: Buffer) => (deployedOutput += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!serverOutput.includes('Ctrl+C stops the server.') || !deployedOutput.includes('Ctrl+C stops the server.')) {
    if (Date.now() > deadline || server.exitCode !== null || deployed.exitCode !== null) {
      throw new Error(`a server did not start:\n${serverOutput}\n${deployedOutput}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  for (const child of [server, deployed]) {
    if (!child?.pid || child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

/** What the test runs for a block: its text with the substitutions of the module comment, minus the commands it does not run. */
function prepared(snippet: Snippet): string {
  const kept: string[] = [];
  for (const command of commands(snippet.code)) {
    const reason = NOT_RUN.find(([pattern]) => pattern.test(command))?.[1];
    if (reason) {
      skipped.push(`${command.split(' ').slice(0, 2).join(' ')}: ${reason}`);
      continue;
    }
    kept.push(
      command
        .replaceAll('127.0.0.1:8069', `127.0.0.1:${port}`)
        .replaceAll('127.0.0.1:8070', `127.0.0.1:${deployedPort}`)
        .replace(/^npm run fuzz$/, 'npm run fuzz -- --seed 20260101')
        .replace('--target fixtures/targets/reference.yaml', `--target ${target}`)
        .replace('--target fixtures/targets/reference-deployed.yaml', `--target ${deployedTarget}`),
    );
  }
  return kept.join('\n');
}

describe('README.md: every sh and ts block runs as written against npm start', () => {
  it('finds the blocks', () => {
    expect(all.filter((s) => s.lang === 'sh').length).toBeGreaterThanOrEqual(8);
    expect(all.filter((s) => s.lang === 'ts').length).toBeGreaterThanOrEqual(2);
    expect(serverOutput).toMatch(/demo-full\s+demo-secret-full-do-not-deploy-4c8e1f0a9b2d/);
  });

  const outputs = new Map<number, string>();
  for (const snippet of all) {
    it(`${snippet.lang} block at line ${snippet.line} (${snippet.section})`, async () => {
      if (snippet.lang === 'sh') {
        const script = prepared(snippet);
        if (!script) return;
        const result = await run('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: root, env, timeout: 480_000, maxBuffer: 64 * 1024 * 1024 }).catch(
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        const code = 'code' in result ? result.code : 0;
        expect(code, `exit ${code}\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`).toBe(0);
        outputs.set(snippet.line, result.stdout);
      } else {
        const file = join(dir, `readme-${snippet.line}.mts`);
        await writeFile(file, snippet.code.replaceAll('127.0.0.1:8069', `127.0.0.1:${port}`).replaceAll('127.0.0.1:8070', `127.0.0.1:${deployedPort}`));
        const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, env, timeout: 60_000 });
        outputs.set(snippet.line, stdout);
      }
    }, 600_000);
  }

  it('the blocks did what they say', () => {
    const at = (text: string) => outputs.get(all.find((s) => s.code.includes(text))!.line) ?? '';
    // The curl pair: a token, then a searchset Bundle with it.
    const bundle = JSON.parse(at('TOKEN=$(curl -s -X POST http://127.0.0.1:8069').trim()) as { resourceType: string; total: number };
    expect(bundle).toMatchObject({ resourceType: 'Bundle' });
    expect(bundle.total).toBeGreaterThan(0);
    // The deployed dialect's pair: a JSON token request, then {data, meta, links}.
    const page = JSON.parse(at('TOKEN=$(curl -s -X POST http://127.0.0.1:8070').trim()) as { data: Array<{ type: string }>; meta: { count: number } };
    expect(page.meta.count).toBe(2);
    expect(page.data[0]!.type).toBe('Individual');
    expect(at('createSppClient')).toMatch(/^\d+ match\(es\)$/m);
    // The client against the deployed dialect: a page of Individuals, a PATCH, and a 422 with FastAPI's list.
    const deployedClient = at("dialect: 'deployed'");
    expect(deployedClient).toMatch(/^\d+ match\(es\), Individual, Individual on this page$/m);
    expect(deployedClient).toMatch(/^patched, version \S+$/m);
    expect(deployedClient).toMatch(/^422 \[/m);
    expect(deployedClient).toContain("'_count'");
    expect(at('npx spp-kit clients create')).toMatch(/^client_secret /m);
    expect(at('npx tsx examples/search-read-update.ts')).toContain("Searched name 'santos'");
    expect(at('--target fixtures/targets/reference.yaml')).toMatch(/PASS/);
    expect(at('npm run docs ')).toMatch(/wrote .*site\/index\.html/);
    // Both profiles against the deployed dialect: openspp-deployed passes, openspp lists the differences (exit 1).
    const both = at('reference-deployed.yaml --no-reports');
    expect(both).toMatch(/RESULT: PASS/);
    expect(both).toMatch(/RESULT: FAIL/);
    expect(both).toMatch(/^exit 1: differs from the published pages/m);
    expect(skipped.sort()).toEqual(
      [
        'npm ci: CI runs it before this test',
        'npm start: the test started it',
        'npm start: the test started it',
        'npm test: this test is part of it',
        'npx spp-kit: the test started it',
        'npx spp-kit: the test started it',
      ].sort(),
    );
  });

  it('the ts blocks type-check (tsc, strict), the package names resolving as an installed package would', async () => {
    const ts = all.filter((s) => s.lang === 'ts');
    const files = ts.map((s) => `readme-check-${s.line}.mts`);
    await Promise.all(ts.map((s, i) => writeFile(join(dir, files[i]!), s.code)));
    const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
    const paths = Object.fromEntries(Object.entries(compilerOptions.paths).map(([k, [v]]) => [k, [join(root, v!)]]));
    const out = await typecheck(dir, files, consumerOptions({ paths }));
    expect(out).toBe('');
  }, 120_000);
});
