/**
 * POST /oauth/token — the client-credentials grant (RFC 6749 §4.4) and the two user grants (authorization_code,
 * refresh_token: user-grants.ts) as a list of named steps, each of which passes or refuses with an OAuthError
 * (rendered once, as an RFC 6749 §5.2 body):
 *
 *   parameters → credentials (one method, §2.3) → client authentication → grant type
 *     client_credentials: confidential client → scope (§3.3) → issue
 *     authorization_code / refresh_token: the grant's own steps → issue (access token + rotated refresh token)
 *
 * The body was already parsed and checked against the contract (repeated parameters are refused there; unknown
 * ones pass and are ignored here).
 */
import { OAuthError } from '../../contract/errors.js';
import type { Handler, HandlerRequest } from '../../contract/route-table.js';
import { isScopeToken } from '../../rfc/oauth.js';
import type { ApiClient } from '../clients/repository.js';
import type { ServerContext } from '../context.js';
import { authenticatePresented, presentedClient, type PresentedClient } from './client-authentication.js';
import type { SigningKeys } from './keys.js';
import { issueAccessToken, type TokenSettings } from './tokens.js';
import { exchangeCode, refresh, reuseDetected, type UserIssue } from './user-grants.js';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;
/** The shape of every scope of the contract's catalogue: `resource:action`. */
const SCOPE_SHAPE = /^[a-z][a-z_]{0,39}:[a-z]{1,20}$/;

export interface TokenEndpointSettings extends TokenSettings {
  defaultLifetime: number;
  allowQueryCredentials: boolean;
}

type TokenRequest = HandlerRequest<'issueToken'>;
const PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope', 'code', 'redirect_uri', 'code_verifier', 'refresh_token'] as const;
type Parameters = Partial<Record<(typeof PARAMETERS)[number], string>>;
const GRANTS = ['client_credentials', 'authorization_code', 'refresh_token'] as const;

/** Parameters sent without a value count as omitted (RFC 6749 §3.2). */
function field(source: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = source?.[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Step 1: the request's parameters, from the body (and the query string only where the compat switch allows). */
function parameters(req: TokenRequest, allowQuery: boolean): Parameters {
  const query = req.query as Record<string, string | undefined>;
  const fromQuery = ['client_id', 'client_secret', 'grant_type'].some((k) => query[k] !== undefined);
  if (fromQuery && !allowQuery)
    throw new OAuthError('invalid_request', 'Client credentials must not be sent in the URL query; send them in the body or with HTTP Basic.');
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params: Parameters = {};
  for (const name of PARAMETERS) {
    const inBody = field(body, name);
    const inQuery = fromQuery ? field(query, name) : undefined;
    if (inBody !== undefined && inQuery !== undefined) throw new OAuthError('invalid_request', `The parameter ${name} was sent twice (query and body).`);
    params[name] = inBody ?? inQuery;
  }
  return params;
}

/**
 * Step 2: exactly one client authentication method — HTTP Basic, or id and secret in the body — or a public
 * client's id alone. The grant type is required before anything is looked up.
 */
function credentials(req: TokenRequest, params: Parameters): PresentedClient {
  const presented = presentedClient(req.raw?.headers.get('authorization') ?? null, params);
  if (params.grant_type === undefined) throw new OAuthError('invalid_request', `The grant_type parameter is required (${GRANTS.join(', ')}).`);
  return presented;
}

/** Step 3: the client and its secret (the same work whether or not the client exists); a public client by its id. */
function authenticate(presented: PresentedClient, ctx: ServerContext): ApiClient {
  return authenticatePresented(ctx.db, presented, { allowPublic: true, failureStatus: 400 });
}

/** Step 4: a grant this server offers; client credentials only for a client that can keep a secret (RFC 6749 §4.4). */
function checkGrant(params: Parameters, client: ApiClient): (typeof GRANTS)[number] {
  const grant = GRANTS.find((g) => g === params.grant_type);
  if (!grant) throw new OAuthError('unsupported_grant_type', `Supported grants: ${GRANTS.join(', ')}.`);
  if (grant === 'client_credentials' && client.clientType === 'public')
    throw new OAuthError('unauthorized_client', 'A public client cannot use the client_credentials grant; it signs users in (authorization_code).');
  return grant;
}

/** Step 5 (client credentials): the scopes to grant — all of the client's, or the subset it asked for (RFC 6749 §3.3). */
function grantScopes(params: Parameters, client: ApiClient): string[] {
  if (params.scope === undefined) return client.scopes;
  const requested = params.scope.split(' ').filter(Boolean);
  if (requested.length === 0 || requested.some((s) => !isScopeToken(s)))
    throw new OAuthError('invalid_scope', 'The scope parameter must be space-separated scope names.');
  const notAllowed = requested.filter((s) => !client.scopes.includes(s));
  if (notAllowed.length) {
    // Only what looks like a scope of the catalogue is repeated back: a client that put its secret in the wrong
    // field must not get it reflected.
    const named = notAllowed.filter((s) => SCOPE_SHAPE.test(s));
    const which = named.length === notAllowed.length ? `: ${named.join(', ')}` : named.length ? `: ${named.join(', ')} and other values` : '';
    throw new OAuthError('invalid_scope', `The client may not request the scope${notAllowed.length === 1 ? '' : 's'} asked for${which}.`);
  }
  return [...new Set(requested)].sort();
}

/** The response of every grant: the access token, and for the user grants the rotated refresh token. */
function tokenResponse(issued: { token: string; expiresIn: number; scope: string }, refreshToken?: string) {
  return {
    status: 200 as const,
    body: {
      access_token: issued.token,
      token_type: 'Bearer' as const,
      expires_in: issued.expiresIn,
      scope: issued.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    },
    headers: NO_STORE,
  };
}

export function tokenEndpoint(keys: SigningKeys, settings: TokenEndpointSettings): Handler<'issueToken', ServerContext> {
  return async (req, ctx) => {
    const params = parameters(req, settings.allowQueryCredentials);
    const client = authenticate(credentials(req, params), ctx);
    ctx.identify?.(client.clientId);
    const grant = checkGrant(params, client);
    const lifetime = client.tokenLifetime ?? settings.defaultLifetime;
    const grantFor = { clientId: client.clientId, lifetime, secretVersion: client.secretVersion, now: ctx.now() };
    if (grant === 'client_credentials') {
      const scope = grantScopes(params, client).join(' ');
      return tokenResponse(await issueAccessToken(keys, settings, { ...grantFor, scope }));
    }
    const user: UserIssue = grant === 'authorization_code' ? exchangeCode(ctx.db, client, params, ctx.now()) : refresh(ctx.db, client, params, ctx.now());
    // Signed first, stored second: a signing failure leaves the code or refresh token unspent.
    const issued = await issueAccessToken(keys, settings, { ...grantFor, scope: user.scope, subject: user.user.username, grantId: user.grantId });
    const refreshToken = user.commit();
    if (refreshToken === undefined) throw reuseDetected();
    return tokenResponse(issued, refreshToken);
  };
}
