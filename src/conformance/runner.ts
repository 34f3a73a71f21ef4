/**
 * A conformance run: target file → profile → plan → preflight → vitest (through its Node API, one worker, one
 * entry file that registers the planned checks in plan order) → results → reports. The I/O edge of the kit; the
 * decisions are in plan.ts, verdict.ts and the reporters.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBudget, type BudgetPlan } from './budget.js';
import { loadCatalogue } from './catalogue.js';
import { useDialect } from './kit-contract.js';
import { ledgerFile } from './ledger.js';
import { SUITES, type SuiteName } from './check.js';
import { checkResult } from './check-result.js';
import { allChecks } from './checks/index.js';
import { planRun, type RunPlan } from './plan.js';
import { preflight, type PreflightResult } from './preflight.js';
import { applicability, loadProfile, ProfileError, type Profile } from './profiles.js';
import { htmlReport } from './reporters/html.js';
import { jsonReport } from './reporters/json.js';
import { junitReport } from './reporters/junit.js';
import { progressLine, summaryText } from './reporters/console.js';
import type { RunConfig } from './session.js';
import { loadTarget, TargetError, type Target } from './target.js';
import { waitAwareOutput } from '../terminal/progress.js';
import type { CheckResult, ExitCode, RunReport, Tier } from './types.js';
import { aggregateRequirements, rootCauses, summarize } from './verdict.js';

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
  /** Check ids or requirement ids (patterns with *) to leave out: checks do not run, requirements are not judged. */
  exclude?: string[];
  /** Longest wait for one rate-limit window (default 5 min). */
  maxWaitMs?: number;
  timingSamples?: number;
  /** Per-request timeout (default 20 s). */
  requestTimeoutMs?: number;
  /** Exit 0 instead of 3 for a pass whose MUST requirements were partly cut off (PASS, INCOMPLETE). */
  allowIncomplete?: boolean;
  /** Where the token ledger lives (the day's spend across runs); none: this run remembers nothing. */
  stateDir?: string;
  /** ANSI colours in the console lines (default off; the CLI turns them on for a terminal). */
  color?: boolean;
  /** Progress and summary lines (default: stdout). */
  out?: (line: string) => void;
}

