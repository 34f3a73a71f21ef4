/**
 * The steps of the user flows as a client takes them, for the checks: ask a user to authorize (automated or
 * interactive), exchange the code, refresh, revoke, introspect. Each returns what the server answered; judging
 * it is the checks' business. A step that cannot be taken at all (no endpoint, no user step) stops the check with
 * the reason — a precondition, never a verdict on the target.
 */
import { getOperation, type OperationSpec } from '../../contract/index.js';
import { basicAuthorization } from '../../rfc/oauth.js';
import type { CheckContext } from '../check.js';
import type { HttpResult, RequestSpec } from '../http.js';
import { cutOff } from '../stopped.js';
import { walkAuthorization, responseParameters, isRedirectTo, type AuthorizationOutcome } from './browser.js';
import type { UserFlowClient } from './config.js';
import { userFlowEndpoints } from './endpoints.js';
import { awaitRedirect } from './loopback.js';
import { pkcePair, type PkcePair } from './pkce.js';

/** Requests a sign-in makes at most besides the code exchange: the sign-in form and a consent form. */
export const SIGN_IN_REQUESTS = 2;
/** A fresh grant: a sign-in and the exchange. */
export const GRANT_REQUESTS = SIGN_IN_REQUESTS + 1;

export interface AuthorizationRequest {
  client: UserFlowClient;
  /** Default: a fresh random value. */
  state?: string;
  /** Default: a fresh S256 pair; `none`: no challenge; or an explicit challenge and method. */
  pkce?: PkcePair | 'none' | { challenge: string; method?: string };
  /** Default: the target's userFlows.scope (omitted when it has none). */
  scope?: string;
  /** Default: the client's registered redirect URI. */
  redirectUri?: string;
  responseType?: string;
}

export interface Authorization {
  outcome: AuthorizationOutcome;
  url: string;
  state: string;
  redirectUri: string;
  /** The verifier that goes with the request's challenge (undefined without PKCE). */
  verifier: string | undefined;
}

/** A client of the target's userFlows: `prefer` if declared, else the other. */
export function flowClient(ctx: CheckContext, prefer: 'confidential' | 'public'): UserFlowClient {
  const clients = ctx.target.userFlows?.clients ?? {};
  const client = clients[prefer] ?? clients[prefer === 'confidential' ? 'public' : 'confidential'];
  if (!client) return ctx.skip('the target file has no userFlows client');
  return client;
}

/** The operation an answer stands for, when the profile validates answers and the URL is the contract's. */
function contractOperation(
  ctx: CheckContext,
  url: string,
  id: 'authorize' | 'authorizeDecision' | 'revokeToken' | 'introspectToken',
): OperationSpec | undefined {
  if (!ctx.profile.contract) return undefined;
  const op = getOperation(id);
  return url.split('?')[0] === `${ctx.target.baseUrl}${op.pathTemplate}` ? op : undefined;
}

async function endpoint(ctx: CheckContext, which: 'authorization' | 'revocation' | 'introspection'): Promise<string> {
  const endpoints = await userFlowEndpoints(ctx);
  const url = endpoints[which];
  if (!url) return ctx.skip(`no ${which} endpoint: the target file names none and ${endpoints.source} advertises none`);
  return url;
}

/** A random state with characters that must survive the round trip unchanged (RFC 6749 Appendix A.5 allows them). */
export function freshState(ctx: CheckContext): string {
  return `kit ${ctx.runId} ${Math.random().toString(36).slice(2, 10)}/+=?&`;
}

/** The authorization URL of a request (RFC 6749 §4.1.1, RFC 7636 §4.3). */
function authorizationUrl(
  base: string,
  r: AuthorizationRequest,
  state: string,
  redirectUri: string,
  scope: string | undefined,
  pkce: AuthorizationRequest['pkce'],
): string {
  const u = new URL(base);
  u.searchParams.set('response_type', r.responseType ?? 'code');
  u.searchParams.set('client_id', r.client.clientId);
  u.searchParams.set('redirect_uri', redirectUri);
  if (scope) u.searchParams.set('scope', scope);
  u.searchParams.set('state', state);
  if (pkce && pkce !== 'none') {
    u.searchParams.set('code_challenge', pkce.challenge);
    if (!('method' in pkce) || pkce.method !== undefined) u.searchParams.set('code_challenge_method', 'method' in pkce ? pkce.method! : 'S256');
  }
  return u.href;
}

