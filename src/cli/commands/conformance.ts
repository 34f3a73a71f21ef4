/**
 * `spp-kit conformance`: runs the conformance kit against a target described by a target file and exits with
 * 0 (no MUST failed), 1 (a MUST failed, or the kit could not complete a check), 2 (the target file, the target or
 * the command line is unusable) or 3 (no MUST failed but some were left undecided: PASS, INCOMPLETE; 0 with
 * --allow-incomplete). `--coverage` prints the requirement coverage matrix, `--list` the plan, and neither runs.
 */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { coverageMatrix, loadCatalogue } from '../../conformance/catalogue.js';
import { allChecks } from '../../conformance/checks/index.js';
import { defaultStateDir } from '../../conformance/ledger.js';
import { profileNames } from '../../conformance/profiles.js';
import { TARGET_HELP } from '../../conformance/target.js';

interface Options {
  target?: string;
  baseUrl?: string;
  profile?: string;
  tier: string;
  only?: string;
  exclude?: string;
  rerunFailed?: string;
  list?: boolean;
  junit?: string;
  json?: string;
  html?: string;
  coverage?: boolean;
  reports: boolean;
  maxWait?: string;
  requestTimeout?: string;
  timingSamples?: string;
  allowIncomplete?: boolean;
  stateDir?: string;
  color: boolean;
}

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** A command-line mistake: one line on stderr, exit code 2. */
class UsageError extends Error {}

/** Colour when the output is a terminal, unless NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function useColor(flag: boolean, env: Record<string, string | undefined>, isTTY: boolean | undefined): boolean {
  return flag && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && isTTY === true;
}

/** A comma-separated list of ids. */
function idList(value: string | undefined): string[] | undefined {
  const ids = value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return ids?.length ? ids : undefined;
}

/** The checks a previous JSON report says failed, broke or were cut off: what --rerun-failed runs again. */
export function failedChecks(reportFile: string): string[] {
  let report: { checks?: Array<{ checkId?: unknown; verdict?: unknown }> };
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as typeof report;
  } catch (e) {
    throw new UsageError(`--rerun-failed: cannot read ${reportFile} as a JSON report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!Array.isArray(report?.checks)) throw new UsageError(`--rerun-failed: ${reportFile} is not a spp-kit conformance JSON report (no checks)`);
  return report.checks
    .filter((c) => c.verdict === 'fail' || c.verdict === 'error' || c.verdict === 'inconclusive')
    .map((c) => String(c.checkId))
    .filter((id) => allChecks.some((k) => k.id === id));
}

/** The coverage matrix as text: every requirement, the checks that verify it or the reason none does. */
export function coverageText(): { text: string; uncovered: string[] } {
  const rows = coverageMatrix(loadCatalogue(), allChecks);
  const lines = ['requirement  level        checks  verified by / not tested because'];
  for (const r of rows) {
    const by = r.checks.length
      ? `${r.checks.slice(0, 3).join(', ')}${r.checks.length > 3 ? `, … (+${r.checks.length - 3})` : ''}`
      : r.notTestedReason
        ? `not tested: ${r.notTestedReason}`
        : r.severity === 'must'
          ? 'UNCOVERED MUST'
          : 'not tested';
    lines.push(`${r.id.padEnd(12)} ${r.level.padEnd(12)} ${String(r.checks.length).padStart(6)}  ${by}`);
  }
  const uncovered = rows.filter((r) => r.uncovered).map((r) => r.id);
  const must = rows.filter((r) => r.severity === 'must');
  lines.push('');
  lines.push(
    `${rows.length} requirements (${must.length} MUST-level), ${allChecks.length} checks; MUST covered by a check: ${must.filter((r) => r.checks.length).length}, with a stated reason: ${must.filter((r) => !r.checks.length && r.notTestedReason).length}, uncovered: ${uncovered.length ? uncovered.join(', ') : 'none'}`,
  );
  return { text: lines.join('\n'), uncovered };
}

/** Where the reports go when no report path is given: an operator always leaves with evidence. */
export const DEFAULT_REPORTS_DIR = 'spp-kit-reports';

const positive = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, got '${v}'`);
  return n;
};

/** The runner's options from the command line; a UsageError for what cannot run. */
function runOptions(opts: Options) {
  if (opts.tier !== 'fast' && opts.tier !== 'full') throw new UsageError(`--tier must be fast or full, got '${opts.tier}'`);
  if (opts.only && opts.rerunFailed) throw new UsageError('use --only or --rerun-failed, not both');
  const only = opts.rerunFailed ? failedChecks(opts.rerunFailed) : idList(opts.only);
  const exclude = idList(opts.exclude);
  const defaults = !opts.junit && !opts.json && !opts.html && opts.reports && !opts.list;
  const reports = defaults
    ? { json: `${DEFAULT_REPORTS_DIR}/report.json`, junit: `${DEFAULT_REPORTS_DIR}/junit.xml`, html: `${DEFAULT_REPORTS_DIR}/report.html` }
    : { ...(opts.junit ? { junit: opts.junit } : {}), ...(opts.json ? { json: opts.json } : {}), ...(opts.html ? { html: opts.html } : {}) };
  return {
    targetFile: opts.target!,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    tier: opts.tier,
    ...(only ? { only } : {}),
    ...(exclude ? { exclude } : {}),
    ...reports,
    maxWaitMs: positive(opts.maxWait, '--max-wait') * 1000,
    timingSamples: positive(opts.timingSamples, '--timing-samples'),
    ...(opts.requestTimeout ? { requestTimeoutMs: positive(opts.requestTimeout, '--request-timeout') * 1000 } : {}),
    ...(opts.allowIncomplete ? { allowIncomplete: true } : {}),
    stateDir: opts.stateDir ?? defaultStateDir(),
    color: useColor(opts.color, process.env, process.stdout.isTTY),
  } as const;
}

