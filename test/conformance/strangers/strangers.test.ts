/**
 * The kit against targets it did not write (issue 16, points 1-15): an emulation of a deployed OpenSPP 2, and
 * strangers that change one behaviour of the reference server the way real servers do. Each test pins the verdict
 * the kit must give, on the right stranger — false failures gone, missed deviations found.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type RunOptions, type RunOutcome } from '../../../src/conformance/runner.js';
import { parseTarget, type Target } from '../../../src/conformance/target.js';
import type { CheckResult, Verdict } from '../../../src/conformance/types.js';
import { RAISED, referenceTarget, TEST_JWT_SECRET } from '../harness.js';
import { PEER_CLIENT, startOidcProvider } from '../peers.js';
import { DEPLOYED_CLIENTS, DEPLOYED_RECORDS, startDeployedOpenSpp, type RunningDeployed } from './openspp-deployed.js';
import { behindProxy, strangers, type Bench } from './proxied.js';

const stateDir = mkdtempSync(join(tmpdir(), 'spp-kit-strangers-'));

async function run(options: RunOptions): Promise<RunOutcome & { lines: string[] }> {
  const lines: string[] = [];
  const o = await runConformance({ timingSamples: 5, stateDir, ...options, out: (l) => lines.push(l) });
  return { ...o, lines };
}

const requirement = (o: RunOutcome, id: string): Verdict | 'untested' | undefined => o.report?.requirements.find((r) => r.id === id)?.verdict;
const check = (o: RunOutcome, id: string): CheckResult => {
  const c = o.report?.checks.find((x) => x.checkId === id);
  if (!c) throw new Error(`no check ${id} in the report${o.error ? ` (${o.error})` : ''}`);
  return c;
};
const outcome = (o: RunOutcome, checkId: string, req: string) => check(o, checkId).outcomes.find((x) => x.requirement === req);
const failedIds = (o: RunOutcome) => o.report?.requirements.filter((r) => r.verdict === 'fail').map((r) => r.id) ?? [];

/** A stranger behind its proxy, for one describe block. */
function stranger(name: keyof typeof strangers, env: Record<string, string> = {}): { bench: () => Bench } {
  let bench: Bench | undefined;
  beforeAll(async () => {
    bench = await behindProxy(strangers[name].mutation, env);
  });
  afterAll(async () => bench?.close());
  return { bench: () => bench! };
}

const DEPLOYED_SECRET = 'deployed-openspp-test-jwt-secret-2f9c4e7a1b6d8035e4c2a9f7';

/** The deployed OpenSPP 2 emulation, started and judged by the kit under a profile (writes on, with its identifier type). */
async function judgeDeployed(profile: string): Promise<{ deployed: RunningDeployed; o: RunOutcome & { lines: string[] } }> {
  const deployed = await startDeployedOpenSpp({ tokenPerMinute: 200, tokenPerDay: 10_000, secret: DEPLOYED_SECRET });
  const target = parseTarget(
    {
      baseUrl: deployed.baseUrl,
      profile,
      clients: DEPLOYED_CLIENTS,
      records: DEPLOYED_RECORDS,
      jwt: { alg: 'HS256', secret: DEPLOYED_SECRET },
      rateLimits: { token: { perMinute: 200, perDay: 10_000 } },
      writes: true,
      writeIdentifier: { system: 'urn:openspp:vocab:id-type#national_id', valuePrefix: 'SPPKIT-' },
    },
    { env: {} },
  );
  return { deployed, o: await run({ target }) };
}

