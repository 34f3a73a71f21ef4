/**
 * Rate limits, probed on purpose and last (they spend a window): a 429 must come once the declared quota is
 * spent and not before, with Retry-After consistent with the window, and the RateLimit headers must predict when
 * the 429s start. These are the only checks that expect 429s; everywhere else a 429 makes a check inconclusive.
 * A limit nobody declared or advertised is paced by but not judged (what was observed is reported, at most a
 * warning); a 429 whose Retry-After outlasts the minute window comes from a longer cap (the day's) and says nothing
 * about the minute quota; RateLimit headers a target neither sends nor claims are not applicable. Before the
 * probes, the quota headers of every API answer the run received are checked (OSPP-RL-02).
 */
import type { OperationSpec } from '../../contract/index.js';
import { retryAfterSeconds } from '../../rfc/http.js';
import type { Check, CheckContext } from '../check.js';
import type { ApiAnswer } from '../session.js';
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

/** A Retry-After longer than twice the window: the 429 comes from a longer cap (the day's), not from the minute quota. */
function longerCap(retryAfter: number | undefined, windowSeconds: number): boolean {
  return retryAfter !== undefined && retryAfter > 2 * windowSeconds;
}

/** Whether the RateLimit draft headers are in play: sent on the answer, or claimed by the target file. */
function rateLimitHeadersInPlay(ctx: CheckContext, r: HttpResult): boolean {
  return r.headers.get('ratelimit') !== null || r.headers.get('ratelimit-policy') !== null || ctx.target.features.rateLimitHeaders === true;
}

/** RateLimit-Policy is well formed and names the per-minute quota the run uses; returns the minute policy. */
function assertPolicy(ctx: CheckContext, r: HttpResult, limit: number, assumed: boolean): { q: number; w: number } | undefined {
  const pol = policies(r.headers);
  ctx.assert('RLH-01', !!pol, `RateLimit-Policy: ${r.headers.get('ratelimit-policy') ?? '(none)'}`, r);
  const minute = pol?.find((p) => p.w === 60) ?? pol?.[0];
  if (minute && !assumed) ctx.assert('OSPP-MD-02', minute.q === limit, `RateLimit-Policy says ${minute.q} per ${minute.w} s; the run uses ${limit}/min`, r);
  return minute;
}

/** What a burst of probe requests showed: how many passed, whether RateLimit r counted down, and the 429. */
interface Burst {
  successes: number;
  /** Requests that passed after the quota's window began anew inside the burst (RateLimit r went up). */
  afterReset: number;
  reset: boolean;
  /** The r the last successful answer reported. */
  predicted: number | undefined;
  countdownOk: boolean;
  legacyOk: boolean;
  trail: HttpResult[];
  got?: HttpResult;
}

/**
 * Probes until the 429, following RateLimit r and the legacy header: at most limit + 1 more requests, or twice
 * that when a fixed window may have begun anew inside the burst (r went up, or no header says).
 */
async function burst(ctx: CheckContext, hit: () => Promise<HttpResult>, first: HttpResult, limit: number): Promise<Burst> {
  const q = rateLimit(first.headers);
  const b: Burst = { successes: 1, afterReset: 0, reset: false, predicted: q?.r, countdownOk: !!q, legacyOk: true, trail: [first] };
  for (let i = 0; i < 2 * limit + 2; i++) {
    if (i > limit && q && !b.reset) break;
    const next = await hit();
    if (next.status === API_LIMITED) return { ...b, got: next };
    b.trail.push(next);
    if (next.status !== 200) ctx.skip(`the probe request answered ${next.status}`);
    b.successes++;
    if (b.reset) b.afterReset++;
    const nq = rateLimit(next.headers);
    // A new window: the countdown starts again from the quota.
    if (nq && b.predicted !== undefined && nq.r > b.predicted && !b.reset) {
      b.reset = true;
      b.afterReset = 1;
    } else if (!nq || b.predicted === undefined || nq.r !== b.predicted - 1) b.countdownOk = false;
    b.predicted = nq?.r;
    const legacy = next.headers.get('x-ratelimit-remaining');
    if (legacy !== null && nq && Number(legacy) !== nq.r) b.legacyOk = false;
  }
  return b;
}

