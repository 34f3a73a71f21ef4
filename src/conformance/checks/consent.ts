/**
 * Consent: the consent-bound client reads the consented record, is refused the unconsented one, and cannot tell
 * "unconsented" from "does not exist" — not by status, body or headers, and not by response time (compared with
 * a Mann-Whitney U test over interleaved samples) — and its searches leak nothing.
 */
import { kitOperation } from '../kit-contract.js';
import type { Check, CheckContext } from '../check.js';
import { headersToObject, type HttpResult } from '../http.js';
import { mannWhitney } from '../stats.js';
import { absentLike, errorCodeOf, expectedFor, operationOutcomeProblem, VOLATILE_HEADERS } from './helpers.js';
import { asBundle, requireShape, resourceKind } from './shapes.js';

const read = () => kitOperation('readIndividual');
const search = () => kitOperation('searchIndividuals');

function readAs(ctx: CheckContext, role: 'consent' | 'reader', identifier: string): Promise<HttpResult> {
  return ctx.token(role).then((token) => ctx.api(read(), { token, params: { identifier } }));
}

/** Compares everything a client can see except what legitimately varies (Date, rate-limit counters). */
export function differences(a: HttpResult, b: HttpResult): string[] {
  const diffs: string[] = [];
  if (a.status !== b.status) diffs.push(`status ${a.status} vs ${b.status}`);
  if (a.text !== b.text) diffs.push(`body differs: ${JSON.stringify(a.text.slice(0, 120))} vs ${JSON.stringify(b.text.slice(0, 120))}`);
  const ha = headersToObject(a.headers);
  const hb = headersToObject(b.headers);
  for (const name of new Set([...Object.keys(ha), ...Object.keys(hb)])) {
    if (VOLATILE_HEADERS.has(name)) continue;
    if (ha[name] !== hb[name]) diffs.push(`header ${name}: ${ha[name] ?? '(absent)'} vs ${hb[name] ?? '(absent)'}`);
  }
  return diffs;
}

async function searchTotal(
  ctx: CheckContext,
  role: 'consent' | 'reader',
  identifier: string,
): Promise<{ r: HttpResult; total: number | undefined; ids: string[] }> {
  const token = await ctx.token(role);
  const r = await ctx.api(search(), { token, query: { identifier } });
  const body = asBundle(r.json);
  const ids = (body?.entry ?? []).flatMap((e) => (e.resource?.identifier ?? []).map((i) => `${i.system}|${i.value}`));
  return { r, total: typeof body?.total === 'number' ? body.total : undefined, ids };
}

/** Every record the consent client may see, following next links (at most 10 pages of 100). */
async function browseAsConsent(ctx: CheckContext): Promise<{ first: { total?: number } | undefined; all: string[]; entries: number; last: HttpResult }> {
  const token = await ctx.token('consent');
  let r = await ctx.api(search(), { token, query: { _count: '100' } });
  const first = asBundle(r.json);
  const all: string[] = [];
  let entries = 0;
  for (let page = 0; page < 10 && r.status === 200; page++) {
    const body = asBundle(r.json) ?? {};
    entries += body.entry?.length ?? 0;
    all.push(...(body.entry ?? []).flatMap((e) => (e.resource?.identifier ?? []).map((i) => `${i.system}|${i.value}`)));
    const next = body.link?.find((l) => l.relation === 'next')?.url;
    if (!next) break;
    r = await ctx.request({
      method: 'GET',
      url: new URL(next, ctx.target.baseUrl).href,
      headers: { accept: 'application/json', authorization: `Bearer ${token.accessToken}` },
      operation: search(),
      role: 'consent',
    });
  }
  return { first, all, entries, last: r };
}

