/**
 * Strangers built on the reference server: a proxy on 127.0.0.1 in front of a fresh reference server changes
 * one behaviour the way real servers do — the rest of the target stays right, so a test sees exactly what the kit
 * makes of that one behaviour. (The deployed-OpenSPP emulation, openspp-deployed.ts, is a stranger of its own.)
 */
import type { RunningServer } from '../../../src/server/serve.js';
import { publishedContract } from '../../../src/contract/index.js';
import { startReference } from '../harness.js';
import { freePort } from '../peers.js';
import {
  header,
  isApi,
  isTokenEndpoint,
  json,
  startProxy,
  withJson,
  without,
  type Mutation,
  type ProxyRequest,
  type ProxyResponse,
  type RunningProxy,
} from '../mutants/proxy.js';

export interface Bench {
  proxy: RunningProxy;
  server: RunningServer;
  /** The API base URL through the proxy. */
  baseUrl: string;
  close(): Promise<void>;
}

/** A fresh reference server behind a proxy that applies `mutation`; `env` adds server settings. The server must know its public URL (the proxy's) before it starts, so it gets an explicit free port. */
export async function behindProxy(mutation: Mutation, env: Record<string, string> = {}): Promise<Bench> {
  const proxy = await startProxy(mutation);
  const server = await startReference({ PORT: String(await freePort()), SPP_PUBLIC_URL: proxy.origin, ...env });
  proxy.setUpstream(`http://127.0.0.1:${server.port}`);
  return { proxy, server, baseUrl: `${proxy.origin}/api/v2/spp`, close: async () => void (await Promise.all([proxy.close(), server.close()])) };
}

/** The token request's form or JSON fields. */
function tokenFields(req: ProxyRequest): URLSearchParams {
  if (/json/.test(header(req.headers, 'content-type') ?? '')) {
    try {
      return new URLSearchParams(JSON.parse(req.body || '{}') as Record<string, string>);
    } catch {
      return new URLSearchParams();
    }
  }
  const query = req.url.split('?')[1] ?? '';
  return new URLSearchParams(`${req.body}&${query}`);
}

function withoutScope(req: ProxyRequest): ProxyRequest {
  if (/json/.test(header(req.headers, 'content-type') ?? '')) {
    const obj = JSON.parse(req.body || '{}') as Record<string, unknown>;
    delete obj.scope;
    return { ...req, body: JSON.stringify(obj) };
  }
  const form = new URLSearchParams(req.body);
  form.delete('scope');
  return { ...req, body: form.toString() };
}

const outcome = (code: string, issue: string, text: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: issue, details: { coding: [{ system: 'urn:openspp:error', code }], text } }],
});

function answer(status: number, body: unknown, headers: Record<string, string> = {}): ProxyResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-api-version': '2.0.0', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** A write whose body the contract's schema for its operation refuses (`{}` for a record, say). */
function invalidBody(req: ProxyRequest): boolean {
  const match = publishedContract.match(req.method, req.url.split('?')[0]!);
  if (!match || !('op' in match) || !match.op.requestBody) return false;
  const body = json({ status: 0, headers: {}, body: req.body });
  return body === undefined || publishedContract.validator.validateBody(match.op, 'application/json', body).length > 0;
}

const isWrite = (req: ProxyRequest) => isApi(req) && (req.method === 'POST' || req.method === 'PUT') && !req.url.includes('$batch');