/**
 * The interactive user step: the server's first answer decides what it can (an error page, an error redirect);
 * a page that needs a person is handed to one — the URL printed, the redirect awaited on the loopback address.
 */
async function interactive(ctx: CheckContext, url: string, redirectUri: string, operation: OperationSpec | undefined): Promise<AuthorizationOutcome> {
  const first = await ctx.request({ method: 'GET', url, headers: { accept: 'text/html' }, ...(operation ? { operation } : {}) });
  const location = first.headers.get('location');
  if (first.status >= 300 && first.status < 400 && location) {
    const to = new URL(location, url);
    // A redirect to the client decides; one within the server (a login page) needs the person.
    if (isRedirectTo(to, redirectUri) || to.origin !== new URL(url).origin)
      return { kind: 'redirect', location: to, params: responseParameters(to), answer: first };
  } else if (first.status >= 400) return { kind: 'page', status: first.status, reason: `the authorization server answered ${first.status}`, answer: first };
  const flows = ctx.target.userFlows!;
  const arrived = await awaitRedirect(redirectUri, flows.waitSeconds * 1000, () => ctx.log(`sign in with a browser within ${flows.waitSeconds} s: ${url}`));
  if (!arrived)
    throw cutOff(
      `interactive: no browser arrived at ${redirectUri} within ${flows.waitSeconds} s (if the server showed an error page instead, it refused the request)`,
    );
  return { kind: 'redirect', location: arrived, params: responseParameters(arrived), answer: undefined };
}

/** Asks the target's user to authorize a client: the request as sent and where it ended. */
export async function authorize(ctx: CheckContext, r: AuthorizationRequest): Promise<Authorization> {
  const flows = ctx.target.userFlows!;
  const base = await endpoint(ctx, 'authorization');
  const state = r.state ?? freshState(ctx);
  const redirectUri = r.redirectUri ?? r.client.redirectUri;
  const pkce = r.pkce ?? pkcePair();
  const scope = r.scope ?? flows.scope;
  const url = authorizationUrl(base, r, state, redirectUri, scope, pkce);
  const page = contractOperation(ctx, base, 'authorize');
  const form = contractOperation(ctx, base, 'authorizeDecision');
  const clientRedirectUris = Object.values(flows.clients).map((c) => c.redirectUri);
  const outcome = flows.user
    ? await walkAuthorization(ctx, url, flows.user, { redirectUri, clientRedirectUris, operations: { ...(page ? { page } : {}), ...(form ? { form } : {}) } })
    : await interactive(ctx, url, redirectUri, page);
  const verifier = pkce !== 'none' && 'verifier' in pkce ? pkce.verifier : undefined;
  return { outcome, url, state, redirectUri, verifier };
}

/** The code of a successful authorization, or the check stops: without a code there is nothing to test. */
export function codeOf(ctx: CheckContext, a: Authorization): string {
  const o = a.outcome;
  const code = o.kind === 'redirect' ? o.params.get('code') : null;
  if (code) return code;
  const why =
    o.kind === 'page'
      ? o.reason
      : `redirected with ${o.params.get('error') ?? 'no code'}${o.params.get('error_description') ? ` (${o.params.get('error_description')})` : ''}`;
  return ctx.skip(`precondition not met: the authorization request got no code (${why})`);
}

/** A token-endpoint request of a user-flow client: the profile's authentication for a confidential one, client_id alone for a public one. */
export function userTokenRequest(ctx: CheckContext, client: UserFlowClient, params: Record<string, string | undefined>): Promise<HttpResult> {
  const confidential = client.clientSecret !== undefined;
  return ctx.tokenRequest({
    method: confidential ? ctx.profile.clientAuth.primary : 'post',
    client: { clientId: client.clientId, clientSecret: client.clientSecret ?? '' },
    params: { ...params, ...(confidential ? {} : { client_secret: undefined }) },
  });
}

export function exchangeCode(
  ctx: CheckContext,
  client: UserFlowClient,
  code: string,
  options: { redirectUri?: string; verifier?: string | undefined } = {},
): Promise<HttpResult> {
  return userTokenRequest(ctx, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: options.redirectUri ?? client.redirectUri,
    ...(options.verifier ? { code_verifier: options.verifier } : {}),
  });
}

export function refreshGrant(ctx: CheckContext, client: UserFlowClient, refreshToken: string, scope?: string): Promise<HttpResult> {
  return userTokenRequest(ctx, client, { grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) });
}

