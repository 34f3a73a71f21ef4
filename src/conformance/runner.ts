/**
 * A conformance run: target file → profile → plan → preflight → vitest (through its Node API, one worker, the
 * suite files in order) → results → reports. The I/O edge of the kit; the decisions are in plan.ts,
 * verdict.ts and the reporters.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBudget } from './budget.js';
import { loadCatalogue } from './catalogue.js';
import { SUITES, type SuiteName } from './check.js';
import { allChecks } from './checks/index.js';
import { planRun } from './plan.js';
import { preflight } from './preflight.js';
import { applicability, loadProfile, ProfileError, type Profile } from './profiles.js';
import { htmlReport } from './reporters/html.js';
import { jsonReport } from './reporters/json.js';
import { junitReport } from './reporters/junit.js';
import { progressLine, summaryText } from './reporters/console.js';
import type { RunConfig } from './session.js';
import { loadTarget, TargetError, type Target } from './target.js';
import type { CheckResult, RunReport, Tier } from './types.js';
import { aggregateRequirements, summarize } from './verdict.js';

export interface RunOptions {
  targetFile?: string;
  /** A parsed target (tests); wins over targetFile. */
  target?: Target;
  baseUrl?: string;
  profile?: string;
  tier?: Tier;
  only?: string[];
  junit?: string;
  json?: string;
  html?: string;
  /** Longest wait for one rate-limit window (default 5 min). */
  maxWaitMs?: number;
  timingSamples?: number;
  /** Progress and summary lines (default: stdout). */
  out?: (line: string) => void;
}

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  report?: RunReport;
  /** Why the target is unusable (exit code 2). */
  error?: string;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

/** The suite files next to this module (.ts under src, .js under dist), by suite name. */
function suiteFiles(): Map<SuiteName, string> {
  const dir = fileURLToPath(new URL('./suites/', import.meta.url));
  const files = new Map<SuiteName, string>();
  for (const f of readdirSync(dir)) {
    const m = /^\d+-([a-z-]+)\.check\.(ts|js)$/.exec(f);
    if (m && (SUITES as readonly string[]).includes(m[1]!)) files.set(m[1] as SuiteName, join(dir, f));
  }
  return files;
}

/** Runs vitest over the given suite files, in their numbered order, and returns what each test reported. */
async function runVitest(
  files: string[],
  config: RunConfig,
  onResult: (r: CheckResult) => void,
  onLog: (line: string) => void,
): Promise<{ results: CheckResult[]; errors: string[] }> {
  const { startVitest } = await import('vitest/node');
  const results: CheckResult[] = [];
  const errors: string[] = [];
  const collector = {
    onTestCaseResult(testCase: { name: string; meta(): { sppKit?: CheckResult }; result(): { state: string; errors?: ReadonlyArray<{ message?: string }> } }) {
      const r = testCase.meta().sppKit;
      if (r) {
        results.push(r);
        onResult(r);
      } else {
        const res = testCase.result();
        errors.push(`${testCase.name}: vitest reported ${res.state} without a result (${res.errors?.map((e) => e.message).join('; ') ?? 'no error'})`);
      }
    },
    onUserConsoleLog(log: { content: string }) {
      for (const line of log.content.split('\n')) if (line.startsWith('[spp-kit] ')) onLog(line.slice('[spp-kit] '.length));
    },
    onTestRunEnd(modules: ReadonlyArray<{ moduleId: string; errors(): ReadonlyArray<{ message?: string }> }>, unhandled: ReadonlyArray<{ message?: string }>) {
      for (const m of modules) for (const e of m.errors()) errors.push(`${m.moduleId}: ${e.message ?? JSON.stringify(e)}`);
      for (const e of unhandled) errors.push(`unhandled: ${e.message ?? JSON.stringify(e)}`);
    },
  };
  class NumberedSequencer {
    shard(specs: unknown[]) {
      return specs;
    }
    sort(specs: Array<{ moduleId: string }>) {
      return [...specs].sort((a, b) => a.moduleId.split('/').pop()!.localeCompare(b.moduleId.split('/').pop()!));
    }
  }
  const root = dirname(files[0]!);
  const previousExitCode = process.exitCode;
  const vitest = await startVitest(
    'test',
    [],
    {
      root,
      config: false,
      watch: false,
      include: files.map((f) => f.slice(root.length + 1)),
      reporters: [collector as never],
      // One worker, no isolation: every suite shares the session (tokens fetched once, one budget).
      isolate: false,
      fileParallelism: false,
      maxWorkers: 1,
      pool: 'threads',
      passWithNoTests: true,
      provide: { sppKitRun: config } as never,
      sequence: { sequencer: NumberedSequencer as never },
    } as never,
    { cacheDir: join(tmpdir(), 'spp-kit-vite-cache'), logLevel: 'silent', clearScreen: false },
    {},
  );
  await vitest.close();
  // vitest sets the exit code for its own verdict; the kit decides its own.
  process.exitCode = previousExitCode;
  return { results, errors };
}