describe('a deployed OpenSPP 2 (emulation: {detail} errors, {data, meta, links} envelope, type discriminator, no discovery documents)', () => {
  let deployed: RunningDeployed;
  let o: RunOutcome & { lines: string[] };
  beforeAll(async () => {
    ({ deployed, o } = await judgeDeployed('openspp'));
  }, 180_000);
  afterAll(async () => deployed?.close());

  it('runs to the end and fails on real deviations only (exit 1, no kit error)', () => {
    expect(o.error).toBeUndefined();
    expect(o.report!.summary.counts.error).toBe(0);
    const broken = o.report!.checks.filter((c) => c.outcomes.some((x) => x.verdict === 'error')).map((c) => `${c.checkId}: ${c.reason}`);
    expect(broken).toEqual([]);
    expect(o.exitCode).toBe(1);
    for (const id of ['OSPP-CT-01', 'OO-01', 'OSPP-ERR-01', 'RS-05', 'TR-06', 'AT-01', 'OSPP-SC-04', 'TE-06', 'CA-05', 'AT-06'])
      expect(failedIds(o).join(' '), id).toContain(id);
  });

  it('1: reports an operation it does not serve once, under OSPP-CT-01, and judges no token rule on its 404/405', () => {
    const once = outcome(o, 'auth-no-token/createProgram', 'OSPP-CT-01');
    expect(once?.verdict).toBe('fail');
    expect(once?.message).toMatch(/does not serve POST \/Program as a secured operation: without a token it answered 405 \(Allow: GET\)/);
    for (const variant of ['garbage-token', 'tampered-token', 'alg-none', 'missing-scope']) {
      const c = check(o, `auth-${variant}/createProgram`);
      expect(c.verdict, c.checkId).toBe('na');
      expect(c.exchanges, c.checkId).toEqual([]);
    }
    for (const id of ['JWT-01', 'AT-09', 'BCP-01', 'BCP-03']) {
      const r = o.report!.requirements.find((x) => x.id === id)!;
      expect(r.verdict, id).toBe('pass');
    }
  });

  it('2: does not judge challenge syntax (RS-09) where no challenge was sent; RS-05 reports the missing header', () => {
    expect(outcome(o, 'auth-garbage-token/readIndividual', 'RS-09')?.verdict).toBe('na');
    expect(outcome(o, 'auth-garbage-token/readIndividual', 'RS-09')?.message).toMatch(/no challenge was sent/);
    expect(outcome(o, 'auth-garbage-token/readIndividual', 'RS-05')?.verdict).toBe('fail');
    expect(requirement(o, 'RS-09')).not.toBe('fail');
  });

  it('3: a server that ignores requested scopes passes SC-02 (it reports what it issued) and is not said to reach what it holds', () => {
    expect(requirement(o, 'SC-02')).toBe('pass');
    expect(outcome(o, 'token-scope-subset', 'OSPP-SC-04')?.verdict).toBe('fail');
    const all = check(o, 'scopes-resource-all');
    expect(all.verdict).toBe('skip');
    expect(all.reason).toMatch(/ignores requested scopes/);
  });

  it('7: detects the envelope once (OSPP-CT-01) and reads it anyway (a dialect the kit speaks): the checks that read it judge, none is inconclusive', () => {
    const shapes = check(o, 'contract-shapes');
    expect(shapes.verdict).toBe('fail');
    expect(shapes.assertions.filter((a) => /not searchset Bundles .*data, meta, links/.test(a.message))).toHaveLength(1);
    // The deployed envelope and `type` are read like a Bundle and resourceType: totals, paging and consent are judged.
    for (const [id, req] of [
      ['consent-search', 'OSPP-CON-04'],
      ['search-paging', 'OSPP-RES-04'],
      ['consent-read-consented', 'OSPP-CON-01'],
    ] as const) {
      expect(check(o, id).verdict, id).not.toBe('inconclusive');
      expect(outcome(o, id, req)?.verdict, `${id} ${req}`).toBe('pass');
    }
    expect(o.report!.checks.filter((c) => c.verdict === 'inconclusive').map((c) => c.checkId)).toEqual([]);
    expect(o.report!.checks.some((c) => /total undefined|resourceType missing/.test(JSON.stringify(c.outcomes)))).toBe(false);
  });

  it('8: RFC 8414 metadata and a JWK Set it never claimed are not applicable; absent RateLimit headers are not "malformed"', () => {
    for (const id of ['MD-01', 'MD-02', 'MD-05', 'JWKS-01']) expect(requirement(o, id), id).toBe('na');
    expect(check(o, 'discovery-as-metadata').outcomes.find((x) => x.requirement === 'MD-01')?.message).toMatch(/claims none/);
    for (const id of ['RLH-01', 'RLH-02']) expect(requirement(o, id), id).toBe('na');
  });

  it('9: with no API limit declared or advertised, no quota failure is invented (OSPP-RL-01 not applicable)', () => {
    expect(outcome(o, 'ratelimit-api', 'OSPP-RL-01')?.verdict).toBe('na');
    expect(outcome(o, 'ratelimit-api', 'OSPP-RL-01')?.message).toMatch(/no API limit declared or advertised/);
  });

  it('12: 403 bodies are tested with the reader (a client lacking the scope), not skipped', () => {
    const c = check(o, 'auth-missing-scope/createIndividual');
    expect(c.verdict).not.toBe('skip');
    expect(c.outcomes.find((x) => x.requirement === 'OSPP-ERR-02')?.verdict).toBe('fail');
    expect(c.assertions.find((a) => a.requirement === 'OSPP-ERR-02')?.message).toMatch(/403/);
  });

  it('13: writes with the identifier system the target file names; If-Match works from the ETag of a read (none on the create)', () => {
    const ifMatch = check(o, 'resource-if-match');
    expect(ifMatch.exchanges.filter((e) => e.request.method === 'PUT').length).toBe(2);
    expect(ifMatch.outcomes.find((x) => x.requirement === 'OSPP-RES-02')?.message).toMatch(/PUT with If-Match "\d+" → 200/);
    expect(check(o, 'resource-create-read').measurements?.created).toMatch(/^urn:openspp:vocab:id-type#national_id\|SPPKIT-/);
  });

  it('one cause, one requirement: a scope refusal without the contract code meets the scope matrix (OSPP-SC-01) and fails OSPP-ERR-02 only', () => {
    expect(outcome(o, 'scopes-reader-matrix', 'OSPP-SC-01')?.verdict).toBe('pass');
    expect(requirement(o, 'OSPP-ERR-02')).toBe('fail');
  });

  it('15: a token-endpoint 401 without a challenge fails HTTP-01 (wrong credentials answered 401 {detail})', () => {
    expect(outcome(o, 'token-wrong-secret', 'HTTP-01')?.verdict).toBe('fail');
  });

  it('5: a request without client credentials is refused (CC-03 passes) though not with invalid_client (CA-08 fails)', () => {
    expect(outcome(o, 'token-no-credentials', 'CA-08')?.verdict).toBe('fail');
    expect(outcome(o, 'token-no-credentials', 'CC-03')?.verdict).toBe('pass');
  });
});

describe('the same deployed OpenSPP 2 emulation under the openspp-deployed profile (what an operator of a real deployment runs)', () => {
  let deployed: RunningDeployed;
  let o: RunOutcome & { lines: string[] };
  beforeAll(async () => {
    ({ deployed, o } = await judgeDeployed('openspp-deployed'));
  }, 180_000);
  afterAll(async () => deployed?.close());

  it("conforms to what OpenSPP 2 serves but for the emulation's own shortcuts; every security requirement passes, nothing is inconclusive", () => {
    expect(o.error).toBeUndefined();
    expect(o.report!.checks.filter((c) => c.verdict === 'inconclusive' || c.verdict === 'error').map((c) => c.checkId)).toEqual([]);
    // The emulation serves no PATCH /Individual/{identifier} (Allow lacks it: OSPP-CT-01), implements no $batch:
    // every transaction fails "at entry 0 (unknown): unsupported", not at the entry that broke it (OSPP-RES-05), and
    // ignores _elements, which the deployed contract declares on searches and reads (OSPP-SR-03).
    expect(failedIds(o).sort()).toEqual(['OSPP-CT-01', 'OSPP-RES-05', 'OSPP-SR-03']);
    expect(outcome(o, 'search-elements', 'OSPP-SR-03')?.message).toMatch(/_elements=name → 200, \d+ entries, with /);
    expect(outcome(o, 'discovery-method-not-allowed', 'OSPP-CT-01')?.message).toMatch(/declares GET, PUT, PATCH/);
    for (const id of [
      'OSPP-DEP-ERR-01',
      'OSPP-DEP-ERR-02',
      'OSPP-DEP-ERR-03',
      'OSPP-DEP-TOK-01',
      'OSPP-DEP-TOK-02',
      'OSPP-DEP-TOK-03',
      'RS-10',
      'RS-15',
      'JWT-01',
      'JWT-02',
      'BCP-01',
      'AT-09',
      'OSPP-SC-01',
      'OSPP-CON-01',
      'OSPP-CON-02',
      'OO-03',
      'OSPP-RES-04',
    ])
      expect(requirement(o, id), id).toBe('pass');
  });
});

describe('a server that ignores requested scopes and reports the issued one (RFC 6749 §3.3)', () => {
  const s = stranger('scopeIgnoring');
  it('3, 12: SC-02 passes, OSPP-SC-04 fails; the 403 checks use the reader and run (no skip), OSPP-SC-02 is not misjudged', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['token-scope-subset', 'auth-missing-scope/*', 'scopes-resource-all'] });
    expect(requirement(o, 'SC-02')).toBe('pass');
    expect(requirement(o, 'OSPP-SC-04')).toBe('fail');
    // The reader lacks every write scope: those checks run. Only reads the reader itself may call have no lacking token.
    // (The sweep also lists the deployed contract's own operations, not applicable under openspp.)
    const missing = o.report!.checks.filter((c) => c.checkId.startsWith('auth-missing-scope/') && c.verdict !== 'na');
    const ran = missing.filter((c) => c.verdict !== 'skip');
    expect(ran.length).toBeGreaterThanOrEqual(12);
    expect(ran.every((c) => c.exchanges.some((e) => e.request.method !== 'GET'))).toBe(true);
    for (const c of missing.filter((x) => x.verdict === 'skip'))
      expect(c.reason, c.checkId).toMatch(/no token the kit can get lacks .*'s scope: the reader holds/);
    for (const id of ['OSPP-ERR-02', 'RS-11']) expect(requirement(o, id), id).toBe('pass');
    expect(requirement(o, 'OSPP-SC-02')).not.toBe('fail');
    expect(check(o, 'scopes-resource-all').reason).toMatch(/ignores requested scopes/);
  }, 60_000);
});

