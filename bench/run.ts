/**
 * npm run bench [-- --quick]
 *
 * Measures the reference server against its peers in one run, alternating A B A B so that both see the same
 * machine noise, and reports ratios (medians of rounds, with min–max). Everything runs on 127.0.0.1; every load
 * loop is bounded in time. Writes bench/results/latest.json and .md, and docs/benchmarks.md.
 * `--render` rewrites the Markdown from the last latest.json without measuring.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { load, type LoadResult } from './lib/load.js';
import { freePort, startChild, type Child } from './lib/processes.js';
import { median, percentile, round } from './lib/stats.js';
import { readDemoFixture } from '../src/server/demo-clients.js';
import { formatDuration, progressLine, type ProgressLine } from '../src/terminal/progress.js';

const quick = process.argv.includes('--quick');
/**
 * `--only=token,read,read-deployed,extensions,rss,scale` runs those groups of scenarios (all by default): for
 * iterating on one path. A partial run writes bench/results/latest.* but never docs/benchmarks.md.
 */
const GROUPS = ['token', 'read', 'read-deployed', 'extensions', 'rss', 'scale'] as const;
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = new Set(onlyArg ? onlyArg.split(',') : GROUPS);
for (const g of only) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group ${g} (${GROUPS.join(', ')})`);
const partial = only.size < GROUPS.length;
if (process.argv.includes('--help')) {
  console.log(`npm run bench [-- --quick] [-- --only=${GROUPS.join(',')}] [-- --big-db=PATH] [-- --render]`);
  process.exit(0);
}
const P = quick
  ? { individuals: 100_000, rounds: 2, seconds: 3, warmup: 1, deepPage: 20_000, deepCount: 5, samples: 60, loadSeconds: 5, batches: 3 }
  : { individuals: 1_000_000, rounds: 5, seconds: 10, warmup: 2, deepPage: 20_000, deepCount: 20, samples: 200, loadSeconds: 30, batches: 10 };

interface Scenario {
  id: string;
  ours: number;
  theirs: number | null;
  unit: string;
  ratio: number | null;
  /** Extra figures: min/max of ratios, p95, p99… */
  detail?: Record<string, number | string>;
}

const scenarios: Scenario[] = [];
const commands: string[] = [];
const root = new URL('..', import.meta.url).pathname;
// The compiled CLI (`npm run bench` builds it first): what a published package runs.
const cli = join(root, 'dist/cli/main.js');
const demo = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));
const reader = demo.reader!;
const full = demo.full!;
const JWT_SECRET = 'bench-jwt-secret-Vq3xZ8mN2pL7wR4tY9uK1hG6fD0sA5cB';
const UNLIMITED = {
  SPP_TOKEN_RATE_PER_MINUTE: '100000000',
  SPP_TOKEN_RATE_PER_DAY: '100000000',
  SPP_API_RATE_PER_MINUTE: '100000000',
  SPP_API_RATE_PER_DAY: '100000000',
};

// The progress line of the scenario under way (on a terminal: redrawn in place; log lines print above it).
let activeProgress: ProgressLine | undefined;

function log(line: string) {
  if (activeProgress) activeProgress.log(`[bench] ${line}`);
  else console.log(`[bench] ${line}`);
}

async function startOurs(dbPath: string, extraEnv: Record<string, string> = {}): Promise<Child & { base: string }> {
  const port = await freePort();
  // No request log: a line per request would measure the terminal, not the server.
  const env = { ...UNLIMITED, SPP_LOG: 'off', OPENSPP_JWT_SECRET: JWT_SECRET, PORT: String(port), SPP_DB: dbPath, ...extraEnv };
  commands.push(
    `${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} node dist/cli/main.js serve`,
  );
  const base = `http://127.0.0.1:${port}/api/v2/spp`;
  const child = await startChild(process.execPath, [cli, 'serve'], env, `${base}/metadata`);
  return Object.assign(child, { base });
}