export interface RunOutcome {
  /** 0 pass · 1 a MUST failed or a kit error · 2 unusable target or target file · 3 pass, incomplete (see allowIncomplete). */
  exitCode: ExitCode;
  report?: RunReport;
  /** Why the target is unusable (exit code 2). */
  error?: string;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** The vitest entry file next to this module: `.ts` under src, `.js` under dist. */
const ENTRY_FILE = fileURLToPath(new URL(`./planned.check${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

/** vitest's reporter hooks, reduced to what the kit reads: each check's result, its log lines, and what broke. */
function resultCollector(onResult: (r: CheckResult) => void, onLog: (line: string) => void, errors: string[]) {
  return {
    onTestCaseResult(testCase: { name: string; meta(): { sppKit?: CheckResult }; result(): { state: string; errors?: ReadonlyArray<{ message?: string }> } }) {
      const r = testCase.meta().sppKit;
      if (r) {
        onResult(r);
        return;
      }
      const res = testCase.result();
      errors.push(`${testCase.name}: vitest reported ${res.state} without a result (${res.errors?.map((e) => e.message).join('; ') ?? 'no error'})`);
    },
    onUserConsoleLog(log: { content: string }) {
      for (const line of log.content.split('\n')) if (line.startsWith('[spp-kit] ')) onLog(line.slice('[spp-kit] '.length));
    },
    onTestRunEnd(modules: ReadonlyArray<{ moduleId: string; errors(): ReadonlyArray<{ message?: string }> }>, unhandled: ReadonlyArray<{ message?: string }>) {
      for (const m of modules) for (const e of m.errors()) errors.push(`${m.moduleId}: ${e.message ?? JSON.stringify(e)}`);
      for (const e of unhandled) errors.push(`unhandled: ${e.message ?? JSON.stringify(e)}`);
    },
  };
}

/** Runs the planned checks in vitest and returns what each test reported, in the order they ran. */
async function runVitest(
  config: RunConfig,
  onResult: (r: CheckResult) => void,
  onLog: (line: string) => void,
): Promise<{ results: CheckResult[]; errors: string[] }> {
  const { startVitest } = await import('vitest/node');
  const results: CheckResult[] = [];
  const errors: string[] = [];
  const collector = resultCollector(
    (r) => {
      results.push(r);
      onResult(r);
    },
    onLog,
    errors,
  );
  const previousExitCode = process.exitCode;
  const vitest = await startVitest(
    'test',
    [],
    {
      root: dirname(ENTRY_FILE),
      config: false,
      watch: false,
      include: [basename(ENTRY_FILE)],
      reporters: [collector as never],
      // One worker, no isolation, no concurrency: the checks share the session (tokens fetched once, one budget)
      // and run one after the other in the order the entry file declares them.
      isolate: false,
      fileParallelism: false,
      maxWorkers: 1,
      pool: 'threads',
      passWithNoTests: true,
      provide: { sppKitRun: config } as never,
    } as never,
    { cacheDir: join(tmpdir(), 'spp-kit-vite-cache'), logLevel: 'silent', clearScreen: false },
    {},
  );
  await vitest.close();
  // vitest sets the exit code for its own verdict; the kit decides its own.
  process.exitCode = previousExitCode;
  return { results, errors };
}

/** The profile with the operator's --exclude patterns added to what it rules out (requirement ids are then not judged). */
function withExclusions(profile: Profile, exclude: readonly string[] | undefined): Profile {
  if (!exclude?.length) return profile;
  const added = Object.fromEntries(exclude.map((e) => [e, 'excluded by --exclude']));
  return { ...profile, requirements: { ...profile.requirements, exclude: { ...profile.requirements.exclude, ...added } } };
}

/** The target and profile to run with, or why they are unusable (exit code 2). */
function loadInputs(options: RunOptions): { target: Target; profile: Profile } | { error: string } {
  try {
    let target = options.target ?? loadTarget(options.targetFile!);
    if (options.baseUrl) target = { ...target, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    const profile = withExclusions(loadProfile(options.profile ?? target.profile), options.exclude);
    // The run judges by the profile's contract (published or deployed): its operations, scopes and error style.
    useDialect(profile.dialect);
    return { target, profile };
  } catch (e) {
    if (e instanceof TargetError || e instanceof ProfileError) return { error: e.message };
    throw e;
  }
}

/** The preflight's findings, or why the target is unusable (exit code 2). */
async function preflightOrError(
  target: Target,
  profile: Profile,
  plan: RunPlan,
  options: RunOptions,
  out: (line: string) => void,
): Promise<PreflightResult | { error: string }> {
  try {
    return await preflight(target, profile, {
      roles: plan.preflightRoles,
      log: (l) => out(`  ${l}`),
      maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      plannedTokenRequests: plan.tokenRequests,
      ...(options.stateDir ? { ledgerFile: ledgerFile(options.stateDir) } : {}),
      ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
      verify: { key: plan.selected.some((c) => c.needs?.key), records: plan.selected.some((c) => !!c.needs?.records?.length) },
    });
  } catch (e) {
    if (e instanceof TargetError) return { error: e.message };
    throw e;
  }
}

/** What the vitest worker needs: the plan's checks by id, the preflight's tokens, limits and ledgers. */
function runConfig(
  runId: string,
  inputs: { target: Target; profile: Profile; tier: Tier },
  plan: RunPlan,
  pre: PreflightResult,
  options: RunOptions,
): RunConfig {
  return {
    runId,
    ...inputs,
    selected: plan.selected.map((c) => c.id),
    tokenEndpoint: pre.tokenEndpoint,
    limits: {
      token: { perMinute: pre.limits.token.perMinute, perDay: pre.limits.token.perDay, ...(pre.limits.token.assumed ? { assumed: true } : {}) },
      api: { perMinute: pre.limits.api.perMinute, perDay: pre.limits.api.perDay, ...(pre.limits.api.assumed ? { assumed: true } : {}) },
    },
    tokenLedger: pre.tokenLedger,
    apiLedgers: pre.apiLedgers,
    tokens: pre.tokens,
    clockSkewMs: pre.clockSkewMs,
    ...(pre.metadata ? { metadata: pre.metadata } : {}),
    preflightExchanges: pre.exchanges,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    timingSamples: options.timingSamples ?? 25,
    ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
    ...(options.stateDir ? { ledgerFile: ledgerFile(options.stateDir) } : {}),
  };
}

/** Runs the plan, printing progress; every check the plan selected has a result, in suite order, the unrun ones included. */
async function runPlan(config: RunConfig, plan: RunPlan, out: (line: string) => void, color: boolean): Promise<{ checks: CheckResult[]; errors: string[] }> {
  let index = 0;
  const total = plan.selected.length;
  const { results, errors } = total
    ? await runVitest(
        config,
        (r) => out(progressLine(r, ++index, total, color)),
        (l) => out(`  ${l}`),
      )
    : { results: [], errors: [] };
  const got = new Set(results.map((r) => r.checkId));
  const missing = plan.selected
    .filter((c) => !got.has(c.id))
    .map((c) => checkResult(c, { verdict: 'error', reason: `the check did not report a result${errors.length ? ` (${errors[0]})` : ''}` }));
  const suiteOrder = (r: CheckResult) => SUITES.indexOf(r.suite as SuiteName);
  return { checks: [...results, ...missing, ...plan.notRun].sort((a, b) => suiteOrder(a) - suiteOrder(b)), errors };
}

interface RunFacts {
  runId: string;
  started: Date;
  target: Target;
  profile: Profile;
  tier: Tier;
  only?: string[] | undefined;
  pre: PreflightResult;
  budgetPlan: BudgetPlan;
  checks: CheckResult[];
  errors: string[];
}

/** The RunReport (conformance/report-schema.json) of a finished run. */
function buildReport(f: RunFacts): RunReport {
  const requirements = aggregateRequirements(loadCatalogue(), f.checks, (id) => applicability(f.profile, id));
  const finished = new Date();
  return {
    schemaVersion: 1,
    tool: { name: pkg.name, version: pkg.version },
    runId: f.runId,
    startedAt: f.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - f.started.getTime(),
    target: {
      baseUrl: f.target.baseUrl,
      profile: f.profile.name,
      tier: f.tier,
      writes: f.target.writes,
      tokenEndpoint: f.pre.tokenEndpoint,
      clients: Object.keys(f.target.clients),
      ...(f.only ? { only: f.only } : {}),
    },
    budget: {
      tokenLimits: { perMinute: f.pre.limits.token.perMinute, perDay: f.pre.limits.token.perDay, source: f.pre.limits.token.source },
      apiLimits: { perMinute: f.pre.limits.api.perMinute, perDay: f.pre.limits.api.perDay, source: f.pre.limits.api.source },
      tokenRequests: f.pre.tokenLedger.length + f.checks.reduce((n, c) => n + c.tokenRequests, 0),
      plannedTokenRequests: f.budgetPlan.tokenRequests,
      plannedProbeRequests: f.budgetPlan.probeRequests,
      waitsMs: Math.round(f.pre.waitsMs + f.checks.reduce((n, c) => n + (c.waitedMs ?? 0), 0)),
      ...(f.pre.spentEarlier ? { spentEarlier: f.pre.spentEarlier } : {}),
    },
    clock: { skewSeconds: Math.round(f.pre.clockSkewMs / 100) / 10, source: 'Date header of the first answer vs the local clock' },
    summary: summarize(requirements, f.checks),
    rootCauses: rootCauses(requirements, f.checks),
    requirements,
    checks: f.checks,
    notes: [...f.target.notes, ...f.pre.notes, ...f.errors.map((e) => `kit error: ${e}`)],
  };
}

/** Writes the reports the options ask for, creating their directories. */
function writeReports(report: RunReport, options: RunOptions, out: (line: string) => void): void {
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
}

const DEFAULT_MAX_WAIT_MS = 5 * 60_000;

/** The plan for the options, or why there is none to run (exit code 2). */
export function planFor(options: RunOptions): { target: Target; profile: Profile; tier: Tier; plan: RunPlan } | { error: string } {
  const inputs = loadInputs(options);
  if ('error' in inputs) return inputs;
  const { target, profile } = inputs;
  const tier = options.tier ?? 'fast';
  const plan = planRun(allChecks, {
    target,
    profile,
    tier,
    ...(options.only ? { only: options.only } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
  });
  if (plan.selected.length === 0 && options.only?.length)
    return { error: `--only ${options.only.join(',')} selects no check that can run against this target` };
  return { target, profile, tier, plan };
}

/** Runs the kit against a target: exit 0 (no MUST failed), 1 (a MUST failed or a check could not finish), 2 (unusable target), 3 (pass, incomplete). */
export async function runConformance(options: RunOptions): Promise<RunOutcome> {
  const out = options.out ?? waitAwareOutput(process.stdout);
  const color = options.color ?? false;
  const started = new Date();
  const planned = planFor(options);
  if ('error' in planned) return { exitCode: 2, error: planned.error };
  const { target, profile, tier, plan } = planned;
  out(
    `spp-kit conformance → ${target.baseUrl} (profile ${profile.name}, tier ${tier}): ${plan.selected.length} checks to run, ${plan.notRun.length} skipped or not applicable`,
  );
  for (const note of target.notes) out(`  note: ${note}`);
  const pre = await preflightOrError(target, profile, plan, options, out);
  if ('error' in pre) return { exitCode: 2, error: pre.error };
  const probeRequests = plan.hasTokenProbe ? 2 * pre.limits.token.perMinute + 1 : 0;
  const budgetPlan = planBudget({ tokenRequests: plan.tokenRequests, probeRequests, limits: pre.limits.token, spentEarlier: pre.spentEarlier });
  for (const line of budgetPlan.lines) out(`  ${line}`);
  const runId = newRunId(started);
  const { checks, errors } = await runPlan(runConfig(runId, { target, profile, tier }, plan, pre, options), plan, out, color);
  const report = buildReport({ runId, started, target, profile, tier, only: options.only, pre, budgetPlan, checks, errors });
  out(summaryText(report, { color, allowIncomplete: options.allowIncomplete === true }));
  writeReports(report, options, out);
  const exitCode = report.summary.exitCode === 3 && options.allowIncomplete ? 0 : report.summary.exitCode;
  return { exitCode, report };
}