export const consentChecks: Check[] = [
  {
    id: 'consent-read-consented',
    title: 'The consent client reads the record its consent covers',
    suite: 'consent',
    verifies: ['OSPP-CON-01'],
    needs: { clients: ['consent'], records: ['consented'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      // The record is read as a contract resource: a target whose resources have another shape is reported once.
      await requireShape(ctx, 'resource');
      const r = await readAs(ctx, 'consent', ctx.target.records.consented!);
      ctx.assert(
        'OSPP-CON-01',
        r.status === 200 && resourceKind(r.json) === 'Individual',
        `GET consented record → ${r.status} (X-Consent-Status: ${r.headers.get('x-consent-status') ?? 'none'})`,
        r,
      );
    },
  },
  {
    id: 'consent-read-unconsented',
    title: 'The consent client is refused the unconsented record with 403 CONSENT_REQUIRED',
    suite: 'consent',
    verifies: ['OSPP-CON-02', 'OO-01'],
    needs: { clients: ['consent'], records: ['unconsented'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const r = await readAs(ctx, 'consent', ctx.target.records.unconsented!);
      ctx.assert(
        'OSPP-CON-02',
        r.status === expectedFor('CONSENT_REQUIRED').status && errorCodeOf(r.json) === 'CONSENT_REQUIRED',
        `GET unconsented record → ${r.status} ${errorCodeOf(r.json) ?? ''}`,
        r,
      );
      const problem = operationOutcomeProblem(r.json);
      ctx.assert('OO-01', !problem, problem ?? 'OperationOutcome', r);
    },
  },
  {
    id: 'consent-indistinguishable',
    title: 'Unconsented and missing records look the same to the consent client (status, body, headers, timing)',
    suite: 'consent',
    verifies: ['OO-03', 'OSPP-CON-03'],
    needs: { clients: ['consent'], records: ['unconsented'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const unconsented = ctx.target.records.unconsented!;
      const absent = absentLike(unconsented, ctx.runId);
      const a = await readAs(ctx, 'consent', unconsented);
      const b = await readAs(ctx, 'consent', absent);
      const diffs = differences(a, b);
      ctx.assert(
        'OO-03',
        diffs.length === 0,
        diffs.length ? `unconsented vs missing: ${diffs.join('; ')}` : `unconsented and missing both → ${a.status}, identical bodies and headers`,
        [a, b],
      );
      // Interleaved so that drift (GC, load) hits both samples alike.
      const n = ctx.timingSamples;
      const ta: number[] = [];
      const tb: number[] = [];
      for (let i = 0; i < n; i++) {
        ta.push((await readAs(ctx, 'consent', unconsented)).ms);
        tb.push((await readAs(ctx, 'consent', absent)).ms);
      }
      const mw = mannWhitney(ta, tb);
      ctx.measure('timing.samplesEach', n);
      ctx.measure('timing.medianUnconsentedMs', Math.round(mw.medianA * 10) / 10);
      ctx.measure('timing.medianMissingMs', Math.round(mw.medianB * 10) / 10);
      ctx.measure('timing.mannWhitneyU', mw.u);
      ctx.measure('timing.p', Number(mw.p.toPrecision(3)));
      // A tell needs both significance and a size a network observer could use.
      const tell = mw.p < 0.001 && Math.abs(mw.medianA - mw.medianB) > 2;
      ctx.assert(
        'OSPP-CON-03',
        !tell,
        `median ${mw.medianA.toFixed(1)} ms (unconsented) vs ${mw.medianB.toFixed(1)} ms (missing), Mann-Whitney U=${mw.u}, p=${mw.p.toPrecision(3)} over ${n}+${n} interleaved requests`,
      );
    },
  },
  {
    id: 'consent-search',
    title: 'Searches by the consent client omit unconsented records and count only what it may see',
    suite: 'consent',
    verifies: ['OSPP-CON-04'],
    needs: { clients: ['consent'], records: ['consented', 'unconsented'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const { consented, unconsented } = ctx.target.records as { consented: string; unconsented: string };
      await requireShape(ctx, 'search');
      const hidden = await searchTotal(ctx, 'consent', unconsented);
      ctx.assert(
        'OSPP-CON-04',
        hidden.r.status === 200 && hidden.total === 0 && hidden.ids.length === 0,
        `search identifier=<unconsented> → ${hidden.r.status}, total ${hidden.total}, ${hidden.ids.length} entries`,
        hidden.r,
      );
      const shown = await searchTotal(ctx, 'consent', consented);
      ctx.assert(
        'OSPP-CON-04',
        shown.r.status === 200 && typeof shown.total === 'number' && shown.total >= 1 && shown.ids.includes(consented),
        `search identifier=<consented> → ${shown.r.status}, total ${shown.total}, found ${shown.ids.includes(consented) ? 'it' : 'nothing'}`,
        shown.r,
      );
      // Browse everything it may see (bounded): the unconsented record never shows up, and total matches.
      const { first, all, entries, last: r } = await browseAsConsent(ctx);
      ctx.assert(
        'OSPP-CON-04',
        !all.includes(unconsented),
        `browsing all ${entries} visible records: the unconsented one ${all.includes(unconsented) ? 'appears' : 'does not appear'}`,
        r,
      );
      if (typeof first?.total === 'number' && first.total <= 1000)
        ctx.assert('OSPP-CON-04', first.total === entries, `total ${first.total}, entries returned ${entries}`, r);
    },
  },
];
