/**
 * The faulty targets of the mutation suite: each is a fault a real deployment could have, the checks to run
 * against it (--only, to keep the suite fast) and the requirement id whose failure must name it.
 */
import { readDemoFixture } from '../../../src/server/demo-clients.js';
import { readDemoRegistry } from '../../../src/server/registry/demo.js';
import {
  bearerOf,
  claimsOf,
  header,
  isApi,
  isTokenEndpoint,
  json,
  setHeader,
  tokenSource,
  withJson,
  without,
  type Mutation,
  type ProxyRequest,
  type ProxyResponse,
} from './proxy.js';

const demo = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));
const fullToken = tokenSource(demo.full!.clientId, demo.full!.clientSecret);

export interface Mutant {
  name: string;
  description: string;
  mutation: Mutation;
  only: string[];
  /** The requirement that must fail. */
  expect: string;
  /** Server settings beyond the suite's defaults (small limits for the rate-limit mutants). */
  env?: Record<string, string>;
  /** Rate limits to declare in the target (must match env). */
  limits?: { token: { perMinute: number; perDay: number }; api: { perMinute: number; perDay: number } };
  writes?: boolean;
  /**
   * The reference server speaks the deployed dialect (SPP_DIALECT=deployed) and the kit judges it with the
   * openspp-deployed profile: a fault of a deployment of OpenSPP 2 that its own requirements must catch.
   */
  deployed?: true;
}

const SMALL = { token: { perMinute: 12, perDay: 10_000 }, api: { perMinute: 25, perDay: 100_000 } };
const SMALL_ENV = { SPP_TOKEN_RATE_PER_MINUTE: '12', SPP_TOKEN_RATE_PER_DAY: '10000', SPP_API_RATE_PER_MINUTE: '25', SPP_API_RATE_PER_DAY: '100000' };

/** Rewrites a form or JSON token request body. */
function rewriteTokenBody(req: ProxyRequest, edit: (fields: Array<[string, string]>) => Array<[string, string]>): ProxyRequest {
  const type = header(req.headers, 'content-type') ?? '';
  if (/json/.test(type)) {
    const obj = JSON.parse(req.body || '{}') as Record<string, string>;
    return { ...req, body: JSON.stringify(Object.fromEntries(edit(Object.entries(obj)))) };
  }
  return { ...req, body: new URLSearchParams(edit([...new URLSearchParams(req.body)])).toString() };
}

/** Rewrites the query of an Individual search or read (GET /Individual…), leaving every other request alone. */
function onIndividualQuery(edit: (query: URLSearchParams) => void): Mutation {
  return {
    request: (req) => {
      if (!isApi(req) || req.method !== 'GET' || !/\/Individual(\/[^/?]+)?(\?|$)/.test(req.url)) return req;
      const [path, search = ''] = req.url.split('?') as [string, string?];
      const query = new URLSearchParams(search);
      edit(query);
      return { ...req, url: `${path}?${query}` };
    },
  };
}

/** A demo consent (fixtures/demo-registry.json) of another organization than the consent client's. */
const FOREIGN_CONSENT = readDemoRegistry().consents.find((c) => c.organization !== demo.consent!.organization)!.consentId;

function onTokenResponse(edit: (res: ProxyResponse) => ProxyResponse): Mutation {
  return { response: (res, req) => (isTokenEndpoint(req) ? edit(res) : res) };
}