interface BurstRun {
  limit: number;
  recentBefore: number;
  windowSeconds: number | undefined;
  /** Nobody declared or advertised the limit: it is not judged. */
  assumed: boolean;
  /** The RateLimit headers are sent or claimed. */
  headers: boolean;
}

/** The countdown of RateLimit r and the legacy headers along the burst. */
function assertCountdown(ctx: CheckContext, first: HttpResult, b: Burst, headers: boolean): void {
  if (headers)
    ctx.assert(
      'RLH-02',
      b.countdownOk,
      b.countdownOk
        ? `RateLimit r counted down by one on each of ${b.successes} answers`
        : `RateLimit r did not count down one by one (last: ${first.headers.get('ratelimit') ?? '(none)'})`,
      b.trail.slice(-2),
    );
  if (first.headers.get('x-ratelimit-remaining') === null && first.headers.get('ratelimit-remaining') === null)
    ctx.notApplicable('RLH-06', 'no legacy rate-limit headers');
  else ctx.assert('RLH-06', b.legacyOk, `legacy X-RateLimit-Remaining ${b.legacyOk ? 'agrees' : 'disagrees'} with RateLimit r`, b.trail.slice(-1));
}

/** The burst against the quota: the countdown, the legacy headers, a 429 neither early nor missing, and the 429 itself. */
function assertBurst(ctx: CheckContext, first: HttpResult, b: Burst, run: BurstRun): void {
  const { limit, recentBefore, assumed } = run;
  const { successes, got, trail } = b;
  ctx.measure('api.successesBefore429', successes);
  ctx.measure('api.requestsInLastMinuteBefore', Math.max(0, recentBefore));
  assertCountdown(ctx, first, b, run.headers);
  const undeclared = `no API limit declared or advertised (paced at an assumed ${limit}/min): the quota is not judged`;
  // More than the limit passed: only a window that began anew inside the burst explains it.
  const late =
    got && successes > limit + 1
      ? b.reset
        ? { insideProbe: b.afterReset <= limit + 1, text: `a new window began inside the burst (RateLimit r went up) and ${b.afterReset} passed in it` }
        : windowReset(got, first.receivedAt)
      : undefined;
  if (assumed) ctx.notApplicable('OSPP-RL-01', `${undeclared}; ${got ? `a 429 came after ${successes} requests` : `no 429 after ${successes} requests`}`);
  else
    ctx.assert(
      'OSPP-RL-01',
      !!got && errorCodeOf(got.json) === 'RATE_LIMIT_EXCEEDED' && (!late || late.insideProbe),
      got
        ? `429 after ${successes} requests (limit ${limit}/min)${late ? `: ${late.text}` : ''}, code ${errorCodeOf(got.json) ?? '(none)'}`
        : `no 429 after ${successes} requests; the limit is ${limit}/min`,
      got ?? trail.slice(-1),
    );
  if (!got) return;
  const ra = retryAfterSeconds(got.headers.get('retry-after'));
  const dayCap = longerCap(ra, run.windowSeconds ?? 60);
  if (assumed || dayCap)
    ctx.notApplicable(
      'OSPP-MD-02',
      assumed ? undeclared : `the 429 came from a longer cap than the minute's (Retry-After ${ra} s): the minute quota was not reached`,
    );
  else
    ctx.assert(
      'OSPP-MD-02',
      successes >= limit - recentBefore - 1,
      `429 after ${successes} requests; ${Math.max(0, recentBefore)} were sent in the minute before, so at least ${limit - recentBefore - 1} should have passed`,
      got,
    );
  if (run.headers && !dayCap)
    ctx.assert('OSPP-RL-02', b.countdownOk && b.predicted === 0, `the last answer before the 429 said r=${b.predicted ?? '(none)'}`, [trail.at(-1)!, got]);
  assert429(ctx, got, run.windowSeconds, {
    syntax: 'RL-03',
    explain: 'RL-01',
    cache: 'RL-02',
    ...(run.headers && !dayCap ? { consistent: 'RLH-03' } : {}),
    outcome: 'OO-01',
    issue: 'OO-02',
  });
  if (!assumed) ctx.assert('OSPP-RL-01', ra !== undefined && ra >= 1, `Retry-After ${ra ?? '(none)'}`, got);
}

