/**
 * Rate limits, probed on purpose and last (they spend a window): a 429 must come once the declared quota is
 * spent and not before, with Retry-After consistent with the window, and the RateLimit headers must predict when
 * the 429s start. These are the only checks that expect 429s; everywhere else a 429 makes a check inconclusive.
 */
import type { OperationSpec } from '../../contract/index.js';
import { retryAfterSeconds } from '../../rfc/http.js';
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { cheapQuery, errorCodeOf, expectedFor, isInt, issueCodeOf, operationOutcomeProblem, parseSfList, probeOperation } from './helpers.js';

/** The API's 429 (the contract's RATE_LIMIT_EXCEEDED); the token endpoint's 429 is RFC 6585's, whatever the profile. */
const API_LIMITED = expectedFor('RATE_LIMIT_EXCEEDED').status;

interface Quota {
  name: string;
  r: number;
  t?: number;
}

function rateLimit(h: Headers): Quota | undefined {
  const items = parseSfList(h.get('ratelimit'));
  const first = items?.[0];
  if (!first || !isInt(first.params.r)) return undefined;
  return { name: first.name, r: Number(first.params.r), ...(isInt(first.params.t) ? { t: Number(first.params.t) } : {}) };
}

function policies(h: Headers): Array<{ name: string; q: number; w: number }> | undefined {
  const items = parseSfList(h.get('ratelimit-policy'));
  if (!items || !items.every((i) => isInt(i.params.q) && isInt(i.params.w) && Number(i.params.w) > 0)) return undefined;
  return items.map((i) => ({ name: i.name, q: Number(i.params.q), w: Number(i.params.w) }));
}

/** Assertions every 429 must pass, wherever it comes from. */
function assert429(
  ctx: CheckContext,
  r: HttpResult,
  windowSeconds: number | undefined,
  ids: { syntax: string; explain?: string; cache?: string; consistent?: string; outcome?: string; issue?: string },
): number | undefined {
  const ra = retryAfterSeconds(r.headers.get('retry-after'));
  ctx.assert(ids.syntax, ra !== undefined, `Retry-After: ${r.headers.get('retry-after') ?? '(none)'}`, r);
  if (ids.explain) ctx.assert(ids.explain, r.text.trim().length > 0, `429 body: ${r.text.slice(0, 120) || '(empty)'}`, r);
  if (ids.cache) {
    const cc = r.headers.get('cache-control') ?? '';
    const maxAge = /max-age=(\d+)/i.exec(cc);
    ctx.assert(ids.cache, !/public/i.test(cc) && !(maxAge && Number(maxAge[1]) > 0), `429 Cache-Control: ${cc || '(none)'}`, r);
  }
  if (ids.consistent) {
    const q = rateLimit(r.headers);
    if (ra === undefined || !q || q.t === undefined) ctx.notApplicable(ids.consistent, 'no Retry-After with a RateLimit t on the 429');
    else
      ctx.assert(
        ids.consistent,
        ra >= q.t && (windowSeconds === undefined || ra <= windowSeconds),
        `Retry-After ${ra} s, RateLimit t=${q.t} s, window ${windowSeconds ?? '?'} s`,
        r,
      );
  }
  if (ids.outcome) {
    const problem = operationOutcomeProblem(r.json);
    ctx.assert(ids.outcome, !problem, problem ?? `OperationOutcome ${errorCodeOf(r.json) ?? ''}`, r);
  }
  if (ids.issue) ctx.assert(ids.issue, issueCodeOf(r.json) === expectedFor('RATE_LIMIT_EXCEEDED').issue, `issue code ${issueCodeOf(r.json) ?? '(none)'}`, r);
  return ra;
}

/** The first probe answer, on a window that is not about to reset (a reset would split the burst). */
async function firstAnswer(ctx: CheckContext, hit: () => Promise<HttpResult>): Promise<HttpResult> {
  const r = await hit();
  if (r.status === API_LIMITED) ctx.skip('the quota was already spent before the probe started (another client or run?)');
  const q = rateLimit(r.headers);
  if (q?.t === undefined || q.t >= 3) return r;
  await ctx.sleep((q.t + 1) * 1000);
  return hit();
}