export const mutants: Mutant[] = [
  {
    name: 'strip-cache-control',
    description: 'token answers without Cache-Control',
    mutation: onTokenResponse((r) => without(r, 'cache-control')),
    only: ['token-response'],
    expect: 'TR-06',
  },
  {
    name: 'strip-pragma',
    description: 'token answers without Pragma',
    mutation: onTokenResponse((r) => without(r, 'pragma')),
    only: ['token-response'],
    expect: 'TR-07',
  },
  {
    name: 'drop-www-authenticate',
    description: 'API 401s without WWW-Authenticate',
    mutation: { response: (res, req) => (isApi(req) && res.status === 401 ? without(res, 'www-authenticate') : res) },
    only: ['auth-no-token/readIndividual', 'auth-garbage-token/searchGroups'],
    expect: 'RS-05',
  },
  {
    name: 'detail-instead-of-operation-outcome',
    description: 'API 401/403 bodies are FastAPI {"detail": ...}',
    mutation: { response: (res, req) => (isApi(req) && (res.status === 401 || res.status === 403) ? withJson(res, { detail: 'Not authenticated' }) : res) },
    only: ['auth-no-token/searchIndividuals', 'auth-missing-scope/readGroup'],
    expect: 'OO-01',
  },
  {
    name: 'accept-any-token',
    description: 'any presented token is swapped for a valid full-scope one (no signature, expiry or scope checks)',
    mutation: {
      request: async (req, up) =>
        isApi(req) && bearerOf(req) ? { ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) } : req,
    },
    only: ['auth-alg-none/readIndividual', 'auth-tampered-token/searchPrograms'],
    expect: 'BCP-01',
  },
  {
    name: 'ignore-scopes',
    description: 'a valid token lacking a scope is let through anyway',
    mutation: {
      response: async (res, req, up) => {
        if (!isApi(req) || res.status !== 403 || json(res)?.issue?.[0]?.details?.coding?.[0]?.code !== 'SCOPE_INSUFFICIENT') return res;
        return up.fetch({ ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) });
      },
    },
    only: ['scopes-reader-matrix'],
    expect: 'OSPP-SC-01',
    // The reader lacks only write scopes: without writes the kit sends bodies no schema accepts, which such a target
    // answers 422 — indistinguishable from validation before authorization. A valid (tagged) body shows the fault.
    writes: true,
  },
  {
    name: 'resource-all-covers-everything',
    description: 'a resource:all token is allowed other resources',
    mutation: {
      response: async (res, req, up) => {
        const scope = claimsOf(bearerOf(req) ?? '')?.scope;
        if (!isApi(req) || res.status !== 403 || typeof scope !== 'string' || !/:all$/.test(scope)) return res;
        return up.fetch({ ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) });
      },
    },
    only: ['scopes-resource-all'],
    expect: 'OSPP-SC-02',
  },
  {
    name: '429-as-400',
    description: 'the token endpoint answers 400 instead of 429 when its limit is spent',
    mutation: onTokenResponse((r) =>
      r.status === 429
        ? {
            status: 400,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' },
            body: JSON.stringify({ error: 'invalid_request', error_description: 'Slow down.' }),
          }
        : r,
    ),
    only: ['ratelimit-token'],
    expect: 'RL-04',
    env: SMALL_ENV,
    limits: SMALL,
  },
  {
    name: 'expires-in-unlike-exp',
    description: "expires_in does not match the token's exp - iat",
    mutation: onTokenResponse((r) => {
      const b = json(r);
      return typeof b?.expires_in === 'number' ? withJson(r, { ...b, expires_in: b.expires_in + 3600 }) : r;
    }),
    only: ['token-response'],
    expect: 'OSPP-TOK-02',
  },
  {
    name: 'consent-existence-leak',
    description: 'the consent client gets 404 for a record that does not exist and 403 for one it may not see',
    mutation: {
      response: async (res, req, up) => {
        if (req.method !== 'GET' || res.status !== 403 || !/\/Individual\/[^?]+/.test(req.url)) return res;
        const probe = await up.fetch({ ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) });
        return probe.status === 404 ? probe : res;
      },
    },
    only: ['consent-indistinguishable'],
    expect: 'OO-03',
  },
  {
    name: 'miscount-total',
    description: 'search Bundles report one more than they hold',
    mutation: {
      response: (res, req) => {
        const b = json(res);
        return isApi(req) && b?.resourceType === 'Bundle' && b.type === 'searchset' ? withJson(res, { ...b, total: b.total + 1 }) : res;
      },
    },
    only: ['search-paging'],
    expect: 'OSPP-RES-04',
  },
  {
    name: 'basic-failure-as-400',
    description: 'a failed HTTP Basic authentication gets 400 without a Basic challenge',
    mutation: onTokenResponse((r) => (r.status === 401 ? { ...without(r, 'www-authenticate'), status: 400 } : r)),
    only: ['token-wrong-secret-basic'],
    expect: 'TERR-02',
  },
  {
    name: 'query-credentials-accepted',
    description: 'credentials in the query string are taken (moved into the body)',
    mutation: {
      request: (req) => {
        if (!isTokenEndpoint(req) || !req.url.includes('client_secret=')) return req;
        const [path, query] = req.url.split('?');
        return { ...req, url: path!, headers: setHeader(req.headers, 'content-type', 'application/x-www-form-urlencoded'), body: query! };
      },
    },
    only: ['token-query-refused'],
    expect: 'CA-04',
  },
  {
    name: 'repeated-parameter-accepted',
    description: 'a repeated grant_type is silently de-duplicated',
    mutation: { request: (req) => (isTokenEndpoint(req) ? rewriteTokenBody(req, (f) => f.filter(([k], i) => f.findIndex(([k2]) => k2 === k) === i)) : req) },
    only: ['token-grant-repeated'],
    expect: 'TE-06',
  },
  {
    name: 'two-methods-accepted',
    description: 'Basic plus a body secret is accepted (the body secret is dropped)',
    mutation: {
      request: (req) =>
        isTokenEndpoint(req) && header(req.headers, 'authorization') ? rewriteTokenBody(req, (f) => f.filter(([k]) => k !== 'client_secret')) : req,
    },
    only: ['token-two-methods'],
    expect: 'CA-05',
  },
  {
    name: 'disabled-client-gets-token',
    description: 'the disabled client is issued a token',
    mutation: {
      request: (req) =>
        isTokenEndpoint(req)
          ? rewriteTokenBody(req, (f) =>
              f.some(([k, v]) => k === 'client_id' && v === demo.disabled!.clientId)
                ? f.map(([k, v]) => [k, k === 'client_id' ? demo.full!.clientId : k === 'client_secret' ? demo.full!.clientSecret : v])
                : f,
            )
          : req,
    },
    only: ['token-disabled-client'],
    expect: 'OSPP-CL-01',
  },
  {
    name: '405-without-allow',
    description: '405 answers without Allow',
    mutation: { response: (res) => (res.status === 405 ? without(res, 'allow') : res) },
    only: ['discovery-method-not-allowed'],
    expect: 'HTTP-02',
  },
  {
    name: 'no-api-version',
    description: 'answers without X-API-Version',
    mutation: { response: (res) => without(res, 'x-api-version') },
    only: ['discovery-metadata'],
    expect: 'OSPP-CT-01',
  },
  {
    name: 'token-type-mac',
    description: 'token_type is not Bearer',
    mutation: onTokenResponse((r) => (json(r)?.token_type ? withJson(r, { ...json(r), token_type: 'mac' }) : r)),
    only: ['token-response'],
    expect: 'TR-03',
  },
  {
    // RFC 6749 §3.3 lets a server ignore the requested scope when it reports the one it issued (the reference server
    // does report it): that breaks the contract's promise of a subset (OSPP-SC-04), not SC-02.
    name: 'scope-subset-ignored',
    description: 'a requested scope subset is ignored (every scope granted, and reported)',
    mutation: { request: (req) => (isTokenEndpoint(req) ? rewriteTokenBody(req, (f) => f.filter(([k]) => k !== 'scope')) : req) },
    only: ['token-scope-subset'],
    expect: 'OSPP-SC-04',
  },
  {
    name: 'scope-ignored-unreported',
    description: 'a requested scope subset is ignored, and the response does not say what was issued',
    mutation: {
      request: (req) => (isTokenEndpoint(req) ? rewriteTokenBody(req, (f) => f.filter(([k]) => k !== 'scope')) : req),
      response: (res, req) => {
        const b = json(res);
        return isTokenEndpoint(req) && typeof b?.scope === 'string' ? withJson(res, { ...b, scope: undefined }) : res;
      },
    },
    only: ['token-scope-subset'],
    expect: 'SC-02',
  },
  {
    name: 'error-description-quotes',
    description: 'error_description carries characters RFC 6749 forbids',
    mutation: onTokenResponse((r) => (json(r)?.error ? withJson(r, { ...json(r), error_description: 'Bad "client"\tcredentials\\' }) : r)),
    only: ['token-wrong-secret'],
    expect: 'TERR-04',
  },
  {
    name: 'unsupported-grant-as-invalid-request',
    description: 'another grant type gets invalid_request instead of unsupported_grant_type',
    mutation: onTokenResponse((r) => (json(r)?.error === 'unsupported_grant_type' ? withJson(r, { ...json(r), error: 'invalid_request' }) : r)),
    only: ['token-grant-unsupported'],
    expect: 'CC-02',
  },
  {
    name: 'scope-failure-as-401',
    description: 'a missing scope is answered 401 INVALID_TOKEN (401-vs-403 confusion)',
    mutation: {
      response: (res, req) =>
        isApi(req) && res.status === 403 && json(res)?.issue?.[0]?.details?.coding?.[0]?.code === 'SCOPE_INSUFFICIENT'
          ? {
              ...withJson(res, {
                resourceType: 'OperationOutcome',
                issue: [
                  { severity: 'error', code: 'login', details: { coding: [{ system: 'urn:openspp:error', code: 'INVALID_TOKEN' }], text: 'Invalid token.' } },
                ],
              }),
              status: 401,
              headers: setHeader(res.headers, 'www-authenticate', 'Bearer realm="openspp", error="invalid_token"'),
            }
          : res,
    },
    only: ['auth-missing-scope/createIndividual', 'auth-missing-scope/readProgram'],
    expect: 'OSPP-ERR-02',
  },
  {
    name: 'retry-after-missing',
    description: 'API 429s without Retry-After',
    mutation: { response: (res, req) => (isApi(req) && res.status === 429 ? without(res, 'retry-after') : res) },
    only: ['ratelimit-api'],
    expect: 'RL-03',
    env: SMALL_ENV,
    limits: SMALL,
  },
  {
    name: 'ratelimit-header-frozen',
    description: 'RateLimit always reports the full quota',
    mutation: {
      response: (res, req) =>
        isApi(req) && header(res.headers, 'ratelimit') ? { ...res, headers: setHeader(res.headers, 'ratelimit', '"minute";r=25;t=60') } : res,
    },
    only: ['ratelimit-api'],
    expect: 'RLH-02',
    env: SMALL_ENV,
    limits: SMALL,
  },
  {
    name: 'expired-token-accepted',
    description: 'expired tokens are still accepted',
    mutation: {
      request: async (req, up) => {
        const exp = claimsOf(bearerOf(req) ?? '')?.exp;
        return isApi(req) && typeof exp === 'number' && exp * 1000 < Date.now()
          ? { ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) }
          : req;
      },
    },
    only: ['jwt-expired'],
    expect: 'JWT-02',
  },
  {
    name: 'consent-not-enforced',
    description: "the consent client's reads ignore consent",
    mutation: {
      request: async (req, up) =>
        isApi(req) && claimsOf(bearerOf(req) ?? '')?.client_id === demo.consent!.clientId
          ? { ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) }
          : req,
    },
    only: ['consent-read-unconsented'],
    expect: 'OSPP-CON-02',
  },
  {
    name: 'consent-search-leak',
    description: "the consent client's searches include unconsented records",
    mutation: {
      request: async (req, up) =>
        isApi(req) && req.method === 'GET' && /\/Individual(\?|$)/.test(req.url) && claimsOf(bearerOf(req) ?? '')?.client_id === demo.consent!.clientId
          ? { ...req, headers: setHeader(req.headers, 'authorization', `Bearer ${await fullToken(up)}`) }
          : req,
    },
    only: ['consent-search'],
    expect: 'OSPP-CON-04',
  },
  {
    name: 'stale-if-match-accepted',
    description: 'If-Match is ignored (lost updates)',
    mutation: { request: (req) => (isApi(req) && req.method === 'PUT' ? { ...req, headers: setHeader(req.headers, 'if-match', undefined) } : req) },
    only: ['resource-if-match'],
    expect: 'OSPP-RES-02',
    writes: true,
  },
  {
    name: 'offset-ignored',
    description: '_offset is ignored: every offset page is the first',
    mutation: onIndividualQuery((q) => q.delete('_offset')),
    only: ['search-offset-paging'],
    expect: 'OSPP-SR-01',
  },
  {
    name: 'sort-first-key-only',
    description: 'a multi-key _sort honours its first key only',
    mutation: onIndividualQuery((q) => {
      const sort = q.get('_sort');
      if (sort) q.set('_sort', sort.split(',')[0]!);
    }),
    only: ['search-multi-key-sort'],
    expect: 'OSPP-SR-02',
  },
  {
    name: 'elements-ignored',
    description: '_elements is ignored: whole records come back',
    mutation: onIndividualQuery((q) => q.delete('_elements')),
    only: ['search-elements'],
    expect: 'OSPP-SR-03',
  },
  {
    name: 'extensions-unasked',
    description: 'extension blocks come back whether asked for or not',
    mutation: onIndividualQuery((q) => q.set('_extensions', '*')),
    only: ['search-extensions'],
    expect: 'OSPP-SR-04',
  },
  {
    name: 'foreign-consent-403',
    description: "another organization's consent is refused 403, where a missing one is 404 (its existence leaks)",
    mutation: {
      response: (res, req) =>
        req.url.includes(`/Consent/${FOREIGN_CONSENT}`) && res.status === 404
          ? withJson(
              { ...res, status: 403 },
              { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Not your consent.' }] },
            )
          : res,
    },
    only: ['consent-record-foreign'],
    expect: 'OSPP-CNS-02',
  },
  {
    name: 'access-summary-frozen',
    description: 'the access summary does not count reads',
    mutation: {
      response: (res, req) =>
        /\/Consent\/[^/]+\/\$access-summary/.test(req.url) && res.status === 200
          ? withJson(res, { ...json(res), total_accesses: 3, by_action: { read: 3, search: 0, export: 0 }, by_client: { 'A client': 3 } })
          : res,
    },
    only: ['consent-access-summary'],
    expect: 'OSPP-CNS-03',
  },
  // ── the deployed dialect (openspp-deployed profile): its own requirements can fail ─────────────────────────
  {
    name: 'deployed-operation-outcome',
    description: 'a deployed-style server that answers its refusals with an OperationOutcome instead of {"detail"}',
    mutation: {
      response: (res, req) => {
        const body = isApi(req) && res.status >= 400 ? json(res) : undefined;
        return typeof body?.detail === 'string'
          ? withJson(res, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', diagnostics: body.detail }] })
          : res;
      },
    },
    only: ['auth-no-token/searchIndividuals'],
    expect: 'OSPP-DEP-ERR-01',
    deployed: true,
  },
  {
    name: 'deployed-one-hour-tokens',
    description: "a deployed-style server whose tokens live 1 h (the published pages' lifetime), not the module's 24 h",
    mutation: {},
    env: { SPP_TOKEN_LIFETIME: '3600' },
    only: ['deployed-token-lifetime'],
    expect: 'OSPP-DEP-TOK-02',
    deployed: true,
  },
  {
    name: 'deployed-oauth-token-errors',
    description: 'a deployed-style token endpoint that refuses with RFC 6749 error bodies instead of {"detail"}',
    mutation: onTokenResponse((r) =>
      r.status >= 400 && typeof json(r)?.detail === 'string' ? withJson(r, { error: r.status === 401 ? 'invalid_client' : 'invalid_request' }) : r,
    ),
    only: ['deployed-token-errors'],
    expect: 'OSPP-DEP-TOK-01',
    deployed: true,
  },
  {
    name: 'deployed-scope-refusal-text',
    description: 'a deployed-style 403 for a missing scope that does not say which scope is missing',
    mutation: { response: (res, req) => (isApi(req) && res.status === 403 ? withJson(res, { detail: 'Forbidden' }) : res) },
    only: ['auth-missing-scope/createIndividual'],
    expect: 'OSPP-DEP-ERR-03',
    deployed: true,
  },
  {
    name: 'deployed-no-scopes-claim',
    description: "a deployed-style server whose tokens lack the module's scopes claim",
    mutation: onTokenResponse((r) => {
      const body = json(r);
      if (r.status !== 200 || typeof body?.access_token !== 'string') return r;
      const [h, p, sig] = body.access_token.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      delete payload.scopes;
      return withJson(r, { ...body, access_token: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}` });
    }),
    only: ['deployed-token-claims'],
    expect: 'OSPP-DEP-TOK-03',
    deployed: true,
  },
];