describe('a server that requires a scope in the token request (like Glewlwyd)', () => {
  const s = stranger('scopeRequiring');
  it('10: without a declared scope the kit stops with exit 2 and says to declare clients.full.scope', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['token-response'] });
    expect(o.exitCode).toBe(2);
    expect(o.error).toMatch(/full client .* refused a token: 400 invalid_scope .*declare .* clients\.full\.scope/);
  });

  it('10, 11: with the scope each client asks for declared, the run goes on; the scope-less refusal passes SC-03, scope= passes TE-04', async () => {
    const base = referenceTarget(s.bench().baseUrl);
    const scope = 'individual:read individual:search group:read group:search program:read program:search program_membership:read program_membership:search';
    const target: Target = {
      ...base,
      clients: { full: { ...base.clients.full!, scope: `${scope} individual:create individual:update` }, reader: { ...base.clients.reader!, scope } },
    };
    const o = await run({ target, only: ['token-*', 'ratelimit-token'] });
    expect(o.error).toBeUndefined();
    // Every request that tests something else carries the declared scope: only what is tested is wrong.
    for (const id of ['token-grant-repeated', 'token-no-credentials', 'token-grant-unsupported', 'token-wrong-secret', 'ratelimit-token'])
      expect(check(o, id).verdict, `${id}: ${check(o, id).reason}`).toBe('pass');
    expect(outcome(o, 'token-scope-omitted', 'SC-03')?.verdict).toBe('pass');
    expect(outcome(o, 'token-scope-omitted', 'SC-03')?.message).toMatch(/400 invalid_scope/);
    expect(outcome(o, 'token-empty-parameter', 'TE-04')?.verdict).toBe('pass');
    for (const id of ['token-response', 'token-auth-json', 'token-auth-post', 'token-auth-basic', 'token-unknown-parameter'])
      expect(check(o, id).verdict, `${id}: ${check(o, id).reason}`).toBe('pass');
  }, 60_000);
});

