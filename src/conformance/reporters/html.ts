/**
 * One self-contained HTML page (no scripts, no external resources): the verdict, then every requirement —
 * failures first — with the checks that verified it and, for each failed assertion, the request, the response
 * and a curl line that repeats it. Pure; everything in the report is already masked.
 */
import type { CheckResult, Exchange, RequirementResult, RunReport } from '../types.js';
import { headline } from '../verdict.js';

const esc = (s: string | number | boolean | undefined | null) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const ORDER: Array<RequirementResult['verdict']> = ['fail', 'error', 'warn', 'inconclusive', 'pass', 'skip', 'untested', 'na'];

function exchangeHtml(e: Exchange): string {
  const req = `${e.request.method} ${e.request.url}\n${Object.entries(e.request.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}${e.request.body ? `\n\n${e.request.body}` : ''}`;
  const res = e.response
    ? `HTTP ${e.response.status} (${e.response.ms} ms)\n${Object.entries(e.response.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')}${e.response.body ? `\n\n${e.response.body}` : ''}`
    : (e.error ?? 'no response');
  const issues = e.contractIssues?.length
    ? `<p class="ci">Contract: ${e.contractIssues.map((i) => `<code>${esc(i.pointer)}</code> ${esc(i.message)}`).join('; ')}</p>`
    : '';
  return `<div class="ex"><div class="curl"><code>${esc(e.curl)}</code></div>${issues}<div class="rr"><pre>${esc(req)}</pre><pre>${esc(res)}</pre></div></div>`;
}