/** RateLimit-Policy is well formed and names the per-minute quota the run uses; returns the minute policy. */
function assertPolicy(ctx: CheckContext, r: HttpResult, limit: number): { q: number; w: number } | undefined {
  const pol = policies(r.headers);
  ctx.assert('RLH-01', !!pol, `RateLimit-Policy: ${r.headers.get('ratelimit-policy') ?? '(none)'}`, r);
  const minute = pol?.find((p) => p.w === 60) ?? pol?.[0];
  if (minute) ctx.assert('OSPP-MD-02', minute.q === limit, `RateLimit-Policy says ${minute.q} per ${minute.w} s; the run uses ${limit}/min`, r);
  return minute;
}

/** What a burst of probe requests showed: how many passed, whether RateLimit r counted down, and the 429. */
interface Burst {
  successes: number;
  /** The r the last successful answer reported. */
  predicted: number | undefined;
  countdownOk: boolean;
  legacyOk: boolean;
  trail: HttpResult[];
  got?: HttpResult;
}

/** Probes until the 429 (at most limit + 1 more requests), following RateLimit r and the legacy header. */
async function burst(ctx: CheckContext, hit: () => Promise<HttpResult>, first: HttpResult, limit: number): Promise<Burst> {
  const q = rateLimit(first.headers);
  const b: Burst = { successes: 1, predicted: q?.r, countdownOk: !!q, legacyOk: true, trail: [first] };
  for (let i = 0; i < limit + 1; i++) {
    const next = await hit();
    if (next.status === API_LIMITED) return { ...b, got: next };
    b.trail.push(next);
    if (next.status !== 200) ctx.skip(`the probe request answered ${next.status}`);
    b.successes++;
    const nq = rateLimit(next.headers);
    if (!nq || b.predicted === undefined || nq.r !== b.predicted - 1) b.countdownOk = false;
    b.predicted = nq?.r;
    const legacy = next.headers.get('x-ratelimit-remaining');
    if (legacy !== null && nq && Number(legacy) !== nq.r) b.legacyOk = false;
  }
  return b;
}

/** The burst against the quota: the countdown, the legacy headers, a 429 neither early nor missing, and the 429 itself. */
function assertBurst(ctx: CheckContext, first: HttpResult, b: Burst, run: { limit: number; recentBefore: number; windowSeconds: number | undefined }): void {
  const { limit, recentBefore } = run;
  const { successes, got, trail } = b;
  ctx.measure('api.successesBefore429', successes);
  ctx.measure('api.requestsInLastMinuteBefore', Math.max(0, recentBefore));
  ctx.assert(
    'RLH-02',
    b.countdownOk,
    b.countdownOk
      ? `RateLimit r counted down by one on each of ${successes} answers`
      : `RateLimit r did not count down one by one (last: ${first.headers.get('ratelimit') ?? '(none)'})`,
    trail.slice(-2),
  );
  if (first.headers.get('x-ratelimit-remaining') === null && first.headers.get('ratelimit-remaining') === null)
    ctx.notApplicable('RLH-06', 'no legacy rate-limit headers');
  else ctx.assert('RLH-06', b.legacyOk, `legacy X-RateLimit-Remaining ${b.legacyOk ? 'agrees' : 'disagrees'} with RateLimit r`, trail.slice(-1));
  ctx.assert(
    'OSPP-RL-01',
    !!got && errorCodeOf(got.json) === 'RATE_LIMIT_EXCEEDED',
    got
      ? `429 after ${successes} requests (limit ${limit}/min), code ${errorCodeOf(got.json) ?? '(none)'}`
      : `no 429 after ${successes} requests; the limit is ${limit}/min`,
    got ?? trail.slice(-1),
  );
  if (!got) return;
  ctx.assert(
    'OSPP-MD-02',
    successes >= limit - recentBefore - 1,
    `429 after ${successes} requests; ${Math.max(0, recentBefore)} were sent in the minute before, so at least ${limit - recentBefore - 1} should have passed`,
    got,
  );
  ctx.assert('OSPP-RL-02', b.countdownOk && b.predicted === 0, `the last answer before the 429 said r=${b.predicted ?? '(none)'}`, [trail.at(-1)!, got]);
  const ra = assert429(ctx, got, run.windowSeconds, {
    syntax: 'RL-03',
    explain: 'RL-01',
    cache: 'RL-02',
    consistent: 'RLH-03',
    outcome: 'OO-01',
    issue: 'OO-02',
  });
  ctx.assert('OSPP-RL-01', ra !== undefined && ra >= 1, `Retry-After ${ra ?? '(none)'}`, got);
}

