/**
 * JUnit XML: one testsuite per kit suite, one testcase per check, named with the requirement ids it verifies.
 * fail/error → <failure>/<error>; skip, not applicable and inconclusive → <skipped> with the reason; warnings
 * pass with the message in <system-out>. Pure.
 */
import type { CheckResult, RunReport } from '../types.js';

function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function details(c: CheckResult): string {
  const failed = c.assertions.filter((a) => !a.ok);
  const lines = failed.map((a) => `${a.requirement}: ${a.message}`);
  const ids = new Set(failed.flatMap((a) => a.evidence ?? []));
  for (const e of c.exchanges.filter((x) => ids.has(x.id)))
    lines.push(`  ${e.curl}`, `  → ${e.response ? `${e.response.status} ${e.response.body?.slice(0, 500) ?? ''}` : (e.error ?? 'no response')}`);
  return lines.join('\n');
}

function testcase(c: CheckResult): string {
  const name = `${c.checkId} [${c.verifies.join(' ')}]`;
  const attrs = `classname="spp-kit.${xmlEscape(c.suite)}" name="${xmlEscape(name)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
  const props = `<properties>${c.verifies.map((v) => `<property name="requirement" value="${xmlEscape(v)}"/>`).join('')}<property name="verdict" value="${c.verdict}"/></properties>`;
  switch (c.verdict) {
    case 'fail':
      return `    <testcase ${attrs}>${props}<failure message="${xmlEscape(c.reason ?? 'failed')}" type="requirement">${xmlEscape(details(c))}</failure></testcase>`;
    case 'error':
      return `    <testcase ${attrs}>${props}<error message="${xmlEscape(c.reason ?? 'error')}" type="kit"/></testcase>`;
    case 'skip':
    case 'na':
    case 'inconclusive':
      return `    <testcase ${attrs}>${props}<skipped message="${xmlEscape(`${c.verdict}: ${c.reason ?? ''}`)}"/></testcase>`;
    case 'warn':
      return `    <testcase ${attrs}>${props}<system-out>${xmlEscape(`warning: ${c.reason ?? ''}`)}</system-out></testcase>`;
    default:
      return `    <testcase ${attrs}>${props}</testcase>`;
  }
}

/** The report as JUnit XML. */
export function junitReport(report: RunReport): string {
  const suites = [...new Set(report.checks.map((c) => c.suite))];
  const count = (cs: CheckResult[], f: (c: CheckResult) => boolean) => cs.filter(f).length;
  const body = suites.map((s) => {
    const cs = report.checks.filter((c) => c.suite === s);
    const time = cs.reduce((t, c) => t + c.durationMs, 0) / 1000;
    return `  <testsuite name="spp-kit.${xmlEscape(s)}" tests="${cs.length}" failures="${count(cs, (c) => c.verdict === 'fail')}" errors="${count(cs, (c) => c.verdict === 'error')}" skipped="${count(cs, (c) => ['skip', 'na', 'inconclusive'].includes(c.verdict))}" time="${time.toFixed(3)}" timestamp="${report.startedAt}">\n${cs.map(testcase).join('\n')}\n  </testsuite>`;
  });
  const all = report.checks;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="spp-kit conformance ${xmlEscape(report.target.baseUrl)} (${xmlEscape(report.target.profile)})" tests="${all.length}" failures="${count(all, (c) => c.verdict === 'fail')}" errors="${count(all, (c) => c.verdict === 'error')}" skipped="${count(all, (c) => ['skip', 'na', 'inconclusive'].includes(c.verdict))}" time="${(report.durationMs / 1000).toFixed(3)}">
${body.join('\n')}
</testsuites>
`;
}