async function ourToken(base: string, who = reader): Promise<string> {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: who.clientId, client_secret: who.clientSecret }),
  });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A B A B … rounds of equal length; the ratio of medians and the spread of per-round ratios. */
async function alternate(id: string, oursLoad: () => Promise<LoadResult>, theirsLoad: () => Promise<LoadResult>, unit = 'req/s') {
  // Progress over the load time of the scenario: a warm-up pair, then the rounds, each load P.seconds long.
  const loadMs = P.seconds * 1000;
  const progress = progressLine({ label: `[bench] ${id}`, total: (P.rounds + 1) * 2 * loadMs, format: formatDuration, stream: process.stdout, plainStep: 0 });
  let completed = 0;
  let loadStarted = performance.now();
  const timer = setInterval(() => progress.update(completed + Math.min(performance.now() - loadStarted, loadMs)), 500);
  timer.unref();
  const timedLoad = (fn: () => Promise<LoadResult>) => async () => {
    loadStarted = performance.now();
    const result = await fn();
    completed += loadMs;
    return result;
  };
  const ours = timedLoad(oursLoad);
  const theirs = timedLoad(theirsLoad);
  activeProgress = progress;
  const a: LoadResult[] = [];
  const b: LoadResult[] = [];
  try {
    await ours();
    await theirs(); // warm-up, discarded
    for (let i = 0; i < P.rounds; i++) {
      a.push(await ours());
      b.push(await theirs());
      log(`${id} round ${i + 1}: ours ${round(a.at(-1)!.rps, 0)} ${unit}, theirs ${round(b.at(-1)!.rps, 0)} ${unit}`);
    }
  } finally {
    clearInterval(timer);
    progress.done();
    activeProgress = undefined;
  }
  for (const r of [...a, ...b]) if (r.non2xx || r.errors) throw new Error(`${id}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
  const ratios = a.map((r, i) => r.rps / b[i]!.rps);
  const ours50 = median(a.map((r) => r.rps));
  const theirs50 = median(b.map((r) => r.rps));
  scenarios.push({
    id,
    ours: round(ours50, 0),
    theirs: round(theirs50, 0),
    unit,
    ratio: round(ours50 / theirs50),
    detail: {
      ratioMin: round(Math.min(...ratios)),
      ratioMax: round(Math.max(...ratios)),
      oursP99Ms: median(a.map((r) => r.p99)),
      theirsP99Ms: median(b.map((r) => r.p99)),
      rounds: P.rounds,
      secondsPerRound: P.seconds,
    },
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'spp-bench-'));
  const started = Date.now();
  try {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });

    // 1-2. Token endpoint vs oidc-provider (opaque and JWT access tokens, both HS256 where signed).
    const demoDb = join(work, 'demo.db');
    const ours = await startOurs(demoDb);
    const tokenBody = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: reader.clientId,
      client_secret: reader.clientSecret,
      scope: 'individual:read',
    }).toString();
    const peerBody = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'bench',
      client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
      scope: 'individual:read',
    }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const format of only.has('token') ? (['opaque', 'jwt'] as const) : []) {
      const port = await freePort();
      commands.push(`node bench/peers/oidc-provider.mjs ${port} ${format}`);
      const peer = await startChild(
        process.execPath,
        [join(root, 'bench/peers/oidc-provider.mjs'), String(port), format],
        {},
        `http://127.0.0.1:${port}/.well-known/openid-configuration`,
      );
      try {
        await alternate(
          `token-vs-oidc-provider-${format}`,
          () => load({ url: `${ours.base}/oauth/token`, method: 'POST', headers: form, body: tokenBody, seconds: P.seconds }),
          () => load({ url: `http://127.0.0.1:${port}/token`, method: 'POST', headers: form, body: peerBody, seconds: P.seconds }),
        );
      } finally {
        await peer.stop();
      }
    }

    // 3. Authenticated read (JWT verify + client + rate limit + scope + store + consent + JSON) vs bare Hono.
    const token = await ourToken(ours.base);
    const fullToken = await ourToken(ours.base, full);
    const auth = { authorization: `Bearer ${token}` };
    const first = (await (await fetch(`${ours.base}/Individual?_count=1`, { headers: auth })).json()) as { entry: Array<{ fullUrl: string }> };
    const readUrl = `http://127.0.0.1:${new URL(ours.base).port}${first.entry[0]!.fullUrl}`;
    if (only.has('read')) await readVsBare('read-vs-bare-hono', readUrl, auth, work);
    // 3b. A read with every extension block (`_extensions=*`) against the same read without: the cost of extensions.
    if (only.has('extensions')) {
      const extensionsUrl = `http://127.0.0.1:${new URL(ours.base).port}${ours.base.replace(/^http:\/\/[^/]+/, '')}/Individual/urn:gov:ph:psa:national-id%7CPH-123456789`;
      await alternate(
        'read-extensions-vs-plain',
        () => load({ url: `${extensionsUrl}?_extensions=*`, headers: { authorization: `Bearer ${fullToken}` }, seconds: P.seconds }),
        () => load({ url: extensionsUrl, headers: { authorization: `Bearer ${fullToken}` }, seconds: P.seconds }),
      );
    }
    // 5b. Memory after sustained load on the authenticated read.
    if (only.has('rss')) {
      await load({ url: readUrl, headers: auth, seconds: P.loadSeconds });
      scenarios.push({ id: 'rss-after-load', ours: round(ours.rssMb(), 1), theirs: null, unit: 'MB', ratio: null, detail: { loadSeconds: P.loadSeconds } });
    }
    await ours.stop();

    // 3c. The same read in the deployed dialect (same database, same record, the module's token and wire format).
    if (only.has('read-deployed')) {
      const deployed = await startOurs(demoDb, { SPP_DIALECT: 'deployed' });
      try {
        const deployedToken = await ourToken(deployed.base);
        const deployedUrl = `http://127.0.0.1:${new URL(deployed.base).port}${new URL(readUrl).pathname}`;
        await readVsBare('read-deployed-vs-bare-hono', deployedUrl, { authorization: `Bearer ${deployedToken}` }, work);
      } finally {
        await deployed.stop();
      }
    }

    // 3-4. Scale: a seeded registry.
    if (only.has('scale')) await scale(work, started);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await finish(started);
}