/** --list: the plan without sending anything — the checks that would run, those that would not and why, the token count. */
async function listPlan(opts: Options): Promise<number> {
  const { planFor } = await import('../../conformance/runner.js');
  const options = runOptions(opts);
  const planned = planFor(options);
  if ('error' in planned) throw new UsageError(planned.error);
  const { target, profile, tier, plan } = planned;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`spp-kit conformance plan → ${target.baseUrl} (profile ${profile.name}, tier ${tier}): ${plan.selected.length} checks to run, ${plan.notRun.length} not`);
  for (const c of plan.selected) out(`  run   ${c.id}  [${c.verifies.join(' ')}]`);
  for (const r of plan.notRun) out(`  ${r.verdict === 'na' ? 'n/a ' : 'skip'}  ${r.checkId}: ${r.reason ?? ''}`);
  out(
    `token requests: ${plan.tokenRequests} planned (the preflight's included)${plan.hasTokenProbe ? ' + the rate-limit probe (up to the limit per minute + 1)' : ''}; nothing was sent`,
  );
  return 0;
}

/** Adds `spp-kit conformance` to the CLI. */
export function register(program: Command): void {
  const command = program
    .command('conformance')
    .description('Check a deployment against the OpenSPP API V2 contract and the OAuth 2.0 / JWT RFCs')
    .option('--target <file>', 'target file (YAML) describing the deployment; run without it to see the format')
    .option('--base-url <url>', "override the target file's baseUrl")
    .option('--profile <name>', `requirements profile: ${profileNames().join(' | ')} (default: the target file's, else openspp)`)
    .option('--tier <tier>', 'fast (seconds to minutes) | full (also waits for tokens to expire)', 'fast')
    .option('--only <ids>', 'comma-separated check ids or requirement ids (patterns with *), e.g. TR-06,RS-*')
    .option('--exclude <ids>', 'comma-separated check ids (not run) or requirement ids (not judged), patterns with *')
    .option('--rerun-failed <report.json>', 'run only the checks that failed, broke or were cut off in a previous JSON report')
    .option('--list', 'print the plan (checks to run, not to run and why, token requests) and exit without sending anything')
    .option('--junit <path>', 'write a JUnit XML report')
    .option('--json <path>', 'write the JSON report (schema: conformance/report-schema.json)')
    .option('--html <path>', 'write a self-contained HTML report')
    .option('--coverage', 'print the requirement coverage matrix and exit')
    .option('--no-reports', `without --junit/--json/--html, do not write the three reports to ${DEFAULT_REPORTS_DIR}/`)
    .option('--max-wait <seconds>', 'longest wait for one rate-limit window before a check is inconclusive', '300')
    .option('--request-timeout <seconds>', 'how long to wait for each answer before it counts as none (default 20)')
    .option('--timing-samples <n>', 'requests per side for the consent timing comparison', '25')
    .option('--allow-incomplete', 'exit 0 instead of 3 when no MUST failed but some were cut off by rate limits (PASS, INCOMPLETE)')
    .option('--state-dir <dir>', "where the day's token spend per target is remembered (env SPP_KIT_STATE_DIR; default ~/.cache/spp-kit)")
    .option('--no-color', 'no colours (also off with NO_COLOR, or when the output is not a terminal)')
    .version(`${pkg.name} ${pkg.version}`, '--version', 'print the version and exit');
  // Usage errors: one line and exit code 2 (not the whole help and 1), like the other mistakes the kit reports.
  command
    .showHelpAfterError(false)
    .configureOutput({ outputError: (str, write) => write(`spp-kit conformance: ${str.replace(/^error: /, '').trim()} (see --help)\n`) })
    .exitOverride((err) => {
      if (err.exitCode !== 0) process.exit(2);
    });
  command.action(async (opts: Options) => {
    try {
      process.exitCode = await act(opts);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`spp-kit conformance: ${e.message}\n`);
      process.exitCode = 2;
    }
  });
}

/** What the command does with its options; the exit code. */
async function act(opts: Options): Promise<number> {
  if (opts.coverage) {
    const { text, uncovered } = coverageText();
    process.stdout.write(`${text}\n`);
    return uncovered.length ? 1 : 0;
  }
  if (!opts.target) {
    process.stderr.write(
      `spp-kit conformance needs --target FILE.\n\n${TARGET_HELP}\n\nExample: spp-kit conformance --target fixtures/targets/reference.yaml   (reports: ${DEFAULT_REPORTS_DIR}/report.html, report.json, junit.xml)\n`,
    );
    return 2;
  }
  if (opts.list) return listPlan(opts);
  const options = runOptions(opts);
  if (opts.rerunFailed && !options.only?.length) {
    process.stdout.write(`spp-kit conformance: ${opts.rerunFailed} has no failed, broken or inconclusive check: nothing to rerun\n`);
    return 0;
  }
  // Loaded on demand: the runner pulls in vitest, which the other commands do not need.
  const { runConformance } = await import('../../conformance/runner.js');
  const outcome = await runConformance(options);
  if (outcome.error) process.stderr.write(`spp-kit conformance: ${outcome.error}\n`);
  return outcome.exitCode;
}
