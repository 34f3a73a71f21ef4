/**
 * Token requests in the four client-authentication styles, and reading a token response. Shared by the
 * preflight (main process) and the checks (vitest worker).
 */
import type { TokenCall, RoleToken } from './check.js';
import { headersToObject, type HttpResult, type RequestSpec } from './http.js';
import { decodeJwt } from './jwt.js';
import { basicAuthorization } from '../rfc/oauth.js';
import { maskToken } from '../rfc/secrets.js';
import type { Role } from './types.js';

/** The request for a token call; parameters set to undefined in `call.params` are left out. */
export function buildTokenRequest(endpoint: string, call: TokenCall): RequestSpec {
  const params: Record<string, string> = { grant_type: 'client_credentials' };
  if (call.client && call.method !== 'basic') {
    params.client_id = call.client.clientId;
    params.client_secret = call.client.clientSecret;
  }
  for (const [k, v] of Object.entries(call.params ?? {})) {
    if (v === undefined) delete params[k];
    else params[k] = v;
  }
  const headers: Record<string, string> = { accept: 'application/json', ...(call.headers ?? {}) };
  if (call.method === 'basic' && call.client) headers.authorization = basicAuthorization(call.client.clientId, call.client.clientSecret);
  const method = call.httpMethod ?? 'POST';
  if (call.rawForm !== undefined)
    return { method, url: endpoint, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: call.rawForm };
  switch (call.method) {
    case 'json':
      return { method, url: endpoint, headers, body: params };
    case 'query': {
      const u = new URL(endpoint);
      for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
      return { method, url: u.href, headers };
    }
    default:
      return { method, url: endpoint, headers, body: new URLSearchParams(params) };
  }
}

/** A RoleToken from a successful token response; undefined when the answer holds no token. */
export function readTokenResponse(role: Role, result: HttpResult, clockSkewMs = 0): RoleToken | undefined {
  const body = result.json as Record<string, unknown> | undefined;
  if (result.status !== 200 || !body || typeof body.access_token !== 'string' || !body.access_token) return undefined;
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
  const exp = decodeJwt(body.access_token)?.payload.exp;
  const expiresAt =
    expiresIn !== undefined ? result.receivedAt + expiresIn * 1000 : typeof exp === 'number' ? exp * 1000 - clockSkewMs : result.receivedAt + 3_600_000;
  return {
    role,
    accessToken: body.access_token,
    scope: typeof body.scope === 'string' ? body.scope : '',
    ...(expiresIn !== undefined ? { expiresIn } : {}),
    expiresAt,
    exchangeId: result.exchange.id,
    response: { ...body, access_token: maskToken(body.access_token) },
    responseHeaders: headersToObject(result.headers),
    status: result.status,
  };
}

/** Server clock minus local clock from a Date header (1 s resolution), 0 without one. */
export function skewFromDate(dateHeader: string | null, receivedAt: number, ms: number): number {
  if (!dateHeader) return 0;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return 0;
  // The Date value is truncated to the second: compare with the middle of that second and of the exchange.
  return server + 500 - (receivedAt - ms / 2);
}