/** An authenticated read against a bare Hono handler answering the same body (alternating rounds). */
async function readVsBare(id: string, url: string, headers: Record<string, string>, work: string): Promise<void> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${id}: ${res.status} ${await res.text()}`);
  const bodyFile = join(work, `${id}.json`);
  await writeFile(bodyFile, await res.text());
  const barePort = await freePort();
  commands.push(`node bench/peers/bare-hono.mjs ${barePort} BODY_FILE`);
  const bare = await startChild(
    process.execPath,
    [join(root, 'bench/peers/bare-hono.mjs'), String(barePort), bodyFile],
    {},
    `http://127.0.0.1:${barePort}/api/v2/spp/Individual/x`,
  );
  try {
    await alternate(
      id,
      () => load({ url, headers, seconds: P.seconds }),
      () => load({ url: `http://127.0.0.1:${barePort}/api/v2/spp/Individual/x`, seconds: P.seconds }),
    );
  } finally {
    await bare.stop();
  }
}

async function scale(work: string, started: number): Promise<void> {
  // `--big-db=PATH` keeps the seeded registry between runs (seeded when the file is missing): for iterating.
  const kept = process.argv.find((a) => a.startsWith('--big-db='))?.slice('--big-db='.length);
  const bigDb = kept ?? join(work, 'big.db');
  if (!kept || !existsSync(kept)) {
    commands.push(`node dist/cli/main.js --db BIG_DB seed --individuals ${P.individuals}`);
    const [, seedMs] = await timed(async () =>
      execFileSync(process.execPath, [cli, '--db', bigDb, 'seed', '--individuals', String(P.individuals)], { stdio: 'inherit' }),
    );
    log(`seeded ${P.individuals} individuals in ${round(seedMs / 1000, 1)} s`);
  }
  const big = await startOurs(bigDb);
  scenarios.push({
    id: 'startup',
    ours: round(big.startupMs, 0),
    theirs: null,
    unit: 'ms',
    ratio: null,
    detail: { individuals: P.individuals, note: 'process start to first successful GET /metadata' },
  });
  const bigToken = await ourToken(big.base, full);
  const bigAuth = { authorization: `Bearer ${bigToken}` };
  const names = ['san', 'mar', 'cruz', 'rey', 'ana', 'jose', 'gar', 'del', 'lop', 'ram'];
  const firstPage: number[] = [];
  for (let i = 0; i < P.samples; i++) {
    const name = names[i % names.length]!;
    const [res, ms] = await timed(() => fetch(`${big.base}/Individual?name=${name}`, { headers: bigAuth }));
    if (!res.ok) throw new Error(`search: ${res.status}`);
    await res.arrayBuffer();
    firstPage.push(ms);
  }
  scenarios.push({
    id: 'search-1m-first-page',
    ours: round(median(firstPage)),
    theirs: null,
    unit: 'ms',
    ratio: null,
    detail: { p95: round(percentile(firstPage, 95)), samples: P.samples, individuals: P.individuals, query: 'name=<substring>' },
  });
  let url = `${big.base}/Individual?_count=${P.deepCount}`;
  const deep: number[] = [];
  for (let page = 1; page <= P.deepPage; page++) {
    const [res, ms] = await timed(() => fetch(url, { headers: bigAuth }));
    const bundle = (await res.json()) as { link: Array<{ relation: string; url: string }> };
    if (!res.ok) throw new Error(`paging: ${res.status} at page ${page}`);
    if (page > P.deepPage - P.samples) deep.push(ms);
    if (page === P.deepPage) break;
    const next = bundle.link.find((l) => l.relation === 'next');
    if (!next) throw new Error(`no next link at page ${page}`);
    url = `http://127.0.0.1:${new URL(big.base).port}${next.url}`;
  }
  // Offset paging at depth: pages at _offset 20 000 and a little beyond (the same search, as a client pages).
  const offsetPages: number[] = [];
  for (let i = 0; i < P.samples; i++) {
    const [res, ms] = await timed(() => fetch(`${big.base}/Individual?_count=20&_offset=${20_000 + 20 * (i % 10)}`, { headers: bigAuth }));
    if (!res.ok) throw new Error(`offset: ${res.status}`);
    await res.arrayBuffer();
    offsetPages.push(ms);
  }
  scenarios.push({
    id: 'search-1m-offset-20000',
    ours: round(median(offsetPages)),
    theirs: null,
    unit: 'ms',
    ratio: null,
    detail: { p95: round(percentile(offsetPages, 95)), samples: P.samples, individuals: P.individuals, query: '_count=20&_offset=20000..20180' },
  });
  // Multi-key sort: the first page of a name search sorted by name, then birth date descending.
  const multiSort: number[] = [];
  for (let i = 0; i < P.samples; i++) {
    const [res, ms] = await timed(() => fetch(`${big.base}/Individual?name=${names[i % names.length]}&_sort=name,-birthDate`, { headers: bigAuth }));
    if (!res.ok) throw new Error(`multi-key sort: ${res.status}`);
    await res.arrayBuffer();
    multiSort.push(ms);
  }
  scenarios.push({
    id: 'search-1m-multi-sort-first-page',
    ours: round(median(multiSort)),
    theirs: null,
    unit: 'ms',
    ratio: null,
    detail: { p95: round(percentile(multiSort, 95)), samples: P.samples, individuals: P.individuals, query: 'name=<substring>&_sort=name,-birthDate' },
  });
  scenarios.push({
    id: 'search-1m-page-20000',
    ours: round(median(deep)),
    theirs: null,
    unit: 'ms',
    ratio: null,
    detail: { p95: round(percentile(deep, 95)), pageSize: P.deepCount, pagesMeasured: deep.length, individuals: P.individuals },
  });

  // 4. $batch: creates in a batch of 500 and a transaction of 50.
  for (const [id, type, size] of [
    ['batch-500', 'batch', 500],
    ['transaction-50', 'transaction', 50],
  ] as const) {
    const times: number[] = [];
    for (let run = 0; run < P.batches; run++) {
      const entry = Array.from({ length: size }, (_, i) => ({
        request: { method: 'POST', url: 'Individual' },
        resource: {
          resourceType: 'Individual',
          identifier: [{ system: 'urn:spp-kit:bench', value: `${id}-${started}-${run}-${i}` }],
          name: { family: 'Bench', given: `P${i}` },
        },
      }));
      const [res, ms] = await timed(() =>
        fetch(`${big.base}/$batch`, {
          method: 'POST',
          headers: { ...bigAuth, 'content-type': 'application/json' },
          body: JSON.stringify({ resourceType: 'Bundle', type, entry }),
        }),
      );
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${id}: ${res.status} ${text.slice(0, 300)}`);
      times.push(ms);
    }
    scenarios.push({
      id,
      ours: round(median(times), 1),
      theirs: null,
      unit: 'ms',
      ratio: null,
      detail: { min: round(Math.min(...times), 1), p99: round(percentile(times, 99), 1), max: round(Math.max(...times), 1), runs: P.batches, entries: size },
    });
  }
  await big.stop();
}

async function finish(started: number): Promise<void> {
  const cpu = cpus();
  const result = {
    generatedAt: new Date().toISOString(),
    mode: `${quick ? 'quick' : 'full'}${partial ? ` (${[...only].join(', ')})` : ''}`,
    machine: {
      cores: cpu.length,
      cpu: cpu[0]?.model ?? 'unknown',
      memoryGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: process.platform,
    },
    parameters: P,
    commands,
    scenarios,
    wallSeconds: round((Date.now() - started) / 1000, 1),
  };
  await writeResults(result, !quick && !partial);
}

/** What the issue asks the reference server to reach; `met` compares the measured value with `aim`. */
const TARGETS: Array<{ id: string; aim: string; met: (s: Scenario) => boolean; measured: (s: Scenario) => string }> = [
  { id: 'token-vs-oidc-provider-opaque', aim: 'ratio ≥ 1.6', met: (s) => (s.ratio ?? 0) >= 1.6, measured: (s) => `${s.ratio}×` },
  { id: 'token-vs-oidc-provider-jwt', aim: 'ratio ≥ 2.0 (both HS256)', met: (s) => (s.ratio ?? 0) >= 2, measured: (s) => `${s.ratio}×` },
  { id: 'read-vs-bare-hono', aim: 'ratio ≥ 0.35', met: (s) => (s.ratio ?? 0) >= 0.35, measured: (s) => `${s.ratio}×` },
  { id: 'read-deployed-vs-bare-hono', aim: 'ratio ≥ 0.35', met: (s) => (s.ratio ?? 0) >= 0.35, measured: (s) => `${s.ratio}×` },
  { id: 'search-1m-first-page', aim: 'p95 ≤ 5 ms', met: (s) => Number(s.detail?.p95) <= 5, measured: (s) => `p95 ${s.detail?.p95} ms` },
  { id: 'search-1m-page-20000', aim: 'p95 ≤ 5 ms', met: (s) => Number(s.detail?.p95) <= 5, measured: (s) => `p95 ${s.detail?.p95} ms` },
  { id: 'search-1m-offset-20000', aim: 'p95 ≤ 10 ms', met: (s) => Number(s.detail?.p95) <= 10, measured: (s) => `p95 ${s.detail?.p95} ms` },
  { id: 'search-1m-multi-sort-first-page', aim: 'p95 ≤ 20 ms', met: (s) => Number(s.detail?.p95) <= 20, measured: (s) => `p95 ${s.detail?.p95} ms` },
  // ours = with extensions, theirs = the plain read: the ratio is the extensions' cost in throughput.
  {
    id: 'read-extensions-vs-plain',
    aim: 'cost ≤ 1.3× (ratio ≥ 0.77)',
    met: (s) => (s.ratio ?? 0) >= 1 / 1.3,
    measured: (s) => `${s.ratio}× (cost ${round(1 / (s.ratio ?? 1), 2)}×)`,
  },
  // The first batches after a large seed once took 7-10 s (FTS5 merging the seeded index on the request path).
  {
    id: 'batch-500',
    aim: 'max ≤ 3× median',
    met: (s) => Number(s.detail?.max) <= 3 * Number(s.ours),
    measured: (s) => `max ${s.detail?.max} ms, median ${s.ours} ms`,
  },
];

type Result = {
  generatedAt: string;
  mode: string;
  machine: { cores: number; cpu: string; node: string };
  commands: string[];
  scenarios: Scenario[];
  wallSeconds: number;
};

/** The Markdown table, the targets and the commands of one run. */
export function renderMarkdown(result: Result): string {
  const { scenarios, commands } = result;
  const table = [
    '| scenario | ours | peer | unit | ratio (min–max) | detail |',
    '|---|---|---|---|---|---|',
    ...scenarios.map(
      (s) =>
        `| ${s.id} | ${s.ours} | ${s.theirs ?? '—'} | ${s.unit} | ${s.ratio === null ? '—' : `${s.ratio} (${s.detail?.ratioMin}–${s.detail?.ratioMax})`} | ${Object.entries(
          s.detail ?? {},
        )
          .filter(([k]) => !k.startsWith('ratio'))
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} |`,
    ),
  ].join('\n');
  const targets = [
    '| target | aim | measured | met |',
    '|---|---|---|---|',
    ...TARGETS.flatMap((t) => {
      const s = scenarios.find((x) => x.id === t.id);
      return s ? [`| ${t.id} | ${t.aim} | ${t.measured(s)} | ${t.met(s) ? 'yes' : '**no**'} |`] : [];
    }),
  ].join('\n');
  return `Benchmark (${result.mode}) on ${result.machine.cores} cores (${result.machine.cpu}), Node ${result.machine.node}, ${result.generatedAt}; ${result.wallSeconds} s.\n\n${table}\n\nTargets:\n\n${targets}\n\nCommands:\n\n${commands.map((c) => `    ${c}`).join('\n')}\n`;
}

/** Writes latest.json/.md and, for a full run, docs/benchmarks.md; prints the table. */
async function writeResults(result: Result, publish: boolean): Promise<void> {
  const markdown = renderMarkdown(result);
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(root, 'bench/results/latest.md'), markdown);
  if (publish) {
    const doc = [
      '# Benchmarks',
      '',
      'Produced by `npm run bench` (after `npm ci`; `npm run bench -- --quick` for a three-minute smoke run at 100k',
      'individuals). Each comparison alternates our server and its peer (A B A B …) for the same number of',
      'equal rounds, so both see the same machine noise; the ratio is the ratio of the medians, with the range of the',
      'per-round ratios. All traffic is on 127.0.0.1; load comes from autocannon (50 connections) in the benchmark',
      'process, which shares the machine with the servers. The raw figures are in `bench/results/latest.json`',
      '(`scenarios[]` of `{ id, ours, theirs, unit, ratio, detail }`; `ours` is req/s, ms or MB as `unit` says,',
      '`theirs` and `ratio` are null where there is no peer; latency scenarios give the median in `ours` and the',
      'p95 in `detail.p95`). Where the time goes, and why some targets are out of reach: [performance.md](performance.md).',
      '',
      '## Latest run',
      '',
      markdown,
    ].join('\n');
    await mkdir(join(root, 'docs'), { recursive: true });
    await writeFile(join(root, 'docs/benchmarks.md'), doc);
  }
  console.log(`\n${markdown}`);
}

if (process.argv.includes('--render')) {
  // Re-renders the Markdown of the last run (bench/results/latest.json) without measuring anything.
  const last = JSON.parse(await readFile(join(root, 'bench/results/latest.json'), 'utf8')) as Result;
  await writeResults(last, last.mode === 'full');
} else {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