describe('a server without discovery documents that answers a GET on its token endpoint 401 without a challenge', () => {
  const s = stranger('bareOAuth');
  it('8: RFC 8414 metadata and the JWK Set are not applicable (nobody claims them) — and fail once the target file claims them', async () => {
    const unclaimed = await run({ target: referenceTarget(s.bench().baseUrl), only: ['discovery-*'] });
    for (const id of ['MD-01', 'MD-02', 'MD-04', 'JWKS-01', 'JWKS-06']) expect(requirement(unclaimed, id), id).toBe('na');
    expect(failedIds(unclaimed)).toEqual([]);
    const claimed = await run({
      target: { ...referenceTarget(s.bench().baseUrl), features: { authorizationServerMetadata: true, jwks: true } },
      only: ['discovery-*'],
    });
    for (const id of ['MD-01', 'JWKS-01']) expect(failedIds(claimed), id).toContain(id);
  }, 60_000);

  it('15: the 401 to a GET on the token endpoint is checked for WWW-Authenticate (HTTP-01 fails)', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['token-get-refused'] });
    expect(outcome(o, 'token-get-refused', 'TE-01')?.verdict).toBe('pass');
    expect(outcome(o, 'token-get-refused', 'HTTP-01')?.verdict).toBe('fail');
    expect(outcome(o, 'token-get-refused', 'HTTP-01')?.message).toMatch(/401 with WWW-Authenticate: \(none\)/);
  });
});