function errorResult(check: { id: string; title: string; suite: SuiteName; verifies: string[] }, reason: string): CheckResult {
  return {
    checkId: check.id,
    title: check.title,
    suite: check.suite,
    verifies: check.verifies,
    verdict: 'error',
    reason,
    outcomes: check.verifies.map((requirement) => ({ requirement, verdict: 'error', message: reason })),
    assertions: [],
    exchanges: [],
    tokenRequests: 0,
    durationMs: 0,
  };
}

export async function runConformance(options: RunOptions): Promise<RunOutcome> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = new Date();
  let target: Target;
  let profile: Profile;
  try {
    target = options.target ?? loadTarget(options.targetFile!);
    if (options.baseUrl) target = { ...target, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    profile = loadProfile(options.profile ?? target.profile);
  } catch (e) {
    if (e instanceof TargetError || e instanceof ProfileError) return { exitCode: 2, error: e.message };
    throw e;
  }
  const tier = options.tier ?? 'fast';
  const plan = planRun(allChecks, { target, profile, tier, ...(options.only ? { only: options.only } : {}) });
  if (plan.selected.length === 0 && options.only?.length)
    return { exitCode: 2, error: `--only ${options.only.join(',')} selects no check that can run against this target` };
  out(
    `spp-kit conformance → ${target.baseUrl} (profile ${profile.name}, tier ${tier}): ${plan.selected.length} checks to run, ${plan.notRun.length} skipped or not applicable`,
  );
  for (const note of target.notes) out(`  note: ${note}`);

  const maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
  let pre;
  try {
    pre = await preflight(target, profile, { roles: plan.preflightRoles, log: (l) => out(`  ${l}`), maxWaitMs });
  } catch (e) {
    if (e instanceof TargetError) return { exitCode: 2, error: e.message };
    throw e;
  }
  const budgetPlan = planBudget({
    tokenRequests: plan.tokenRequests,
    probeRequests: plan.hasTokenProbe ? pre.limits.token.perMinute + 1 : 0,
    limits: pre.limits.token,
  });
  for (const line of budgetPlan.lines) out(`  ${line}`);

  const runId = newRunId(started);
  const config: RunConfig = {
    runId,
    target,
    profile,
    tier,
    selected: plan.selected.map((c) => c.id),
    tokenEndpoint: pre.tokenEndpoint,
    limits: {
      token: { perMinute: pre.limits.token.perMinute, perDay: pre.limits.token.perDay },
      api: { perMinute: pre.limits.api.perMinute, perDay: pre.limits.api.perDay },
    },
    tokenLedger: pre.tokenLedger,
    apiLedgers: {},
    tokens: pre.tokens,
    clockSkewMs: pre.clockSkewMs,
    ...(pre.metadata ? { metadata: pre.metadata } : {}),
    preflightExchanges: pre.exchanges,
    maxWaitMs,
    timingSamples: options.timingSamples ?? 25,
  };

  const files = suiteFiles();
  const toRun = plan.suites.map((s) => files.get(s)).filter((f): f is string => !!f);
  let index = 0;
  const total = plan.selected.length;
  const { results, errors } = toRun.length
    ? await runVitest(
        toRun,
        config,
        (r) => out(progressLine(r, ++index, total)),
        (l) => out(`  ${l}`),
      )
    : { results: [], errors: [] };

  const got = new Set(results.map((r) => r.checkId));
  const missing = plan.selected
    .filter((c) => !got.has(c.id))
    .map((c) => errorResult(c, `the check did not report a result${errors.length ? ` (${errors[0]})` : ''}`));
  const checks = [...results, ...missing, ...plan.notRun].sort((a, b) => SUITES.indexOf(a.suite as SuiteName) - SUITES.indexOf(b.suite as SuiteName));
  const catalogue = loadCatalogue();
  const requirements = aggregateRequirements(catalogue, checks, (id) => applicability(profile, id));
  const summary = summarize(requirements, checks);
  const finished = new Date();
  const tokenRequests = pre.tokenLedger.length + checks.reduce((n, c) => n + c.tokenRequests, 0);
  const report: RunReport = {
    schemaVersion: 1,
    tool: { name: pkg.name, version: pkg.version },
    runId,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    target: {
      baseUrl: target.baseUrl,
      profile: profile.name,
      tier,
      writes: target.writes,
      tokenEndpoint: pre.tokenEndpoint,
      clients: Object.keys(target.clients),
      ...(options.only ? { only: options.only } : {}),
    },
    budget: {
      tokenLimits: pre.limits.token,
      apiLimits: pre.limits.api,
      tokenRequests,
      plannedTokenRequests: budgetPlan.tokenRequests,
      plannedProbeRequests: budgetPlan.probeRequests,
      waitsMs: Math.round(pre.waitsMs + checks.reduce((n, c) => n + (c.waitedMs ?? 0), 0)),
    },
    clock: { skewSeconds: Math.round(pre.clockSkewMs / 100) / 10, source: 'Date header of the first answer vs the local clock' },
    summary,
    requirements,
    checks,
    notes: [...target.notes, ...pre.notes, ...errors.map((e) => `kit error: ${e}`)],
  };
  out(summaryText(report));
  for (const [path, render] of [
    [options.json, jsonReport],
    [options.junit, junitReport],
    [options.html, htmlReport],
  ] as const) {
    if (!path) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, render(report));
    out(`wrote ${path}`);
  }
  return { exitCode: summary.exitCode, report };
}
