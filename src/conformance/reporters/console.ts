/**
 * Console output: a progress line per check while the run goes, and a summary at the end that leads with the root
 * causes (failures that share a requirement and an observation, counted once). Pure renderers; colour (ANSI) only
 * when asked for — the CLI asks on a terminal, never with NO_COLOR or --no-color.
 */
import type { CheckResult, RootCause, RunReport, Verdict } from '../types.js';
import { headline } from '../verdict.js';

const SYMBOL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP', na: 'N/A ', inconclusive: 'INCO', error: 'ERR ' };

/** SGR codes per verdict: green, red, yellow, dim. */
const COLOUR: Record<Verdict, string> = { pass: '32', fail: '31', error: '31', warn: '33', inconclusive: '33', skip: '2', na: '2' };

function paint(text: string, code: string, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** `[ 3/144] PASS check-id`, with the reason on a second line when the check did not pass. */
export function progressLine(result: CheckResult, index: number, total: number, color = false): string {
  const width = String(total).length;
  const head = `[${String(index).padStart(width)}/${total}] ${paint(SYMBOL[result.verdict], COLOUR[result.verdict], color)} ${result.checkId}`;
  const detail = result.verdict === 'pass' ? '' : result.reason ? `\n${' '.repeat(width * 2 + 4)}↳ ${oneLine(result.reason)}` : '';
  return head + detail;
}

function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** One root cause: `FAIL OSPP-ERR-01 ×19 (19 checks) 401 without …`, then its first example. */
export function rootCauseLines(c: RootCause, color = false): string[] {
  const times = c.count > 1 ? ` ×${c.count}${c.checks.length !== c.count ? ` in ${c.checks.length} checks` : ''}` : '';
  return [
    `  ${paint(c.verdict === 'fail' ? 'FAIL' : 'WARN', COLOUR[c.verdict], color)} ${c.requirement} [${c.level}]${times}: ${oneLine(c.cause, 200)}`,
    `      e.g. ${c.example.checkId}: ${oneLine(c.example.message, 300)}`,
  ];
}

/** The counts, the token use and the clock: what the run did. */
function factLines(report: RunReport): string[] {
  const { summary, budget } = report;
  const c = summary.counts;
  const r = summary.requirementCounts;
  const lines = [
    `checks:       ${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.inconclusive} inconclusive, ${c.skip} skipped, ${c.na} not applicable${c.error ? `, ${c.error} kit errors` : ''}`,
    `requirements: ${r.pass} passed, ${r.fail} failed, ${r.warn} warned, ${r.inconclusive} inconclusive, ${r.skip} skipped, ${r.na} not applicable, ${r.untested} not tested`,
    `token requests: ${budget.tokenRequests} (planned ${budget.plannedTokenRequests}${budget.plannedProbeRequests ? ` + up to ${budget.plannedProbeRequests} for the rate-limit probe` : ''}; limit ${budget.tokenLimits.perMinute}/min, ${budget.tokenLimits.perDay}/day, ${budget.tokenLimits.source})${budget.spentEarlier ? `; ${budget.spentEarlier} more by earlier runs in the last 24 h` : ''}${budget.waitsMs ? `; waited ${Math.round(budget.waitsMs / 1000)} s for rate-limit windows` : ''}`,
  ];
  if (report.clock) lines.push(`clock skew: server ${report.clock.skewSeconds >= 0 ? '+' : ''}${report.clock.skewSeconds} s (${report.clock.source})`);
  return lines;
}

/**
 * The end-of-run summary: root causes first (what to fix), then the failed and warned requirements, the
 * inconclusive checks, the notes, and the result with its exit code.
 */
export function summaryText(report: RunReport, options: { color?: boolean; allowIncomplete?: boolean } = {}): string {
  const color = options.color ?? false;
  const { summary } = report;
  const lines: string[] = [
    '',
    `spp-kit conformance — ${report.target.baseUrl} (profile ${report.target.profile}, tier ${report.target.tier})`,
    ...factLines(report),
  ];
  const causes = report.rootCauses ?? [];
  if (causes.length) {
    lines.push('', `Root causes (${causes.length}; each failure counted once per requirement and observation):`);
    for (const c of causes.slice(0, 25)) lines.push(...rootCauseLines(c, color));
    if (causes.length > 25) lines.push(`  … and ${causes.length - 25} more (rootCauses in the JSON report)`);
  }
  const failed = report.requirements.filter((q) => q.verdict === 'fail');
  if (failed.length) {
    lines.push('', 'FAILED requirements:');
    for (const q of failed) lines.push(`  ${q.id} [${q.level}] ${q.text}\n      ${oneLine(q.message, 400)}`);
  }
  const warned = report.requirements.filter((q) => q.verdict === 'warn');
  if (warned.length) {
    lines.push('', 'Warnings (SHOULD/MAY not met, or limits nobody declared):');
    for (const q of warned) lines.push(`  ${q.id} [${q.level}] ${oneLine(q.message, 200)}`);
  }
  const inconclusive = report.checks.filter((x) => x.verdict === 'inconclusive');
  if (inconclusive.length) {
    lines.push('', 'Inconclusive (not decided: cut off by a rate limit or the budget, or an answer the kit could not read — not failures):');
    for (const x of inconclusive) lines.push(`  ${x.checkId}: ${oneLine(x.reason ?? '', 200)}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push('');
  const { text, incomplete } = headline(summary);
  const exit = incomplete && options.allowIncomplete ? '0, --allow-incomplete' : String(summary.exitCode);
  const colour = summary.verdict === 'fail' ? COLOUR.fail : incomplete ? COLOUR.warn : COLOUR.pass;
  lines.push(`RESULT: ${paint(text, colour, color)} (${Math.round(report.durationMs / 100) / 10} s, exit code ${exit})`);
  return lines.join('\n');
}