describe('a server that validates the body before it checks the scope (422 before 403)', () => {
  const s = stranger('validatesFirst');
  it('4: without writes, a 422 is reported as validation before authorization (RS-16), never as "the scope is checked"', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl, { writes: false }), only: ['scopes-reader-matrix', 'auth-missing-scope/createGroup'] });
    const matrix = check(o, 'scopes-reader-matrix');
    expect(matrix.outcomes.find((x) => x.requirement === 'RS-16')?.verdict).toBe('warn');
    expect(matrix.measurements?.scopeCheckNotReached).toMatch(/createIndividual/);
    expect(matrix.assertions.filter((a) => a.requirement === 'RS-15' && /POST \/Individual/.test(a.message))).toEqual([]);
    expect(outcome(o, 'auth-missing-scope/createGroup', 'RS-16')?.verdict).toBe('warn');
    expect(outcome(o, 'auth-missing-scope/createGroup', 'OSPP-ERR-02')?.verdict).toBe('na');
    expect(failedIds(o)).toEqual([]);
  }, 60_000);

  it('4: with writes, a valid (tagged) body reaches the scope check: the scope verdict is decided (403), RS-16 still reported', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl, { writes: true }), only: ['scopes-reader-matrix'] });
    const matrix = check(o, 'scopes-reader-matrix');
    expect(matrix.measurements?.scopeCheckNotReached).toBeUndefined();
    expect(matrix.assertions.some((a) => a.requirement === 'RS-15' && /POST \/Individual/.test(a.message) && a.ok)).toBe(true);
    expect(matrix.outcomes.find((x) => x.requirement === 'RS-16')?.verdict).toBe('warn');
    expect(matrix.outcomes.find((x) => x.requirement === 'OSPP-SC-01')?.verdict).toBe('pass');
  }, 60_000);
});

describe('a server that validates a write body before it even authenticates the token', () => {
  const s = stranger('validatesBeforeAuthenticating');
  it('6: a forged token on a write answered 422 is not said to be accepted: its token rules are not judged there', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['auth-garbage-token/createIndividual', 'auth-garbage-token/readIndividual'] });
    for (const id of ['JWT-01', 'RS-10', 'OSPP-ERR-01', 'RS-05']) {
      const x = outcome(o, 'auth-garbage-token/createIndividual', id);
      expect(x?.verdict, id).toBe('na');
      expect(x?.message, id).toMatch(/refused the body before it judged the token/);
    }
    expect(outcome(o, 'auth-garbage-token/readIndividual', 'JWT-01')?.verdict).toBe('pass');
    expect(failedIds(o)).toEqual([]);
  }, 60_000);
});

describe('a server that refuses bad tokens with 403 instead of 401', () => {
  const s = stranger('refuses403', { SPP_JWT_LEEWAY: '1' });
  it('6: the security requirements pass (any refusal is one); only the status and code requirements fail', async () => {
    const o = await run({
      target: referenceTarget(s.bench().baseUrl),
      only: ['jwt-*', 'auth-garbage-token/*', 'auth-tampered-token/*', 'auth-alg-none/*', 'auth-attacker-key', 'auth-query-token-ignored'],
    });
    for (const id of ['JWT-01', 'JWT-02', 'JWT-03', 'JWT-04', 'BCP-01', 'BCP-02', 'BCP-03', 'BCP-05', 'BCP-06', 'AT-06', 'AT-08', 'AT-09', 'AT-10', 'O21-03'])
      expect(requirement(o, id), id).toBe('pass');
    expect(requirement(o, 'OSPP-ERR-01')).toBe('fail');
    expect(requirement(o, 'RS-10')).toBe('warn');
    expect(o.report!.summary.mustFailures).toEqual(['OSPP-ERR-01']);
  }, 90_000);

  it('6: an expired token refused with 403 is refused — not "still accepted N s after exp" (full tier)', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), tier: 'full', only: ['expiry-real-time'] });
    const c = check(o, 'expiry-real-time');
    expect(c.outcomes.find((x) => x.requirement === 'JWT-02')?.verdict).toBe('pass');
    expect(c.outcomes.find((x) => x.requirement === 'RS-10')?.verdict).toBe('warn');
    expect(JSON.stringify(c.outcomes)).not.toMatch(/still accepted/);
  }, 60_000);
});