/** What is wrong with one answer's quota headers: none at all, unreadable ones, or a remaining quota above the policy's. */
function quotaProblem(a: ApiAnswer): string | undefined {
  const legacy = a.legacyRemaining !== null;
  if (a.ratelimit === null && !legacy) return 'no RateLimit (nor X-RateLimit-Remaining) header';
  if (a.ratelimit !== null) {
    const items = parseSfList(a.ratelimit);
    const first = items?.[0];
    if (!first || !isInt(first.params.r)) return `RateLimit '${a.ratelimit}' is not a structured list with an integer r`;
    const pol = parseSfList(a.policy)?.find((p) => p.name === first.name) ?? parseSfList(a.policy)?.[0];
    if (!pol || !isInt(pol.params.q)) return `no RateLimit-Policy naming the quota of '${a.ratelimit}'`;
    if (Number(first.params.r) > Number(pol.params.q)) return `RateLimit r=${first.params.r} exceeds the policy's q=${pol.params.q}`;
    if (isInt(first.params.t) && isInt(pol.params.w) && Number(first.params.t) > Number(pol.params.w))
      return `RateLimit t=${first.params.t} exceeds the policy window w=${pol.params.w}`;
    if (legacy && Number(a.legacyRemaining) !== Number(first.params.r))
      return `X-RateLimit-Remaining ${a.legacyRemaining} disagrees with RateLimit r=${first.params.r}`;
    return undefined;
  }
  if (!/^\d+$/.test(a.legacyRemaining!)) return `X-RateLimit-Remaining '${a.legacyRemaining}' is not a number`;
  if (a.legacyLimit !== null && Number(a.legacyRemaining) > Number(a.legacyLimit))
    return `X-RateLimit-Remaining ${a.legacyRemaining} exceeds X-RateLimit-Limit ${a.legacyLimit}`;
  return undefined;
}

/**
 * A 429 that came only after more than the limit: conformant when a fixed window reset inside the probe. The
 * 429's Retry-After says when the current window ends, so when it began (minute windows); it must have begun
 * after the probe's first attempt (2 s of slack for whole-second Retry-After values).
 */
function windowReset(got: HttpResult, firstAt: number): { insideProbe: boolean; text: string } {
  const ra = retryAfterSeconds(got.headers.get('retry-after'));
  if (ra === undefined) return { insideProbe: false, text: 'more than the limit, and no Retry-After to show that a window reset in between' };
  const began = got.receivedAt + ra * 1000 - 60_000;
  const offset = (began - firstAt) / 1000;
  return offset >= -2
    ? { insideProbe: true, text: `more than the limit, because a fixed window reset ${offset.toFixed(1)} s into the probe (Retry-After ${ra} s)` }
    : {
        insideProbe: false,
        text: `more than the limit, in a window that began ${(-offset).toFixed(1)} s before the probe (Retry-After ${ra} s): the limit is higher than declared`,
      };
}

