/**
 * POST /oauth/token — the client-credentials grant (RFC 6749 §4.4) with the client authentication rules of
 * §2.3 and the error rules of §5.2. The request body has already been parsed and checked against the contract
 * (repeated parameters are refused there; unknown ones pass and are ignored here).
 */
import { isScopeToken, parseBasicAuthorization } from '../../rfc/oauth.js';
import { oauthError, type OAuthErrorCode } from '../../contract/outcome.js';
import type { Handler, HandlerResponse } from '../../contract/route-table.js';
import { authenticateClient } from '../clients/repository.js';
import type { ServerContext } from '../context.js';
import type { SigningKeys } from './keys.js';
import { issueAccessToken, type TokenSettings } from './tokens.js';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export interface TokenEndpointSettings extends TokenSettings {
  defaultLifetime: number;
  allowQueryCredentials: boolean;
}

type TokenResponse = HandlerResponse<'issueToken'>;

function fail(error: OAuthErrorCode, description: string, basic = false): TokenResponse {
  if (basic) return { status: 401, body: oauthError(error, description), headers: { ...NO_STORE, 'WWW-Authenticate': 'Basic realm="openspp"' } };
  return { status: 400, body: oauthError(error, description), headers: NO_STORE };
}

/** Parameters sent without a value count as omitted (RFC 6749 §3.2). */
function field(source: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = source?.[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function tokenEndpoint(keys: SigningKeys, settings: TokenEndpointSettings): Handler<'issueToken', ServerContext> {
  return async (req, ctx) => {
    const query = req.query as Record<string, string | undefined>;
    const fromQuery = ['client_id', 'client_secret', 'grant_type'].some((k) => query[k] !== undefined);
    if (fromQuery && !settings.allowQueryCredentials)
      return fail('invalid_request', 'Client credentials must not be sent in the URL query; send them in the body or with HTTP Basic.');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const params: Record<string, string | undefined> = {};
    for (const name of ['grant_type', 'client_id', 'client_secret', 'scope']) {
      const inBody = field(body, name);
      const inQuery = fromQuery ? field(query, name) : undefined;
      if (inBody !== undefined && inQuery !== undefined) return fail('invalid_request', `The parameter ${name} was sent twice (query and body).`);
      params[name] = inBody ?? inQuery;
    }

    const authorization = req.raw.headers.get('authorization');
    let clientId = params.client_id;
    let secret = params.client_secret;
    const usedBasic = authorization !== null;
    if (usedBasic) {
      const basic = parseBasicAuthorization(authorization);
      if (!basic) return fail('invalid_client', 'The Authorization header must be HTTP Basic with the url-encoded client id and secret.', true);
      if (secret !== undefined) return fail('invalid_request', 'The client authenticated in more than one way (HTTP Basic and client_secret); use one.');
      if (clientId !== undefined && clientId !== basic.id) return fail('invalid_request', 'The client_id parameter does not match the HTTP Basic credentials.');
      clientId = basic.id;
      secret = basic.secret;
    }
    if (params.grant_type === undefined) return fail('invalid_request', 'The grant_type parameter is required (client_credentials).');
    if (clientId === undefined || secret === undefined)
      return fail('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret in the body.');
    const client = authenticateClient(ctx.db, clientId, secret);
    if (!client) return fail('invalid_client', 'Invalid client credentials.', usedBasic);
    if (params.grant_type !== 'client_credentials') return fail('unsupported_grant_type', 'Only the client_credentials grant is supported.');

    let granted = client.scopes;
    if (params.scope !== undefined) {
      const requested = params.scope.split(' ').filter(Boolean);
      const malformed = requested.filter((s) => !isScopeToken(s));
      if (malformed.length || requested.length === 0) return fail('invalid_scope', 'The scope parameter must be space-separated scope names.');
      const notAllowed = requested.filter((s) => !client.scopes.includes(s));
      if (notAllowed.length) return fail('invalid_scope', `The client may not request: ${notAllowed.join(', ')}.`);
      granted = [...new Set(requested)].sort();
    }
    const issued = await issueAccessToken(keys, settings, {
      clientId: client.clientId,
      scope: granted.join(' '),
      lifetime: client.tokenLifetime ?? settings.defaultLifetime,
      secretVersion: client.secretVersion,
      now: ctx.now(),
    });
    return {
      status: 200,
      body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope },
      headers: NO_STORE,
    };
  };
}
