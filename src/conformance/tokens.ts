/**
 * Token requests in the four client-authentication styles, and reading a token response. Shared by the
 * preflight (main process) and the checks (vitest worker).
 */
import type { TokenCall, RoleToken } from './check.js';
import { curlFor, headersToObject, tokenVariable, type HttpResult, type RequestSpec } from './http.js';
import type { Masker } from './mask.js';
import type { AuthMethod } from './profiles.js';
import type { TargetClient } from './target.js';
import { decodeJwt } from './jwt.js';
import { basicAuthorization } from '../rfc/oauth.js';
import { maskToken } from '../rfc/secrets.js';
import type { Role } from './types.js';

/**
 * The request for a token call; parameters set to undefined in `call.params` are left out. A client that declares
 * the scope it asks for (`clients.<role>.scope`) sends it unless the call sets or removes `scope`.
 */
export function buildTokenRequest(endpoint: string, call: TokenCall): RequestSpec {
  const params: Record<string, string> = { grant_type: 'client_credentials' };
  if (call.client && call.method !== 'basic') {
    params.client_id = call.client.clientId;
    params.client_secret = call.client.clientSecret;
  }
  if (call.client?.scope) params.scope = call.client.scope;
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

/** The scopes a JWT's claims grant (`scope` string, or a `scopes` / `scp` array as some servers write them). */
function claimedScopes(accessToken: string): string | undefined {
  const payload = decodeJwt(accessToken)?.payload;
  for (const name of ['scope', 'scopes', 'scp']) {
    const v = payload?.[name];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
  }
  return undefined;
}

/**
 * What a token really holds (RFC 6749 §3.3: a server may ignore the requested scope if it reports the issued one):
 * the response's scope, else the token's own claims, else — neither says otherwise — the scope requested.
 */
export function heldScopes(accessToken: string, response: Record<string, unknown>, requested: string | undefined): string {
  if (typeof response.scope === 'string') return response.scope;
  return claimedScopes(accessToken) ?? requested ?? '';
}

/** A RoleToken from a successful token response (`requested`: the scope asked for); undefined when the answer holds no token. */
export function readTokenResponse(role: Role, result: HttpResult, clockSkewMs = 0, requested?: string): RoleToken | undefined {
  const body = result.json as Record<string, unknown> | undefined;
  if (result.status !== 200 || !body || typeof body.access_token !== 'string' || !body.access_token) return undefined;
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
  const exp = decodeJwt(body.access_token)?.payload.exp;
  const expiresAt =
    expiresIn !== undefined ? result.receivedAt + expiresIn * 1000 : typeof exp === 'number' ? exp * 1000 - clockSkewMs : result.receivedAt + 3_600_000;
  return {
    role,
    accessToken: body.access_token,
    scope: heldScopes(body.access_token, body, requested),
    ...(requested !== undefined ? { requested } : {}),
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

/**
 * The shell lines that put a fresh token of a client into its variable (FULL_ACCESS_TOKEN=...): the token request
 * the kit itself makes, secrets as variables, the token cut out of the JSON answer with sed (no jq needed).
 */
export function tokenHowTo(
  endpoint: string,
  method: AuthMethod,
  role: string,
  client: TargetClient,
  variables: ReadonlyArray<[string, string]>,
  masker: Masker,
): string[] {
  const curl = curlFor(buildTokenRequest(endpoint, { method, client }), variables, masker).replace(/^curl -i /, 'curl -s ');
  return [`${tokenVariable(role)}=$(${curl} | sed -E 's/.*"access_token" *: *"([^"]+)".*/\\1/')`];
}