export const rateLimitChecks: Check[] = [
  {
    id: 'ratelimit-headers',
    title: 'Every API answer reports the remaining quota, consistently with its policy (all answers of the run so far)',
    suite: 'rate-limits',
    verifies: ['OSPP-RL-02'],
    needs: { clients: ['full'] },
    uses: ['full'],
    notApplicable: (p) => (p.scope === 'api' ? undefined : `the ${p.name} profile covers the token endpoint only`),
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const op = probeOperation(new Set(token.scope.split(' ')));
      if (!op) ctx.skip('the full client may call no secured GET');
      // One answer of its own (the evidence), then every authenticated answer of the run: 401s, 429s and 5xx aside.
      const own = await ctx.api(op, { token, query: cheapQuery(op) });
      const answers = ctx.apiAnswers().filter((a) => a.status !== 401 && a.status !== 429 && a.status < 500);
      const bad = answers.map((a) => ({ a, problem: quotaProblem(a) })).filter((x) => x.problem);
      ctx.measure('answersChecked', answers.length);
      const first = bad[0];
      ctx.assert(
        'OSPP-RL-02',
        !first,
        first
          ? `${bad.length} of ${answers.length} authenticated API answers do not report the quota properly, e.g. ${first.a.operation} ${first.a.status} (${first.a.role} client): ${first.problem}`
          : `all ${answers.length} authenticated API answers of the run report the remaining quota consistently with the policy`,
        own,
        { cause: first ? `API answers without a consistent quota report: ${first.problem}` : '' },
      );
    },
  },
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
      const assumed = ctx.limits.api.assumed === true;
      const headers = rateLimitHeadersInPlay(ctx, first);
      if (!headers)
        for (const id of ['RLH-01', 'RLH-02', 'RLH-03', 'OSPP-RL-02'])
          ctx.notApplicable(
            id,
            'the target sends no RateLimit headers and the target file does not claim them (features.rateLimitHeaders); ratelimit-headers reports OSPP-RL-02',
          );
      const minute = headers ? assertPolicy(ctx, first, limit, assumed) : undefined;
      const b = await burst(ctx, hit, first, limit);
      assertBurst(ctx, first, b, { limit, recentBefore, windowSeconds: minute?.w, assumed, headers });
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
      const wrong = { clientId: client.clientId, clientSecret: 'spp-kit-wrong-secret-probe', ...(client.scope ? { scope: client.scope } : {}) };
      let attempts = 0;
      let got: HttpResult | undefined;
      let last: HttpResult | undefined;
      let firstAt: number | undefined;
      // Up to twice the limit: a fixed window may reset once inside the probe and let `limit` more through.
      for (let i = 0; i < 2 * limit + 1; i++) {
        last = await ctx.tokenRequest({ method, client: wrong, expect429: true, probe: true });
        firstAt ??= last.receivedAt;
        if (last.status === 429) {
          got = last;
          break;
        }
        attempts++;
      }
      ctx.measure('token.attemptsBefore429', attempts);
      ctx.measure('token.requestsInLastMinuteBefore', recentBefore);
      const assumed = ctx.limits.token.assumed === true;
      const limitText = assumed ? `no limit is declared or advertised (paced at an assumed ${limit}/min)` : `the declared limit is ${limit}/min`;
      const window = got && attempts > limit ? windowReset(got, firstAt!) : undefined;
      const msg = !got
        ? `no 429 after ${attempts} failed attempts (last status ${last?.status}); ${limitText}`
        : window
          ? `429 after ${attempts} failed attempts: ${window.text}`
          : `429 after ${attempts} failed attempts (limit ${limit}/min, ${recentBefore} token requests in the minute before)`;
      const throttled = !!got && (attempts <= limit || window?.insideProbe === true);
      // A limit nobody declared cannot be missed: RL-04 needs one; CA-07 reports what was seen, at most as a warning.
      if (assumed) ctx.notApplicable('RL-04', `${limitText}: ${got ? '429 observed' : 'no 429 observed'}`);
      else ctx.assert('RL-04', throttled, msg, got ?? last!);
      ctx.assert('CA-07', !!got, msg, got ?? last!, assumed ? { weight: 'should', cause: 'no throttling seen, and no limit declared' } : {});
      if (!got) return;
      const ra = retryAfterSeconds(got.headers.get('retry-after'));
      const dayCap = longerCap(ra, 60);
      if (assumed || dayCap)
        for (const id of ['OSPP-MD-02', 'RLH-03'])
          ctx.notApplicable(
            id,
            dayCap ? `the 429 came from a longer cap than the minute's (Retry-After ${ra} s, the day's?): the minute quota was not reached` : limitText,
          );
      else ctx.assert('OSPP-MD-02', attempts >= limit - recentBefore, `${msg}: at least ${Math.max(0, limit - recentBefore)} should have passed`, got);
      assert429(ctx, got, 60, { syntax: 'RL-03', ...(assumed || dayCap ? {} : { consistent: 'RLH-03' }) });
    },
  },
];