export const rateLimitChecks: Check[] = [
  {
    id: 'ratelimit-api',
    title: 'The API answers 429 once the per-minute quota is spent, as its RateLimit headers predict',
    suite: 'rate-limits',
    verifies: ['OSPP-RL-01', 'OSPP-RL-02', 'OSPP-MD-02', 'RLH-01', 'RLH-02', 'RLH-03', 'RLH-06', 'RL-01', 'RL-02', 'RL-03', 'OO-01', 'OO-02'],
    needs: { clients: ['full'] },
    uses: ['reader', 'full'],
    probe: 'api',
    notApplicable: (p) => (p.scope === 'api' ? undefined : `the ${p.name} profile covers the token endpoint only`),
    async run(ctx: CheckContext) {
      const role = ctx.target.clients.reader ? 'reader' : 'full';
      const token = await ctx.token(role);
      const op: OperationSpec | undefined = probeOperation(new Set(token.scope.split(' ')));
      if (!op) ctx.skip(`the ${role} client may call no secured GET`);
      const limit = ctx.limits.api.perMinute;
      if (limit > 5_000) ctx.skip(`the API limit (${limit}/min) is too high to probe within the kit's request bound`);
      const hit = () => ctx.api(op, { token, query: cheapQuery(op), expect429: true, probe: true });
      const first = await firstAnswer(ctx, hit);
      const recentBefore = ctx.recent(role) - 1;
      const minute = assertPolicy(ctx, first, limit);
      const b = await burst(ctx, hit, first, limit);
      assertBurst(ctx, first, b, { limit, recentBefore, windowSeconds: minute?.w });
    },
  },
  {
    id: 'ratelimit-token',
    title: 'The token endpoint answers 429 once its declared limit is spent (failed attempts count)',
    suite: 'rate-limits',
    verifies: ['RL-04', 'CA-07', 'RL-03', 'RLH-03', 'OSPP-MD-02'],
    needs: { clients: ['full'] },
    probe: 'token',
    async run(ctx: CheckContext) {
      const limit = ctx.limits.token.perMinute;
      if (limit > 1_000) ctx.skip(`the token limit (${limit}/min) is too high to probe within the kit's request bound`);
      const recentBefore = ctx.recent('token');
      const client = ctx.target.clients.full!;
      const method = ctx.profile.clientAuth.primary === 'basic' ? 'post' : ctx.profile.clientAuth.primary;
      // Wrong secrets: brute-force protection must count failures, and no token is minted for nothing.
      const wrong = { clientId: client.clientId, clientSecret: 'spp-kit-wrong-secret-probe' };
      let attempts = 0;
      let got: HttpResult | undefined;
      let last: HttpResult | undefined;
      for (let i = 0; i < limit + 1; i++) {
        last = await ctx.tokenRequest({ method, client: wrong, expect429: true, probe: true });
        if (last.status === 429) {
          got = last;
          break;
        }
        attempts++;
      }
      ctx.measure('token.attemptsBefore429', attempts);
      ctx.measure('token.requestsInLastMinuteBefore', recentBefore);
      const msg = got
        ? `429 after ${attempts} failed attempts (limit ${limit}/min, ${recentBefore} token requests in the minute before)`
        : `no 429 after ${attempts} attempts (last status ${last?.status}); the declared limit is ${limit}/min`;
      ctx.assert('RL-04', !!got, msg, got ?? last!);
      ctx.assert('CA-07', !!got, msg, got ?? last!);
      if (!got) return;
      ctx.assert('OSPP-MD-02', attempts >= limit - recentBefore, `${msg}: at least ${Math.max(0, limit - recentBefore)} should have passed`, got);
      assert429(ctx, got, 60, { syntax: 'RL-03', consistent: 'RLH-03' });
    },
  },
];
