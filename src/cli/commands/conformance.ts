/**
 * `spp-kit conformance`: runs the conformance kit against a target described by a target file and exits with
 * 0 (no MUST failed), 1 (a MUST failed, or the kit could not complete a check) or 2 (the target file or the
 * target is unusable). `--coverage` prints the requirement coverage matrix instead.
 */
import type { Command } from 'commander';
import { coverageMatrix, loadCatalogue } from '../../conformance/catalogue.js';
import { allChecks } from '../../conformance/checks/index.js';
import { profileNames } from '../../conformance/profiles.js';
import { TARGET_HELP } from '../../conformance/target.js';

interface Options {
  target?: string;
  baseUrl?: string;
  profile?: string;
  tier: string;
  only?: string;
  junit?: string;
  json?: string;
  html?: string;
  coverage?: boolean;
  reports: boolean;
  maxWait?: string;
  timingSamples?: string;
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

/** Adds `spp-kit conformance` to the CLI. */
export function register(program: Command): void {
  program
    .command('conformance')
    .description('Check a deployment against the OpenSPP API V2 contract and the OAuth 2.0 / JWT RFCs')
    .option('--target <file>', 'target file (YAML) describing the deployment; run without it to see the format')
    .option('--base-url <url>', "override the target file's baseUrl")
    .option('--profile <name>', `requirements profile: ${profileNames().join(' | ')} (default: the target file's, else openspp)`)
    .option('--tier <tier>', 'fast (seconds to minutes) | full (also waits for tokens to expire)', 'fast')
    .option('--only <ids>', 'comma-separated check ids or requirement ids (patterns with *), e.g. TR-06,RS-*')
    .option('--junit <path>', 'write a JUnit XML report')
    .option('--json <path>', 'write the JSON report (schema: conformance/report-schema.json)')
    .option('--html <path>', 'write a self-contained HTML report')
    .option('--coverage', 'print the requirement coverage matrix and exit')
    .option('--no-reports', `without --junit/--json/--html, do not write the three reports to ${DEFAULT_REPORTS_DIR}/`)
    .option('--max-wait <seconds>', 'longest wait for one rate-limit window before a check is inconclusive', '300')
    .option('--timing-samples <n>', 'requests per side for the consent timing comparison', '25')
    .action(async (opts: Options) => {
      if (opts.coverage) {
        const { text, uncovered } = coverageText();
        process.stdout.write(`${text}\n`);
        process.exitCode = uncovered.length ? 1 : 0;
        return;
      }
      if (!opts.target) {
        process.stderr.write(
          `spp-kit conformance needs --target FILE.\n\n${TARGET_HELP}\n\nExample: spp-kit conformance --target fixtures/targets/reference.yaml   (reports: ${DEFAULT_REPORTS_DIR}/report.html, report.json, junit.xml)\n`,
        );
        process.exitCode = 2;
        return;
      }
      if (opts.tier !== 'fast' && opts.tier !== 'full') {
        process.stderr.write(`spp-kit conformance: --tier must be fast or full, got '${opts.tier}'\n`);
        process.exitCode = 2;
        return;
      }
      const num = (v: string | undefined, name: string): number => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
        return n;
      };
      // Loaded on demand: the runner pulls in vitest, which the other commands do not need.
      const { runConformance } = await import('../../conformance/runner.js');
      const defaults = !opts.junit && !opts.json && !opts.html && opts.reports;
      if (defaults)
        Object.assign(opts, {
          json: `${DEFAULT_REPORTS_DIR}/report.json`,
          junit: `${DEFAULT_REPORTS_DIR}/junit.xml`,
          html: `${DEFAULT_REPORTS_DIR}/report.html`,
        });
      const outcome = await runConformance({
        targetFile: opts.target,
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
        tier: opts.tier,
        ...(opts.only
          ? {
              only: opts.only
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(opts.junit ? { junit: opts.junit } : {}),
        ...(opts.json ? { json: opts.json } : {}),
        ...(opts.html ? { html: opts.html } : {}),
        maxWaitMs: num(opts.maxWait, '--max-wait') * 1000,
        timingSamples: num(opts.timingSamples, '--timing-samples'),
      });
      if (outcome.error) process.stderr.write(`spp-kit conformance: ${outcome.error}\n`);
      process.exitCode = outcome.exitCode;
    });
}
