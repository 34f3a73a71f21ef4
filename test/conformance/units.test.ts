/**
 * The kit's pure core: budget and planner, verdict logic, masking, statistics, header parsing, target files,
 * check selection, and the reporters.
 */
import { describe, expect, it } from 'vitest';
import { BudgetExhausted, MINUTE_MS, planBudget, RequestBudget } from '../../src/conformance/budget.js';
import { allChecks } from '../../src/conformance/checks/index.js';
import { narrowestScope, parseChallenges, parseSfList, securedOperations } from '../../src/conformance/checks/helpers.js';
import { retryAfterSeconds } from '../../src/rfc/http.js';
import { algNone, decodeJwt, findWeakSecret, mint, tampered } from '../../src/conformance/jwt.js';
import { containsFullJwt, Masker } from '../../src/conformance/mask.js';
import { planRun, selectedByOnly } from '../../src/conformance/plan.js';
import { applicability, loadProfile } from '../../src/conformance/profiles.js';
import { htmlReport } from '../../src/conformance/reporters/html.js';
import { junitReport } from '../../src/conformance/reporters/junit.js';
import { summaryText } from '../../src/conformance/reporters/console.js';
import { mannWhitney } from '../../src/conformance/stats.js';
import { interpolate, loadTarget, parseTarget, TargetError } from '../../src/conformance/target.js';
import { fileURLToPath } from 'node:url';
import { buildTokenRequest, heldScopes, tokenHowTo } from '../../src/conformance/tokens.js';
import { defaultStateDir, ledgerFile, recordSpend, spentToday } from '../../src/conformance/ledger.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuthorization } from '../../src/rfc/oauth.js';
import type { CheckResult, RunReport, Verdict } from '../../src/conformance/types.js';
import { aggregateRequirements, causeOf, decideOutcomes, rootCauses, summarize } from '../../src/conformance/verdict.js';
import { curlLine, NetworkError, tokenVariable } from '../../src/conformance/http.js';
import { cutOff, skipped, stopOf } from '../../src/conformance/stopped.js';
import { checkResult } from '../../src/conformance/check-result.js';
import { loadCatalogue } from '../../src/conformance/catalogue.js';

const T0 = 1_800_000_000_000;