function checkHtml(c: CheckResult, requirement: string): string {
  const mine = c.assertions.filter((a) => a.requirement === requirement);
  const failed = mine.filter((a) => !a.ok);
  const shown = failed.length ? failed : mine.slice(0, 3);
  const evidence = new Set(shown.flatMap((a) => a.evidence ?? []));
  const exchanges = c.exchanges.filter((e) => evidence.has(e.id)).slice(0, 6);
  const outcome = c.outcomes.find((o) => o.requirement === requirement);
  const items = shown.map((a) => `<li class="${a.ok ? 'ok' : 'bad'}">${esc(a.message)}</li>`).join('');
  const measurements = c.measurements
    ? `<p class="m">${Object.entries(c.measurements)
        .map(([k, v]) => `${esc(k)} = <b>${esc(v)}</b>`)
        .join(' · ')}</p>`
    : '';
  return `<details class="check v-${outcome?.verdict ?? c.verdict}"${failed.length ? ' open' : ''}><summary><span class="badge v-${outcome?.verdict ?? c.verdict}">${esc(outcome?.verdict ?? c.verdict)}</span> <code>${esc(c.checkId)}</code> ${esc(c.title)}</summary>${outcome && !mine.length ? `<p>${esc(outcome.message)}</p>` : ''}<ul>${items}</ul>${measurements}${exchanges.map(exchangeHtml).join('')}</details>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{padding:20px 28px;background:#fff;border-bottom:1px solid #d0d7de}main{padding:12px 28px 40px}
h1{margin:0 0 6px;font-size:22px}h3{margin:0 0 4px;font-size:15px}small{color:#57606a;font-weight:normal}
.verdict{font-size:18px;font-weight:700}.verdict.pass{color:#1a7f37}.verdict.fail{color:#cf222e}.verdict.incomplete{color:#bf8700}
.req{background:#fff;border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:10px 14px;margin:10px 0}
.req.v-fail,.req.v-error{border-left-color:#cf222e}.req.v-warn,.req.v-inconclusive{border-left-color:#bf8700}.req.v-pass{border-left-color:#1a7f37}.req.v-skip,.req.v-na,.req.v-untested{border-left-color:#8c959f}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#8c959f}
.badge.v-pass{background:#1a7f37}.badge.v-fail,.badge.v-error{background:#cf222e}.badge.v-warn,.badge.v-inconclusive{background:#bf8700}
details.check{margin:6px 0 6px 8px}summary{cursor:pointer}li.bad{color:#cf222e}li.ok{color:#1a7f37}.msg{color:#57606a}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.rr{display:grid;grid-template-columns:1fr 1fr;gap:8px}.curl code{display:block;background:#24292f;color:#f6f8fa;padding:6px 8px;border-radius:4px;word-break:break-all}
.ci{color:#cf222e}.m{color:#57606a}table{border-collapse:collapse}td{padding:2px 12px 2px 0}
`;

/** One requirement's section: its verdict, text and message, and the checks that decided it (the worst first). */
function requirementHtml(r: RequirementResult, byId: Map<string, CheckResult>): string {
  const checks = r.checks.map((id) => byId.get(id)).filter((c): c is CheckResult => !!c);
  const verdictOf = (c: CheckResult) => c.outcomes.find((o) => o.requirement === r.id)?.verdict ?? c.verdict;
  const sorted = checks.sort((a, b) => ORDER.indexOf(verdictOf(a)) - ORDER.indexOf(verdictOf(b)));
  const shown = sorted.slice(0, r.verdict === 'pass' ? 3 : 25);
  const more = sorted.length > shown.length ? `<p class="more">… and ${sorted.length - shown.length} more checks (see the JSON report)</p>` : '';
  return `<section class="req v-${r.verdict}" id="${esc(r.id)}"><h3><span class="badge v-${r.verdict}">${esc(r.verdict)}</span> ${esc(r.id)} <small>${esc(r.level)} · ${esc(r.source)}</small></h3><p>${esc(r.text)}</p>${r.verdict !== 'pass' ? `<p class="msg">${esc(r.message)}</p>` : ''}${shown.map((c) => checkHtml(c, r.id)).join('')}${more}</section>`;
}

/** The page header: the result, the target, the run, the counts, the token budget and the notes. */
function headerHtml(report: RunReport): string {
  const s = report.summary;
  const result = headline(s);
  const counts = Object.entries(s.requirementCounts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `<span class="badge v-${v}">${n} ${esc(v)}</span>`)
    .join(' ');
  return `<header><h1>spp-kit conformance report</h1>
<div class="verdict ${s.verdict}${result.incomplete ? ' incomplete' : ''}">${esc(result.text)}</div>
<table>
<tr><td>Target</td><td><code>${esc(report.target.baseUrl)}</code> · profile <b>${esc(report.target.profile)}</b> · tier ${esc(report.target.tier)} · writes ${report.target.writes ? 'on' : 'off'}</td></tr>
<tr><td>Run</td><td>${esc(report.runId)} · ${esc(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s · ${esc(report.tool.name)} ${esc(report.tool.version)}</td></tr>
<tr><td>Requirements</td><td>${counts}</td></tr>
<tr><td>Checks</td><td>${Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${esc(v)}`)
    .join(' · ')}</td></tr>
<tr><td>Token budget</td><td>${report.budget.tokenRequests} token requests (limit ${report.budget.tokenLimits.perMinute}/min, ${report.budget.tokenLimits.perDay}/day, ${esc(report.budget.tokenLimits.source)})${report.budget.waitsMs ? ` · waited ${Math.round(report.budget.waitsMs / 1000)} s` : ''}</td></tr>
${report.clock ? `<tr><td>Clock skew</td><td>${report.clock.skewSeconds} s (${esc(report.clock.source)})</td></tr>` : ''}
</table>
${report.notes.length ? `<ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<p>Secrets appear as shell variables in curl lines (<code>\${SPP_FULL_CLIENT_SECRET}</code>, <code>\${ACCESS_TOKEN}</code>); tokens are masked.</p>
</header>`;
}

/** The report as one self-contained HTML page: requirements worst first, each with its checks and their exchanges. */
export function htmlReport(report: RunReport): string {
  const reqs = [...report.requirements].sort(
    (a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict) || a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
  const byId = new Map(report.checks.map((c) => [c.checkId, c]));
  const rows = reqs.map((r) => requirementHtml(r, byId)).join('\n');
  const result = headline(report.summary);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>spp-kit conformance — ${esc(report.target.baseUrl)} — ${result.incomplete ? 'PASS, INCOMPLETE' : report.summary.verdict.toUpperCase()}</title>
<style>${STYLE}</style></head><body>
${headerHtml(report)}
<main>
${rows}
</main></body></html>
`;
}