/** The refusal a stranger gives instead of the server's answer, keeping the server's headers (quota, version). */
function refusal(res: ProxyResponse, status: number, body: unknown): ProxyResponse {
  return { status, headers: { ...res.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Refuses `when` requests with `status`/`body` without letting the server act on them: they go upstream as a
 * harmless GET of the same URL (nothing is written), whose headers (quota, version) the refusal keeps.
 */
function refuseWrites(when: (req: ProxyRequest) => boolean, status: number, body: unknown): Mutation {
  const MARK = 'x-spp-kit-stranger-refuses';
  return {
    request: (req) =>
      when(req)
        ? { ...req, method: 'GET', body: '', headers: { ...without({ status: 0, headers: req.headers, body: '' }, 'content-type').headers, [MARK]: '1' } }
        : req,
    response: (res, req) => (header(req.headers, MARK) ? refusal(res, status, body) : res),
  };
}

/** Answers `res` unless the request is `when`'s; then `instead`. */
function onRequest(when: (req: ProxyRequest) => boolean, instead: (req: ProxyRequest) => ProxyResponse): Mutation {
  return {
    request: (req) => (when(req) ? { ...req, url: `/__stranger__${req.url}` } : req),
    response: (res, req) => (req.url.startsWith('/__stranger__') ? instead({ ...req, url: req.url.slice('/__stranger__'.length) }) : res),
  };
}

/**
 * The strangers: each one behaviour a real server has that this repository's server does not. The kit's verdict on
 * each is pinned in strangers.test.ts.
 */
export const strangers = {
  /** RFC 6749 §3.3: ignores the requested scope and issues (and reports) every scope of the client. */
  scopeIgnoring: {
    description: 'ignores a requested scope: issues every scope of the client and reports it in `scope`',
    mutation: { request: (req) => (isTokenEndpoint(req) && req.method === 'POST' ? withoutScope(req) : req) } satisfies Mutation,
  },
  /** Like Glewlwyd: a client-credentials token only for a request that names a scope (invalid_scope otherwise). */
  scopeRequiring: {
    description: 'refuses a token request that names no scope (or an empty one) with 400 invalid_scope',
    mutation: onRequest(
      (req) => isTokenEndpoint(req) && req.method === 'POST' && !(tokenFields(req).get('scope') ?? '').trim(),
      () => answer(400, { error: 'invalid_scope', error_description: 'A scope is required' }, { pragma: 'no-cache' }),
    ),
  },
  /** An OAuth server that publishes no discovery documents, and refuses a GET on its token endpoint with a bare 401. */
  bareOAuth: {
    description:
      'publishes no RFC 8414 metadata and no JWK Set (404), claims none in GET /metadata, and answers a GET on the token endpoint 401 without WWW-Authenticate',
    mutation: {
      request: (req) =>
        req.url.includes('/.well-known/') || (isTokenEndpoint(req) && req.method === 'GET') ? { ...req, url: `/__stranger__${req.url}` } : req,
      response: (res, req) => {
        if (req.url.startsWith('/__stranger__'))
          return req.url.includes('/.well-known/')
            ? answer(404, { detail: 'Not Found' })
            : answer(401, { error: 'invalid_client', error_description: 'Client authentication required' });
        if (/\/metadata(\?|$)/.test(req.url) && res.status === 200) {
          const b = json(res);
          const authentication = { ...b.authentication };
          delete authentication.jwksUri;
          delete authentication.authorizationServerMetadata;
          return withJson(res, { ...b, authentication });
        }
        return res;
      },
    } satisfies Mutation,
  },
  /** Authenticates, then validates the body, then authorizes: a token lacking the scope gets 422 for a body the contract refuses. */
  validatesFirst: {
    description:
      'validates a write body after authenticating the token but before checking its scope: 422 VALIDATION_ERROR where the scope check would say 403',
    mutation: {
      response: (res, req) =>
        isWrite(req) && res.status === 403 && invalidBody(req)
          ? refusal(res, 422, outcome('VALIDATION_ERROR', 'invalid', 'The body does not match the schema.'))
          : res,
    } satisfies Mutation,
  },
  /** Validates a write body before anything else, the token included: 422 for a body that is no record, whatever the credential. */
  validatesBeforeAuthenticating: {
    description: 'validates a write body (against the contract) before it authenticates the token: 422 VALIDATION_ERROR, whatever the credential',
    mutation: refuseWrites((req) => isWrite(req) && invalidBody(req), 422, outcome('VALIDATION_ERROR', 'invalid', 'The body does not match the schema.')),
  },
  /** Refuses every bad token with 403 instead of 401 (the challenge and the body as they were). */
  refuses403: {
    description: 'refuses invalid, expired and forged tokens with 403 instead of 401',
    mutation: {
      response: (res, req) => (isApi(req) && res.status === 401 && header(req.headers, 'authorization') ? { ...res, status: 403 } : res),
    } satisfies Mutation,
  },
  /** Accepts writes only with its own identifier types. */
  ownIdentifiers: {
    description: 'accepts records only with its own identifier types (urn:gov:ph:...): 422 for any other system',
    mutation: refuseWrites(
      (req) => {
        if (!isWrite(req)) return false;
        const ids = (json({ status: 0, headers: {}, body: req.body }) as { identifier?: Array<{ system?: string }> } | undefined)?.identifier;
        return Array.isArray(ids) && ids.some((i) => !String(i.system).startsWith('urn:gov:ph:'));
      },
      422,
      outcome('VALIDATION_ERROR', 'invalid', 'identifier.system: unknown identifier type'),
    ),
  },
  /** Reports no quota on its API answers (only its 429s say anything). */
  noQuotaHeaders: {
    description: 'sends no RateLimit, RateLimit-Policy or X-RateLimit-* headers on its API answers (429s aside)',
    mutation: {
      response: (res, req) =>
        isApi(req) && res.status !== 429
          ? without(res, 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset')
          : res,
    } satisfies Mutation,
  },
};