describe('request budget (sliding minute, day cap)', () => {
  it('lets the limit through at once, then waits until the oldest request leaves the window', () => {
    const b = new RequestBudget('token', { perMinute: 5, perDay: 50 }, [], 1000);
    for (let i = 0; i < 5; i++) {
      expect(b.delayFor(T0 + i * 1000)).toBe(0);
      b.record(T0 + i * 1000);
    }
    expect(b.delayFor(T0 + 5000)).toBe(T0 + MINUTE_MS + 1000 - (T0 + 5000));
    expect(b.delayFor(T0 + MINUTE_MS + 1001)).toBe(0);
  });

  it('never allows more than the limit inside any fixed minute window the target may count', () => {
    const b = new RequestBudget('token', { perMinute: 3, perDay: 1000 });
    let now = T0 + 59_500; // just before a minute boundary
    for (let i = 0; i < 12; i++) {
      now += b.delayFor(now);
      b.record(now);
      now += 10;
    }
    const perWindow = new Map<number, number>();
    for (const t of b.history) perWindow.set(Math.floor(t / MINUTE_MS), (perWindow.get(Math.floor(t / MINUTE_MS)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(3);
  });

  it('refuses beyond the day budget instead of waiting a day', () => {
    const b = new RequestBudget('token', { perMinute: 100, perDay: 2 }, [T0, T0 + 1]);
    expect(() => b.delayFor(T0 + 2)).toThrow(BudgetExhausted);
  });

  it("honours the target's own refusal: after a 429 with a long Retry-After nothing fits before it ends", () => {
    const b = new RequestBudget('token', { perMinute: 5, perDay: 50 });
    expect(b.delayFor(T0)).toBe(0);
    b.block(T0 + 3_600_000);
    expect(b.delayFor(T0 + 1000)).toBe(3_599_000);
    b.block(T0 + 10); // an earlier end never shortens the block
    expect(b.delayFor(T0 + 3_600_000)).toBe(0);
  });

  it('plans windows and the share of the day budget', () => {
    const plan = planBudget({ tokenRequests: 20, probeRequests: 6, limits: { perMinute: 5, perDay: 50 } });
    expect(plan.windows).toBe(4);
    expect(plan.minWaitSeconds).toBe(180);
    expect(plan.dayShare).toBeCloseTo(0.52);
    expect(plan.lines.join('\n')).toMatch(/needs 4 one-minute windows/);
    expect(planBudget({ tokenRequests: 60, probeRequests: 0, limits: { perMinute: 100, perDay: 50 } }).fitsInDay).toBe(false);
  });
});

describe('verdicts', () => {
  const severity = (id: string) => (id.startsWith('S') ? 'should' : 'must') as 'must' | 'should';
  it('fails a MUST, warns a SHOULD, and reports the worst as the check verdict', () => {
    const d = decideOutcomes({
      verifies: ['M-1', 'S-1'],
      assertions: [
        { requirement: 'M-1', ok: false, message: 'no' },
        { requirement: 'S-1', ok: false, message: 'meh' },
      ],
      notApplicable: new Map(),
      severity,
    });
    expect(d.outcomes.map((o) => o.verdict)).toEqual(['fail', 'warn']);
    expect(d.verdict).toBe('fail');
  });

  it('makes a check cut off by a 429 inconclusive — never failed, never passed half-checked — but keeps a real failure', () => {
    const cut = decideOutcomes({
      verifies: ['M-1', 'M-2'],
      assertions: [{ requirement: 'M-1', ok: true, message: 'ok' }],
      notApplicable: new Map(),
      severity,
      stopped: { verdict: 'inconclusive', reason: '429' },
    });
    expect(cut.outcomes.map((o) => o.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(cut.verdict).toBe('inconclusive');
    const failedFirst = decideOutcomes({
      verifies: ['M-1'],
      assertions: [{ requirement: 'M-1', ok: false, message: 'bad' }],
      notApplicable: new Map(),
      severity,
      stopped: { verdict: 'inconclusive', reason: '429' },
    });
    expect(failedFirst.verdict).toBe('fail');
  });

  it('reports a requirement ruled out by the profile as not applicable, not as passed', () => {
    const d = decideOutcomes({ verifies: ['M-1'], assertions: [], notApplicable: new Map([['M-1', 'profile']]), severity });
    expect(d.verdict).toBe('na');
  });

  it('exits 1 only for a failed MUST (or a kit error), 3 when MUSTs were cut off (PASS, INCOMPLETE), 0 with warnings alone', () => {
    const catalogue = [
      { id: 'M-1', source: 's', level: 'MUST' as const, text: 't' },
      { id: 'S-1', source: 's', level: 'SHOULD' as const, text: 't' },
    ];
    const check = (verdicts: Array<[string, CheckResult['verdict']]>, verdict: CheckResult['verdict']): CheckResult => ({
      checkId: 'c',
      title: 't',
      suite: 'token',
      verifies: verdicts.map(([r]) => r),
      verdict,
      outcomes: verdicts.map(([requirement, v]) => ({ requirement, verdict: v, message: '' })),
      assertions: [],
      exchanges: [],
      tokenRequests: 0,
      durationMs: 0,
    });
    const all = () => ({ applies: true as const });
    const warnOnly = [
      check(
        [
          ['M-1', 'inconclusive'],
          ['S-1', 'warn'],
        ],
        'inconclusive',
      ),
    ];
    expect(summarize(aggregateRequirements(catalogue, warnOnly, all), warnOnly)).toMatchObject({ exitCode: 3, incomplete: true, verdict: 'pass' });
    const warnAlone = [check([['S-1', 'warn']], 'warn')];
    expect(summarize(aggregateRequirements(catalogue, warnAlone, all), warnAlone)).toMatchObject({ exitCode: 0, incomplete: false });
    const failing = [check([['M-1', 'fail']], 'fail')];
    const s = summarize(aggregateRequirements(catalogue, failing, all), failing);
    expect(s.exitCode).toBe(1);
    expect(s.mustFailures).toEqual(['M-1']);
    const kitError = [check([['M-1', 'error']], 'error')];
    expect(summarize(aggregateRequirements(catalogue, kitError, all), kitError).exitCode).toBe(1);
  });
});

describe('how a check stops', () => {
  const mask = (t: string) => t.replace('s3cret', '***');
  it('turns whatever a check threw into one verdict: skip, inconclusive, or error', () => {
    expect(stopOf(skipped('no reader client'), mask)).toEqual({ verdict: 'skip', reason: 'no reader client' });
    expect(stopOf(cutOff('rate limited (429)'), mask)).toEqual({ verdict: 'inconclusive', reason: 'rate limited (429)' });
    expect(stopOf(new BudgetExhausted('day spent'), mask)).toEqual({ verdict: 'inconclusive', reason: 'day spent' });
    expect(stopOf(new NetworkError('GET x: network error'), mask)).toEqual({ verdict: 'error', reason: 'GET x: network error' });
    const bug = stopOf(new TypeError('s3cret is undefined'), mask);
    expect(bug.verdict).toBe('error');
    expect(bug.reason).toMatch(/^kit error: TypeError: \*\*\* is undefined/);
  });

  it('builds a not-run result whose every requirement carries the verdict and reason', () => {
    const r = checkResult({ id: 'c', title: 't', suite: 'token', verifies: ['A-1', 'B-2'] }, { verdict: 'skip', reason: 'why' });
    expect(r).toEqual({
      checkId: 'c',
      title: 't',
      suite: 'token',
      verifies: ['A-1', 'B-2'],
      verdict: 'skip',
      reason: 'why',
      outcomes: [
        { requirement: 'A-1', verdict: 'skip', message: 'why' },
        { requirement: 'B-2', verdict: 'skip', message: 'why' },
      ],
      assertions: [],
      exchanges: [],
      tokenRequests: 0,
      durationMs: 0,
    });
  });
});

describe('masking', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJkZW1vLWZ1bGwiLCJzY29wZSI6ImEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
  const m = new Masker(['demo-secret-full', 'p@ss word+/=']);
  it('hides secrets in every encoding, JWTs, and Basic credentials', () => {
    expect(m.text('client_secret=demo-secret-full&x=1')).toBe('client_secret=***&x=1');
    expect(m.text(`client_secret=${encodeURIComponent('p@ss word+/=')}`)).toBe('client_secret=***');
    expect(m.text(new URLSearchParams({ s: 'p@ss word+/=' }).toString())).toBe('s=***');
    expect(containsFullJwt(m.text(`{"access_token":"${jwt}"}`))).toBe(false);
    expect(m.header('Authorization', `Bearer ${jwt}`)).toMatch(/^Bearer eyJhbGci…\[\d+ chars\]$/);
    expect(m.header('authorization', 'Basic ZGVtbzpzZWNyZXQ=')).toBe('Basic ***');
    expect(containsFullJwt(m.text(algNone(jwt)))).toBe(false);
  });

  it('writes curl lines with shell variables instead of secrets and tokens', () => {
    const line = curlLine(
      'POST',
      'http://127.0.0.1:1/t',
      { authorization: `Bearer ${jwt}`, 'content-type': 'application/x-www-form-urlencoded' },
      'client_secret=demo-secret-full',
      [['demo-secret-full', 'SPP_FULL_CLIENT_SECRET']],
      m,
    );
    expect(line).toContain('${SPP_FULL_CLIENT_SECRET}');
    expect(line).toContain('${ACCESS_TOKEN}');
    expect(line).not.toContain('demo-secret-full');
    expect(containsFullJwt(line)).toBe(false);
  });

  it('names the client of an HTTP Basic credential in the curl line, its secret a variable (form-decoded, RFC 6749 Appendix B)', () => {
    const basic = curlLine(
      'POST',
      'http://127.0.0.1:1/t',
      { authorization: basicAuthorization('demo full', 'demo-secret-full') },
      'grant_type=client_credentials',
      [['demo-secret-full', 'SPP_FULL_CLIENT_SECRET']],
      m,
    );
    expect(basic).toContain('-u "demo full:${SPP_FULL_CLIENT_SECRET}"');
    expect(tokenVariable('shortLived')).toBe('SHORT_LIVED_ACCESS_TOKEN');
    const howTo = tokenHowTo(
      'http://127.0.0.1:1/t',
      'basic',
      'full',
      { clientId: 'demo-full', clientSecret: 'demo-secret-full', scope: 'a b' },
      [['demo-secret-full', 'SPP_FULL_CLIENT_SECRET']],
      m,
    );
    expect(howTo).toEqual([
      `FULL_ACCESS_TOKEN=$(curl -s -X POST -H 'accept: application/json' -u "demo-full:\${SPP_FULL_CLIENT_SECRET}" -H 'content-type: application/x-www-form-urlencoded' --data-raw 'grant_type=client_credentials&scope=a+b' 'http://127.0.0.1:1/t' | sed -E 's/.*"access_token" *: *"([^"]+)".*/\\1/')`,
    ]);
  });
});

describe('what a token holds (RFC 6749 §3.3: a server may ignore the requested scope if it reports the issued one)', () => {
  it('is the response scope, else the claims (scope string, scopes/scp arrays), else the scope requested', async () => {
    const key = { alg: 'HS256' as const, secret: 'k'.repeat(40) };
    const withArray = await mint(key, {}, { scopes: ['individual:read', 'group:read'] });
    expect(heldScopes(withArray, { scope: 'x y' }, 'x')).toBe('x y');
    expect(heldScopes(withArray, {}, 'x')).toBe('individual:read group:read');
    expect(heldScopes(await mint(key, {}, { scope: 'a' }), {}, 'b')).toBe('a');
    expect(heldScopes('opaque-token', {}, 'b')).toBe('b');
    expect(heldScopes('opaque-token', {}, undefined)).toBe('');
  });

  it('token requests carry the scope a client declares, unless the call removes or replaces it', () => {
    const client = { clientId: 'c', clientSecret: 's', scope: 'a b' };
    expect(new URLSearchParams(buildTokenRequest('http://x/t', { method: 'post', client }).body as URLSearchParams).get('scope')).toBe('a b');
    expect(
      new URLSearchParams(buildTokenRequest('http://x/t', { method: 'post', client, params: { scope: undefined } }).body as URLSearchParams).has('scope'),
    ).toBe(false);
    expect(new URLSearchParams(buildTokenRequest('http://x/t', { method: 'post', client, params: { scope: '' } }).body as URLSearchParams).get('scope')).toBe(
      '',
    );
  });
});

describe("the token ledger (the day's spend across runs)", () => {
  it('keeps the last 24 h per token endpoint, merges runs, and survives a missing or broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spp-kit-ledger-'));
    const file = ledgerFile(dir);
    expect(spentToday(file, 'http://a/t', T0)).toEqual([]);
    recordSpend(file, 'http://a/t', [T0 - 90_000_000, T0 - 1000], T0);
    recordSpend(file, 'http://a/t', [T0], T0);
    recordSpend(file, 'http://b/t', [T0], T0);
    expect(spentToday(file, 'http://a/t', T0)).toEqual([T0 - 1000, T0]);
    expect(spentToday(file, 'http://b/t', T0 + 86_400_001)).toEqual([]);
    writeFileSync(file, 'not json');
    expect(spentToday(file, 'http://a/t', T0)).toEqual([]);
    expect(defaultStateDir({ SPP_KIT_STATE_DIR: '/x' })).toBe('/x');
    expect(defaultStateDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/spp-kit');
  });

  it("the plan line shows what earlier runs left of the day's budget", () => {
    const plan = planBudget({ tokenRequests: 20, probeRequests: 0, limits: { perMinute: 60, perDay: 50 }, spentEarlier: 40 });
    expect(plan.lines.join('\n')).toMatch(/\(10 of 50 left today: earlier runs from this machine spent 40 in the last 24 h\) - more than is left/);
    expect(plan.fitsInDay).toBe(false);
  });
});

describe('root causes', () => {
  it('group failures by requirement and observation (the operation left out), worst and most frequent first', () => {
    const result = (id: string, assertions: CheckResult['assertions'], verdict: Verdict = 'fail'): CheckResult => ({
      checkId: id,
      title: id,
      suite: 'auth',
      verifies: [...new Set(assertions.map((a) => a.requirement))],
      verdict,
      outcomes: [...new Set(assertions.map((a) => a.requirement))].map((requirement) => ({ requirement, verdict, message: '' })),
      assertions,
      exchanges: [],
      tokenRequests: 0,
      durationMs: 0,
    });
    const checks = [
      result('a/1', [{ requirement: 'RS-05', ok: false, message: 'GET /Individual → 401: WWW-Authenticate missing' }]),
      result('a/2', [{ requirement: 'RS-05', ok: false, message: 'POST /Group/{identifier} → 401: WWW-Authenticate missing' }]),
      result('a/3', [{ requirement: 'OO-01', ok: false, message: 'x', cause: 'body is not an OperationOutcome' }]),
      result('a/4', [{ requirement: 'RS-11', ok: false, message: 'error attribute (none)' }], 'warn'),
      result('a/5', [{ requirement: 'RS-05', ok: true, message: 'fine' }], 'pass'),
    ];
    const causes = rootCauses(
      aggregateRequirements(loadCatalogue(), checks, () => ({ applies: true })),
      checks,
    );
    expect(causes.map((c) => [c.requirement, c.verdict, c.count, c.cause])).toEqual([
      ['RS-05', 'fail', 2, '… → 401: WWW-Authenticate missing'],
      ['OO-01', 'fail', 1, 'body is not an OperationOutcome'],
      ['RS-11', 'warn', 1, 'error attribute (none)'],
    ]);
    expect(causes[0]!.example.checkId).toBe('a/1');
    expect(causeOf('refused 12 s after exp at DELETE /x/y')).toBe('refused N s after exp at …');
  });

  it("a failure weighed 'should' (a limit nobody declared, not seen enforced) warns even on a MUST", () => {
    const d = decideOutcomes({
      verifies: ['CA-07'],
      assertions: [{ requirement: 'CA-07', ok: false, message: 'no 429', weight: 'should' }],
      notApplicable: new Map(),
      severity: () => 'must',
    });
    expect(d.verdict).toBe('warn');
  });

  it('a check stopped for a precondition is skipped even when an answer on the way conformed', () => {
    const d = decideOutcomes({
      verifies: ['OSPP-RES-02', 'OSPP-CT-01'],
      assertions: [{ requirement: 'OSPP-CT-01', ok: true, message: 'conforms' }],
      notApplicable: new Map(),
      severity: () => 'must',
      stopped: { verdict: 'skip', reason: 'could not create' },
    });
    expect(d).toMatchObject({ verdict: 'skip', reason: 'could not create' });
  });
});

describe('JWT helpers', () => {
  it('forges alg none and tampered copies, and mints with key material', async () => {
    const token = await mint({ alg: 'HS256', secret: 'k'.repeat(40) }, { typ: 'at+jwt' }, { sub: 'a', scope: 'x' });
    expect(decodeJwt(token)?.header).toEqual({ typ: 'at+jwt', alg: 'HS256' });
    expect(decodeJwt(algNone(token))?.header.alg).toBe('none');
    expect(algNone(token).endsWith('.')).toBe(true);
    const t = decodeJwt(tampered(token))!;
    expect(t.signature).toBe(decodeJwt(token)!.signature);
    expect(t.payload.scope).not.toBe('x');
    expect(decodeJwt(await mint({ alg: 'HS256', secret: 'k'.repeat(40) }, {}, {}, 'HS512'))?.header.alg).toBe('HS512');
  });

  it('finds a weak HS256 secret offline and nothing for a strong one', async () => {
    expect(findWeakSecret(await mint({ alg: 'HS256', secret: 'your-secret-key-here' }, {}, { a: 1 }))).toBe('your-secret-key-here');
    expect(findWeakSecret(await mint({ alg: 'HS256', secret: 'Qm9rZ2xhc3Mtc3Ryb25nLXJhbmRvbS1rZXktMTIzNDU2Nzg5' }, {}, { a: 1 }))).toBeUndefined();
  });
});

describe('statistics', () => {
  it('Mann-Whitney U: no difference for the same distribution, a clear one for shifted samples', () => {
    const a = Array.from({ length: 30 }, (_, i) => 10 + (i % 7) * 0.3);
    const same = mannWhitney(a, [...a].reverse());
    expect(same.p).toBeGreaterThan(0.5);
    const shifted = mannWhitney(
      a,
      a.map((x) => x + 5),
    );
    expect(shifted.p).toBeLessThan(1e-6);
    expect(shifted.medianB - shifted.medianA).toBeCloseTo(5);
  });

  it('matches a textbook value (two groups of 5, U = 3)', () => {
    const r = mannWhitney([1, 2, 3, 5, 8], [4, 6, 7, 9, 10]);
    expect(r.u).toBe(4);
    expect(r.p).toBeGreaterThan(0.05);
  });
});

describe('header parsing', () => {
  it('reads RFC 6750 challenges and flags repeated attributes and bad characters', () => {
    const [c] = parseChallenges('Bearer realm="openspp", error="invalid_token", error_description="The token expired."');
    expect(c).toMatchObject({ scheme: 'Bearer', params: { realm: 'openspp', error: 'invalid_token' }, repeated: [], badChars: [] });
    expect(parseChallenges('Bearer error="a", error="b"')[0]!.repeated).toEqual(['error']);
    expect(parseChallenges('Basic realm="x", Bearer realm="y"').map((x) => x.scheme)).toEqual(['Basic', 'Bearer']);
    expect(parseChallenges(null)).toEqual([]);
  });

  it('reads RateLimit structured fields and Retry-After in both forms', () => {
    expect(parseSfList('"minute";q=60;w=60, "day";q=10000;w=86400')).toEqual([
      { name: 'minute', params: { q: '60', w: '60' } },
      { name: 'day', params: { q: '10000', w: '86400' } },
    ]);
    expect(parseSfList('minute;q=60')).toBeUndefined();
    expect(retryAfterSeconds('17')).toBe(17);
    expect(retryAfterSeconds(new Date(T0 + 30_000).toUTCString(), T0)).toBe(30);
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });

  it('picks the narrowest scope from the contract (one that no operation needs alone)', () => {
    const s = narrowestScope(['individual:read', 'group:delete', 'group:all']);
    expect(s).toBe('group:delete');
    expect(securedOperations().length).toBeGreaterThan(20);
  });
});

describe('target files', () => {
  const minimal = { baseUrl: 'http://127.0.0.1:8069/api/v2/spp/', clients: { full: { clientId: 'a', clientSecret: '${SECRET}' } } };
  it('parses a minimal file, fills secrets from the environment and notes what is missing', () => {
    const t = parseTarget(minimal, { env: { SECRET: 's3cret' } });
    expect(t.baseUrl).toBe('http://127.0.0.1:8069/api/v2/spp');
    expect(t.clients.full?.clientSecret).toBe('s3cret');
    expect(t.profile).toBe('openspp');
    expect(t.writes).toBe(false);
    expect(t.notes.join('\n')).toMatch(/no reader client[\s\S]*no records.consented[\s\S]*no jwt key material/);
  });

  it('reports every problem at once, each naming where it is', () => {
    const bad = { baseUrl: 'ftp://x', clients: { reader: { clientId: 'r' }, boss: {} }, records: { consented: 'no-bar' }, writes: 'yes', extra: 1 };
    expect(() => parseTarget(bad, { env: {} })).toThrow(TargetError);
    const message = (() => {
      try {
        parseTarget(bad, { env: {} });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const problem of [
      /unknown key 'extra' \(known: baseUrl, /,
      /baseUrl must be http\(s\)/,
      /clients\.reader needs clientId and clientSecret/,
      /clients\.boss: unknown role/,
      /clients\.full is required/,
      /records\.consented must be an identifier/,
      /writes must be true or false/,
    ])
      expect(message).toMatch(problem);
    expect(() => parseTarget(minimal, { env: {} })).toThrow(TargetError);
  });

  it('reads key material: an empty HS256 secret is a note, a missing key file a problem', () => {
    const hs = parseTarget({ ...minimal, jwt: { alg: 'HS256', secret: '' } }, { env: { SECRET: 's' } });
    expect(hs.jwt).toBeUndefined();
    expect(hs.notes.join('\n')).toMatch(/jwt\.secret is empty/);
    expect(() => parseTarget({ ...minimal, jwt: { alg: 'HS256' } }, { env: { SECRET: 's' } })).toThrow(/jwt\.secret is required for HS256/);
    const pem = '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n';
    const es = parseTarget(
      { ...minimal, jwt: { alg: 'ES256', privateKeyFile: 'k.pem', issuer: 'https://i' } },
      { env: { SECRET: 's' }, file: '/t/target.yaml', readFile: (p) => (p === '/t/k.pem' ? pem : '') },
    );
    expect(es.jwt).toEqual({ alg: 'ES256', privateKeyPem: pem, issuer: 'https://i' });
    expect(() => parseTarget({ ...minimal, jwt: { alg: 'RS256', privateKeyFile: 'k.pem' } }, { env: { SECRET: 's' }, readFile: () => 'not a key' })).toThrow(
      /jwt\.privateKeyFile k\.pem is not a PEM private key/,
    );
  });

  it('parses the shipped target files (reference, deployment template)', () => {
    const ref = loadTarget(fileURLToPath(new URL('../../fixtures/targets/reference.yaml', import.meta.url)), {});
    expect(Object.keys(ref.clients)).toEqual(['full', 'reader', 'consent', 'shortLived', 'disabled']);
    expect(ref.jwt).toBeUndefined();
    const env = { SPP_FULL_SECRET: 'x1234', SPP_READER_SECRET: 'y1234', SPP_CONSENT_SECRET: 'z1234' };
    expect(loadTarget(fileURLToPath(new URL('../../fixtures/targets/deployment.example.yaml', import.meta.url)), env).writes).toBe(false);
    expect(() => loadTarget(fileURLToPath(new URL('../../fixtures/targets/deployment.example.yaml', import.meta.url)), {})).toThrow(
      /SPP_FULL_SECRET is not set/,
    );
  });

  it('supports ${VAR:-default}, so optional key material can stay out of the file', () => {
    const problems: string[] = [];
    expect(interpolate({ a: '${NOPE:-}', b: 'x${Y:-z}' }, {}, problems)).toEqual({ a: '', b: 'xz' });
    expect(problems).toEqual([]);
    const t = parseTarget({ ...minimal, jwt: { alg: 'HS256', secret: '${NOPE:-}' } }, { env: { SECRET: 's' } });
    expect(t.jwt).toBeUndefined();
  });
});

describe('token requests', () => {
  it('form-encodes Basic credentials before base64 (RFC 6749 Appendix B)', () => {
    const h = basicAuthorization('id:1', 'a b+c%');
    expect(Buffer.from(h.slice(6), 'base64').toString()).toBe('id%3A1:a+b%2Bc%25');
  });

  it('puts credentials where the method says', () => {
    const client = { clientId: 'c', clientSecret: 's' };
    expect(buildTokenRequest('http://h/t', { method: 'json', client }).body).toEqual({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' });
    expect(buildTokenRequest('http://h/t', { method: 'query', client }).url).toBe('http://h/t?grant_type=client_credentials&client_id=c&client_secret=s');
    const basic = buildTokenRequest('http://h/t', { method: 'basic', client, params: { scope: 'x' } });
    expect(basic.headers?.authorization).toMatch(/^Basic /);
    expect(String(basic.body)).toBe('grant_type=client_credentials&scope=x');
    expect(String(buildTokenRequest('http://h/t', { method: 'post', client, params: { grant_type: undefined } }).body)).toBe('client_id=c&client_secret=s');
  });
});

describe('planner', () => {
  const target = parseTarget(
    { baseUrl: 'http://127.0.0.1:1/api/v2/spp', clients: { full: { clientId: 'a', clientSecret: 'bbbb' }, reader: { clientId: 'r', clientSecret: 'cccc' } } },
    { env: {} },
  );
  const profile = loadProfile('openspp');

  it('selects by check id or requirement id, with patterns', () => {
    const check = allChecks.find((c) => c.id === 'token-response')!;
    expect(selectedByOnly(check, ['TR-06'])).toBe(true);
    expect(selectedByOnly(check, ['token-*'])).toBe(true);
    expect(selectedByOnly(check, ['RS-05'])).toBe(false);
  });

  it('skips what the target cannot support, saying why, and counts the token requests', () => {
    const plan = planRun(allChecks, { target, profile, tier: 'fast' });
    const why = (id: string) => plan.notRun.find((r) => r.checkId === id)?.reason;
    expect(why('consent-read-consented')).toBe('the target file declares no consent client');
    expect(why('jwt-expired')).toBe('the target file provides no jwt key material');
    expect(why('resource-create-read')).toMatch(/writes: false/);
    expect(why('expiry-real-time')).toMatch(/full tier only/);
    expect(why('token-auth-query')).toMatch(/does not use query/);
    expect(plan.preflightRoles).toEqual(['full', 'reader']);
    // one token per declared client, the subset and narrow tokens, and one request per token-endpoint check
    const explicit = plan.selected
      .filter((c) => c.suite === 'token')
      .reduce((n, c) => n + (typeof c.tokenRequests === 'function' ? c.tokenRequests(profile) : (c.tokenRequests ?? 0)), 0);
    expect(plan.tokenRequests).toBe(explicit + 2 + 2);
    expect(plan.hasTokenProbe).toBe(true);
    expect(plan.selected.at(-1)?.suite).toBe('rate-limits');
  });

  it('marks resource-server checks not applicable under a token-only profile', () => {
    const plan = planRun(allChecks, { target, profile: loadProfile('rfc6749'), tier: 'fast' });
    expect(plan.selected.every((c) => ['token', 'discovery', 'rate-limits'].includes(c.suite))).toBe(true);
    expect(plan.notRun.find((r) => r.checkId === 'auth-no-token/readIndividual')?.verdict).toBe('na');
    expect(applicability(loadProfile('oauth21'), 'TR-07')).toEqual({ applies: false, reason: expect.stringMatching(/Pragma/) });
  });
});

describe('reporters', () => {
  const failing: CheckResult = {
    checkId: 'token-response',
    title: 'The token response <has> "fields"',
    suite: 'token',
    verifies: ['TR-06'],
    verdict: 'fail',
    reason: 'Cache-Control: <none> & "x"',
    outcomes: [{ requirement: 'TR-06', verdict: 'fail', message: 'Cache-Control: (none)' }],
    assertions: [{ requirement: 'TR-06', ok: false, message: 'Cache-Control: (none)', evidence: [1] }],
    exchanges: [
      {
        id: 1,
        request: { method: 'POST', url: 'http://127.0.0.1/t', headers: {} },
        response: { status: 200, headers: {}, body: '{}', ms: 1 },
        curl: "curl -i -X POST 'http://127.0.0.1/t'",
      },
    ],
    tokenRequests: 1,
    durationMs: 5,
  };
  const catalogue = loadCatalogue();
  const requirements = aggregateRequirements(catalogue, [failing], () => ({ applies: true }));
  const report: RunReport = {
    schemaVersion: 1,
    tool: { name: 'spp-api-kit', version: '0' },
    runId: 'r1',
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0).toISOString(),
    durationMs: 1,
    target: { baseUrl: 'http://127.0.0.1/api', profile: 'openspp', tier: 'fast', writes: false, tokenEndpoint: 'http://127.0.0.1/t', clients: ['full'] },
    budget: {
      tokenLimits: { perMinute: 5, perDay: 50, source: 's' },
      apiLimits: { perMinute: 60, perDay: 100, source: 's' },
      tokenRequests: 1,
      plannedTokenRequests: 1,
      plannedProbeRequests: 6,
      waitsMs: 0,
    },
    summary: summarize(requirements, [failing]),
    rootCauses: rootCauses(requirements, [failing]),
    requirements,
    checks: [failing],
    notes: [],
  };

  it('JUnit: one failure with the requirement id, escaped', () => {
    const xml = junitReport(report);
    expect(xml).toMatch(/<testsuite name="spp-kit.token" tests="1" failures="1"/);
    expect(xml).toContain('name="token-response [TR-06]"');
    expect(xml).toContain('<property name="requirement" value="TR-06"/>');
    expect(xml).toContain('message="Cache-Control: &lt;none&gt; &amp; &quot;x&quot;"');
    expect(xml).toContain('curl -i -X POST');
    expect(xml).not.toContain('<none>');
  });

  it('console and HTML: a pass with MUST requirements cut off by rate limits says it is incomplete, naming them', () => {
    const cut: CheckResult = {
      ...failing,
      verdict: 'inconclusive',
      reason: 'rate limited (429)',
      outcomes: [{ requirement: 'TR-06', verdict: 'inconclusive', message: 'rate limited (429)' }],
      assertions: [],
    };
    const reqs = aggregateRequirements(catalogue, [cut], () => ({ applies: true }));
    const text = summaryText({ ...report, requirements: reqs, checks: [cut], summary: summarize(reqs, [cut]) });
    expect(text).toMatch(/RESULT: PASS, INCOMPLETE .*1 MUST requirement was cut off by rate limits .*\(TR-06\)/);
    expect(summarize(reqs, [cut])).toMatchObject({ verdict: 'pass', exitCode: 3, incomplete: true, mustUndecided: ['TR-06'] });
    expect(text).toMatch(/Inconclusive \(not decided: cut off by a rate limit or the budget, or an answer the kit could not read — not failures\):/);
    expect(text).toMatch(/exit code 3\)$/);
    expect(summaryText({ ...report, requirements: reqs, checks: [cut], summary: summarize(reqs, [cut]) }, { allowIncomplete: true })).toMatch(
      /exit code 0, --allow-incomplete\)$/,
    );
    const html = htmlReport({ ...report, requirements: reqs, checks: [cut], summary: summarize(reqs, [cut]) });
    expect(html).toMatch(/<title>[^<]*PASS, INCOMPLETE<\/title>/);
    expect(html).toMatch(/class="verdict pass incomplete">PASS, INCOMPLETE — [^<]*\(TR-06\)/);
    const clean = aggregateRequirements(catalogue, [], () => ({ applies: true }));
    expect(summaryText({ ...report, requirements: clean, checks: [], summary: summarize(clean, []) })).toMatch(/RESULT: PASS — no MUST requirement failed/);
  });

  it('HTML: failures first, with the curl line, self-contained', () => {
    const html = htmlReport(report);
    expect(html.indexOf('id="TR-06"')).toBeLessThan(html.indexOf('id="CA-01"'));
    expect(html).toContain('curl -i -X POST');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('FAIL');
  });
});
