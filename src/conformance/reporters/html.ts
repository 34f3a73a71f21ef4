/**
 * One self-contained HTML page (no scripts, no external resources): the verdict, a table of contents, the root
 * causes (failures that share a requirement and an observation, counted once), then every requirement — failures
 * first, passing ones collapsed — with the checks that verified it and, for each failed assertion, the request, the
 * response and a curl line that repeats it (saying whose token it needs and how to get it). Filters by verdict are
 * radio buttons styled with CSS alone. Pure; everything in the report is already masked.
 */
import type { CheckResult, Exchange, RequirementResult, RootCause, RunReport } from '../types.js';
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
nav.toc{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;margin:12px 0}nav.toc h2{font-size:15px;margin:0 0 4px}
nav.toc ol{margin:0;padding-left:20px}nav.toc a{margin-right:8px}
main>input[type=radio]{margin-left:10px}main>label{cursor:pointer}
table.causes{background:#fff;border:1px solid #d0d7de;border-radius:6px;width:100%}table.causes th,table.causes td{text-align:left;vertical-align:top;padding:6px 10px;border-top:1px solid #eaeef2}
details.req>summary{list-style:none}details.req>summary h3{display:inline}
#f-fail:checked~.reqs .req:not(.v-fail):not(.v-error),#f-warn:checked~.reqs .req:not(.v-warn),#f-inconclusive:checked~.reqs .req:not(.v-inconclusive),#f-pass:checked~.reqs .req:not(.v-pass),#f-other:checked~.reqs .req:not(.v-skip):not(.v-na):not(.v-untested){display:none}
#f-fail:checked~.causes-section .cause:not(.v-fail),#f-warn:checked~.causes-section .cause:not(.v-warn),#f-inconclusive:checked~.causes-section,#f-pass:checked~.causes-section,#f-other:checked~.causes-section{display:none}
`;

/** One requirement's section: its verdict, text and message, and the checks that decided it (the worst first); a passing one collapsed. */
function requirementHtml(r: RequirementResult, byId: Map<string, CheckResult>): string {
  const checks = r.checks.map((id) => byId.get(id)).filter((c): c is CheckResult => !!c);
  const verdictOf = (c: CheckResult) => c.outcomes.find((o) => o.requirement === r.id)?.verdict ?? c.verdict;
  const sorted = checks.sort((a, b) => ORDER.indexOf(verdictOf(a)) - ORDER.indexOf(verdictOf(b)));
  const shown = sorted.slice(0, r.verdict === 'pass' ? 3 : 25);
  const more = sorted.length > shown.length ? `<p class="more">… and ${sorted.length - shown.length} more checks (see the JSON report)</p>` : '';
  const title = `<h3><span class="badge v-${r.verdict}">${esc(r.verdict)}</span> ${esc(r.id)} <small>${esc(r.level)} · ${esc(r.source)}</small></h3>`;
  const body = `<p>${esc(r.text)}</p>${r.verdict !== 'pass' ? `<p class="msg">${esc(r.message)}</p>` : ''}${shown.map((c) => checkHtml(c, r.id)).join('')}${more}`;
  if (r.verdict === 'pass') return `<details class="req v-pass" id="${esc(r.id)}"><summary>${title}</summary>${body}</details>`;
  return `<section class="req v-${r.verdict}" id="${esc(r.id)}">${title}${body}</section>`;
}

/** The root causes as a table: what to fix first, with a count, the checks and the first example (and its curl). */
function causesHtml(causes: RootCause[]): string {
  if (!causes.length) return '<section class="causes-section" id="root-causes"><h2>Root causes</h2><p>No failure and no warning.</p></section>';
  const rows = causes
    .map(
      (c) =>
        `<tr class="cause v-${c.verdict}"><td><span class="badge v-${c.verdict}">${esc(c.verdict)}</span></td><td><a href="#${esc(c.requirement)}">${esc(c.requirement)}</a> <small>${esc(c.level)}</small></td><td>${c.count}${c.checks.length !== c.count ? ` <small>(${c.checks.length} checks)</small>` : ''}</td><td>${esc(c.cause)}<details><summary>first: <code>${esc(c.example.checkId)}</code></summary><p>${esc(c.example.message)}</p>${c.example.curl ? `<div class="curl"><code>${esc(c.example.curl)}</code></div>` : ''}<p class="m">${c.checks.length > 1 ? `also: ${c.checks.slice(1, 12).map(esc).join(', ')}${c.checks.length > 12 ? ', …' : ''}` : ''}</p></details></td></tr>`,
    )
    .join('');
  return `<section class="causes-section" id="root-causes"><h2>Root causes</h2><p class="m">Failures and warnings that share a requirement and an observation, counted once — fix these first.</p><table class="causes"><tr><th></th><th>requirement</th><th>count</th><th>observation</th></tr>${rows}</table></section>`;
}

/** The table of contents: the root causes, and every requirement that failed, warned or was cut off. */
function tocHtml(report: RunReport, reqs: RequirementResult[]): string {
  const group = (v: RequirementResult['verdict'][], name: string) => {
    const list = reqs.filter((r) => v.includes(r.verdict));
    return list.length ? `<li>${esc(name)} (${list.length}): ${list.map((r) => `<a href="#${esc(r.id)}">${esc(r.id)}</a>`).join(' ')}</li>` : '';
  };
  return `<nav class="toc"><h2>Contents</h2><ol><li><a href="#root-causes">Root causes (${(report.rootCauses ?? []).length})</a></li>${group(['fail', 'error'], 'failed')}${group(['warn'], 'warnings')}${group(['inconclusive'], 'inconclusive')}<li><a href="#requirements">All requirements</a> (passing ones collapsed)</li></ol></nav>`;
}

/** Verdict filters: radio buttons the CSS reads (no script); they precede the sections they filter. */
function filtersHtml(reqs: RequirementResult[]): string {
  const n = (vs: string[]) => reqs.filter((r) => vs.includes(r.verdict)).length;
  const options: Array<[string, string, number]> = [
    ['all', 'all', reqs.length],
    ['fail', 'failed', n(['fail', 'error'])],
    ['warn', 'warnings', n(['warn'])],
    ['inconclusive', 'inconclusive', n(['inconclusive'])],
    ['pass', 'passed', n(['pass'])],
    ['other', 'not run', n(['skip', 'na', 'untested'])],
  ];
  return options
    .map(
      ([id, name, count]) =>
        `<input type="radio" name="verdict-filter" id="f-${id}"${id === 'all' ? ' checked' : ''}><label for="f-${id}">${esc(name)} (${count})</label>`,
    )
    .join('');
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
<p>Secrets appear as shell variables in curl lines (<code>\${SPP_FULL_CLIENT_SECRET}</code>); each line that needs a bearer token first says whose (<code>\${FULL_ACCESS_TOKEN}</code>) and gives the token request that gets it. Tokens are masked.</p>
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
  // The radios must be siblings of the sections they filter (the CSS uses `~`): no wrapper.
  const filters = `<span class="filters">Show:</span>${filtersHtml(reqs)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>spp-kit conformance — ${esc(report.target.baseUrl)} — ${result.incomplete ? 'PASS, INCOMPLETE' : report.summary.verdict.toUpperCase()}</title>
<style>${STYLE}</style></head><body>
${headerHtml(report)}
<main>
${tocHtml(report, reqs)}
${filters}
${causesHtml(report.rootCauses ?? [])}
<section class="reqs" id="requirements"><h2>Requirements</h2>
${rows}
</section>
</main></body></html>
`;
}