export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  scope: string | undefined;
  body: Record<string, unknown>;
  answer: HttpResult;
}

/** The tokens of a successful token response; undefined for anything else. */
export function tokensOf(r: HttpResult): Tokens | undefined {
  const b = r.json as Record<string, unknown> | undefined;
  if (r.status !== 200 || !b || typeof b.access_token !== 'string') return undefined;
  return {
    accessToken: b.access_token,
    refreshToken: typeof b.refresh_token === 'string' ? b.refresh_token : undefined,
    scope: typeof b.scope === 'string' ? b.scope : undefined,
    body: b,
    answer: r,
  };
}

/** A user's fresh tokens for a client (sign-in and exchange), or the check stops saying which step failed. */
export async function freshGrant(ctx: CheckContext, client: UserFlowClient, scope?: string): Promise<Tokens & { code: string }> {
  const a = await authorize(ctx, { client, ...(scope ? { scope } : {}) });
  const code = codeOf(ctx, a);
  const r = await exchangeCode(ctx, client, code, { verifier: a.verifier });
  const tokens = tokensOf(r);
  if (!tokens)
    return ctx.skip(
      `precondition not met: the code exchange answered ${r.status}${(r.json as { error?: string })?.error ? ` ${(r.json as { error: string }).error}` : ''}`,
    );
  return { ...tokens, code };
}

/** Tokens with a refresh token, or the check stops: the server issued none for this client and scope. */
export async function grantWithRefresh(ctx: CheckContext, client: UserFlowClient, scope?: string): Promise<Tokens & { refreshToken: string }> {
  const t = await freshGrant(ctx, client, scope);
  if (!t.refreshToken)
    ctx.skip(
      `precondition not met: the server issued no refresh token to ${client.clientId}${(scope ?? ctx.target.userFlows?.scope) ? ` for scope '${scope ?? ctx.target.userFlows?.scope}'` : ''} (some servers need offline_access in userFlows.scope)`,
    );
  return t as Tokens & { refreshToken: string };
}

/** A form POST to revocation or introspection, the client authenticated as the profile does it (or not at all). */
async function tokenManagement(
  ctx: CheckContext,
  which: 'revocation' | 'introspection',
  client: UserFlowClient | undefined,
  fields: Record<string, string>,
): Promise<HttpResult> {
  const url = await endpoint(ctx, which);
  const body = new URLSearchParams(fields);
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
  if (client?.clientSecret !== undefined && ctx.profile.clientAuth.primary === 'basic')
    headers.authorization = basicAuthorization(client.clientId, client.clientSecret);
  else if (client) {
    body.set('client_id', client.clientId);
    if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  }
  const operation = contractOperation(ctx, url, which === 'revocation' ? 'revokeToken' : 'introspectToken');
  const spec: RequestSpec = { method: 'POST', url, headers, body: body.toString(), ...(operation ? { operation } : {}) };
  return ctx.request({ ...spec, countsAsToken: true });
}

/** RFC 7009 §2.1; `client` undefined sends no client authentication. */
export function revoke(ctx: CheckContext, client: UserFlowClient | undefined, token: string, hint?: 'access_token' | 'refresh_token'): Promise<HttpResult> {
  return tokenManagement(ctx, 'revocation', client, { token, ...(hint ? { token_type_hint: hint } : {}) });
}

/** RFC 7662 §2.1; `client` undefined sends no client authentication. */
export function introspect(ctx: CheckContext, client: UserFlowClient | undefined, token: string): Promise<HttpResult> {
  return tokenManagement(ctx, 'introspection', client, { token });
}

/** Whether the target has an endpoint, without stopping the check. */
export async function hasEndpoint(ctx: CheckContext, which: 'revocation' | 'introspection'): Promise<boolean> {
  return (await userFlowEndpoints(ctx))[which] !== undefined;
}

/** `active` of an introspection answer, or undefined when the answer is not one. */
export function activeOf(r: HttpResult): boolean | undefined {
  const active = (r.json as { active?: unknown } | undefined)?.active;
  return r.status === 200 && typeof active === 'boolean' ? active : undefined;
}

/** A short description of a token-endpoint answer for messages: status and error. */
export function answerText(r: HttpResult): string {
  const b = r.json as { error?: string; error_description?: string } | undefined;
  return `${r.status}${b?.error ? ` ${b.error}` : ''}${b?.error_description ? ` (${b.error_description})` : ''}`;
}
