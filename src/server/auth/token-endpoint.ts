/**
 * POST /oauth/token — the client-credentials grant (RFC 6749 §4.4) as a list of named steps, each of which
 * passes or refuses with an OAuthError (rendered once, as an RFC 6749 §5.2 body):
 *
 *   parameters → credentials (one method, §2.3) → client authentication → grant type → scope (§3.3) → issue
 *
 * The body was already parsed and checked against the contract (repeated parameters are refused there; unknown
 * ones pass and are ignored here).
 */
import { OAuthError } from '../../contract/errors.js';
import type { Handler, HandlerRequest } from '../../contract/route-table.js';
import { isScopeToken, parseBasicAuthorization } from '../../rfc/oauth.js';
import { authenticateClient, type ApiClient } from '../clients/repository.js';
import type { ServerContext } from '../context.js';
import type { SigningKeys } from './keys.js';
import { issueAccessToken, type TokenSettings } from './tokens.js';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;
/** The shape of every scope of the contract's catalogue: `resource:action`. */
const SCOPE_SHAPE = /^[a-z][a-z_]{0,39}:[a-z]{1,20}$/;

export interface TokenEndpointSettings extends TokenSettings {
  defaultLifetime: number;
  allowQueryCredentials: boolean;
}

type TokenRequest = HandlerRequest<'issueToken'>;
type Parameters = Partial<Record<'grant_type' | 'client_id' | 'client_secret' | 'scope', string>>;

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
  for (const name of ['grant_type', 'client_id', 'client_secret', 'scope'] as const) {
    const inBody = field(body, name);
    const inQuery = fromQuery ? field(query, name) : undefined;
    if (inBody !== undefined && inQuery !== undefined) throw new OAuthError('invalid_request', `The parameter ${name} was sent twice (query and body).`);
    params[name] = inBody ?? inQuery;
  }
  return params;
}

interface Credentials {
  clientId: string;
  secret: string;
  basic: boolean;
}

/** Step 2: exactly one client authentication method — HTTP Basic, or id and secret in the body. */
function credentials(req: TokenRequest, params: Parameters): Credentials {
  const authorization = req.raw?.headers.get('authorization') ?? null;
  let clientId = params.client_id;
  let secret = params.client_secret;
  const basic = authorization !== null;
  if (basic) {
    const pair = parseBasicAuthorization(authorization);
    if (!pair) throw new OAuthError('invalid_client', 'The Authorization header must be HTTP Basic with the url-encoded client id and secret.', { basic });
    if (secret !== undefined) throw new OAuthError('invalid_request', 'The client authenticated in more than one way (HTTP Basic and client_secret); use one.');
    if (clientId !== undefined && clientId !== pair.id)
      throw new OAuthError('invalid_request', 'The client_id parameter does not match the HTTP Basic credentials.');
    clientId = pair.id;
    secret = pair.secret;
  }
  if (params.grant_type === undefined) throw new OAuthError('invalid_request', 'The grant_type parameter is required (client_credentials).');
  if (clientId === undefined || secret === undefined) {
    throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret in the body.');
  }
  return { clientId, secret, basic };
}

/** Step 3: the client and its secret (the same work whether or not the client exists). */
function authenticate({ clientId, secret, basic }: Credentials, ctx: ServerContext): ApiClient {
  const client = authenticateClient(ctx.db, clientId, secret);
  if (!client) throw new OAuthError('invalid_client', 'Invalid client credentials.', { basic });
  return client;
}

/** Step 4: the one grant this server offers. */
function checkGrant(params: Parameters): void {
  if (params.grant_type !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
}

/** Step 5: the scopes to grant — all of the client's, or the subset it asked for (RFC 6749 §3.3). */
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

export function tokenEndpoint(keys: SigningKeys, settings: TokenEndpointSettings): Handler<'issueToken', ServerContext> {
  return async (req, ctx) => {
    const params = parameters(req, settings.allowQueryCredentials);
    const client = authenticate(credentials(req, params), ctx);
    ctx.identify?.(client.clientId);
    checkGrant(params);
    const scope = grantScopes(params, client).join(' ');
    const lifetime = client.tokenLifetime ?? settings.defaultLifetime;
    const issued = await issueAccessToken(keys, settings, { clientId: client.clientId, scope, lifetime, secretVersion: client.secretVersion, now: ctx.now() });
    return {
      status: 200,
      body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope },
      headers: NO_STORE,
    };
  };
}