describe('a server that accepts writes only with its own identifier types', () => {
  const s = stranger('ownIdentifiers');
  it('13: a refused write names writeIdentifier; with one the target accepts, the If-Match check runs', async () => {
    const refused = await run({ target: referenceTarget(s.bench().baseUrl, { writes: true }), only: ['resource-if-match'] });
    const c = check(refused, 'resource-if-match');
    expect(c.verdict).toBe('skip');
    expect(c.reason).toMatch(/refused to create the record urn:spp-kit:conformance\|.*422.*writeIdentifier\.system/);
    const named = await run({
      target: referenceTarget(s.bench().baseUrl, { writes: true, writeIdentifier: { system: 'urn:gov:ph:psa:national-id', valuePrefix: 'SPPKIT-' } }),
      only: ['resource-if-match'],
    });
    expect(check(named, 'resource-if-match').verdict).toBe('pass');
  }, 60_000);
});

describe('a server whose API answers carry no quota headers', () => {
  const s = stranger('noQuotaHeaders');
  it('14: OSPP-RL-02 is judged on every API answer, without waiting for a 429', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['auth-scheme-case', 'ratelimit-headers'] });
    const c = check(o, 'ratelimit-headers');
    expect(c.outcomes.find((x) => x.requirement === 'OSPP-RL-02')?.verdict).toBe('warn');
    expect(c.assertions.find((a) => a.requirement === 'OSPP-RL-02')?.message).toMatch(
      /\d+ of \d+ authenticated API answers do not report the quota.*no RateLimit/,
    );
  }, 60_000);

  it('8: absent RateLimit headers make RLH-01/02 not applicable during the probe (not "malformed")', async () => {
    const o = await run({ target: referenceTarget(s.bench().baseUrl), only: ['ratelimit-api'] });
    for (const id of ['RLH-01', 'RLH-02']) expect(outcome(o, 'ratelimit-api', id)?.verdict, id).toBe('na');
    expect(outcome(o, 'ratelimit-api', 'OSPP-RL-01')?.verdict).toBe('pass');
  }, 60_000);
});

describe('oidc-provider (a certified OAuth server) under rfc6749, with no limit declared', () => {
  it('5, 9: no invented limit (RL-04 not applicable, CA-07 at most a warning); CA-08 fails on its own, CC-03/O21-06 do not', async () => {
    const peer = await startOidcProvider('client_secret_basic');
    try {
      // Only what needs no pacing: nobody declared a limit, so the kit paces by an assumed 5/min (as it should).
      const o = await run({
        target: parseTarget({ baseUrl: peer.issuer, profile: 'rfc6749', clients: { full: PEER_CLIENT } }, { env: {} }),
        only: ['token-no-credentials', 'ratelimit-token'],
      });
      expect(o.error).toBeUndefined();
      expect(requirement(o, 'RL-04')).toBe('na');
      expect(requirement(o, 'CA-07')).toBe('warn');
      expect(outcome(o, 'ratelimit-token', 'CA-07')?.message).toMatch(/no limit is declared or advertised/);
      expect(requirement(o, 'CA-08')).toBe('fail');
      expect(requirement(o, 'CC-03')).toBe('pass');
      expect(o.report!.summary.mustFailures).not.toContain('CA-07');
    } finally {
      await peer.close();
    }
  }, 90_000);
});

describe('our own reference server keeps its verdicts', () => {
  it('4: it checks the scope before the body (RS-16 passes)', async () => {
    const bench = await behindProxy({});
    try {
      const o = await run({
        target: referenceTarget(bench.baseUrl, { rateLimits: RAISED, jwt: { alg: 'HS256', secret: TEST_JWT_SECRET } }),
        only: ['scopes-reader-matrix'],
      });
      expect(outcome(o, 'scopes-reader-matrix', 'RS-16')?.verdict).toBe('pass');
      expect(o.exitCode).toBe(0);
    } finally {
      await bench.close();
    }
  }, 60_000);
});
