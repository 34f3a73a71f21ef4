/** Console output: a progress line per check while the run goes, and a summary at the end. Pure renderers. */
import type { CheckResult, RunReport, Verdict } from '../types.js';
import { headline } from '../verdict.js';

const SYMBOL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP', na: 'N/A ', inconclusive: 'INCO', error: 'ERR ' };

/** `[ 3/144] PASS check-id`, with the reason on a second line when the check did not pass. */
export function progressLine(result: CheckResult, index: number, total: number): string {
  const width = String(total).length;
  const head = `[${String(index).padStart(width)}/${total}] ${SYMBOL[result.verdict]} ${result.checkId}`;
  const detail = result.verdict === 'pass' ? '' : result.reason ? `\n${' '.repeat(width * 2 + 4)}↳ ${oneLine(result.reason)}` : '';
  return head + detail;
}

function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The end-of-run summary: counts, token use, failed and warned requirements, inconclusive checks, the result. */
export function summaryText(report: RunReport): string {
  const { summary, budget } = report;
  const c = summary.counts;
  const r = summary.requirementCounts;
  const lines: string[] = [];
  lines.push('');
  lines.push(`spp-kit conformance — ${report.target.baseUrl} (profile ${report.target.profile}, tier ${report.target.tier})`);
  lines.push(
    `checks:       ${c.pass} passed, ${c.fail} failed, ${c.warn} warned, ${c.inconclusive} inconclusive, ${c.skip} skipped, ${c.na} not applicable${c.error ? `, ${c.error} kit errors` : ''}`,
  );
  lines.push(
    `requirements: ${r.pass} passed, ${r.fail} failed, ${r.warn} warned, ${r.inconclusive} inconclusive, ${r.skip} skipped, ${r.na} not applicable, ${r.untested} not tested`,
  );
  lines.push(
    `token requests: ${budget.tokenRequests} (planned ${budget.plannedTokenRequests}${budget.plannedProbeRequests ? ` + up to ${budget.plannedProbeRequests} for the rate-limit probe` : ''}; limit ${budget.tokenLimits.perMinute}/min, ${budget.tokenLimits.perDay}/day, ${budget.tokenLimits.source})${budget.waitsMs ? `; waited ${Math.round(budget.waitsMs / 1000)} s for rate-limit windows` : ''}`,
  );
  if (report.clock) lines.push(`clock skew: server ${report.clock.skewSeconds >= 0 ? '+' : ''}${report.clock.skewSeconds} s (${report.clock.source})`);
  const failed = report.requirements.filter((q) => q.verdict === 'fail');
  if (failed.length) {
    lines.push('');
    lines.push('FAILED requirements:');
    for (const q of failed) lines.push(`  ${q.id} [${q.level}] ${q.text}\n      ${oneLine(q.message, 400)}`);
  }
  const warned = report.requirements.filter((q) => q.verdict === 'warn');
  if (warned.length) {
    lines.push('');
    lines.push('Warnings (SHOULD/MAY not met):');
    for (const q of warned) lines.push(`  ${q.id} [${q.level}] ${oneLine(q.message, 200)}`);
  }
  const inconclusive = report.checks.filter((x) => x.verdict === 'inconclusive');
  if (inconclusive.length) {
    lines.push('');
    lines.push('Inconclusive (cut off by a rate limit or the budget — not failures):');
    for (const x of inconclusive) lines.push(`  ${x.checkId}: ${oneLine(x.reason ?? '', 200)}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push('');
  const { text } = headline(summary);
  lines.push(`RESULT: ${text} (${Math.round(report.durationMs / 100) / 10} s)`);
  return lines.join('\n');
}
