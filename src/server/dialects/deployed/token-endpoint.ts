/**
 * POST /oauth/token as the deployed module serves it (implementation note §1), in named steps:
 *
 *   credentials (Basic, form, or JSON — the module's order) → grant type → client authentication → issue
 *
 * Refusals are the module's `{"detail": …}` answers: 400 for an unreadable request or another grant, 401
 * `Invalid client credentials` (no challenge). Every token carries all of the client's scopes that the deployed
 * contract knows; a `scope` field is ignored, as the module does.
 */
import { deployedContract } from '../../../contract/contract.js';
import { ApiError } from '../../../contract/errors.js';
import type { Handler, HandlerRequest, DeployedOperations } from '../../../contract/route-table.js';
import { parseBasicAuthorization } from '../../../rfc/oauth.js';
import { authenticateClient, type ApiClient } from '../../clients/repository.js';
import type { ServerContext } from '../../context.js';
import type { SigningKeys } from '../../auth/keys.js';
import { issueAccessToken, type TokenSettings } from '../../auth/tokens.js';

type TokenRequest = HandlerRequest<'issueToken', DeployedOperations>;
interface Credentials {
  grantType: string;
  clientId: string;
  secret: string;
}

const UNPARSEABLE = 'Unable to parse token request. Send credentials via HTTP Basic Auth header, form-encoded body, or JSON body.';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Step 1: the credentials, looked for where the module looks, in its order; a decoding failure of Basic is ignored. */
function credentials(req: TokenRequest): Credentials {
  const header = req.raw?.headers.get('authorization');
  const basic = header ? parseBasicAuthorization(header, { formEncoded: false }) : undefined;
  const body = (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
  if (req.mediaType === 'application/x-www-form-urlencoded') {
    const clientId = text(body.client_id) ?? basic?.id;
    const secret = text(body.client_secret) ?? basic?.secret;
    if (clientId !== undefined && secret !== undefined) return { grantType: text(body.grant_type) ?? '', clientId, secret };
  } else {
    const [grantType, clientId, secret] = [text(body.grant_type), text(body.client_id), text(body.client_secret)];
    if (grantType !== undefined && clientId !== undefined && secret !== undefined) return { grantType, clientId, secret };
  }
  if (basic) return { grantType: 'client_credentials', clientId: basic.id, secret: basic.secret };
  throw new ApiError('MALFORMED_REQUEST', UNPARSEABLE);
}

/** Step 2: the one grant the module offers. */
function checkGrant(c: Credentials): void {
  if (c.grantType !== 'client_credentials') throw new ApiError('MALFORMED_REQUEST', "Unsupported grant_type. Only 'client_credentials' is supported.");
}

/** Step 3: the client and its secret; an unknown client, a wrong secret and an inactive client get the same 401. */
function authenticate(c: Credentials, ctx: ServerContext): ApiClient {
  const client = c.clientId && c.secret ? authenticateClient(ctx.db, c.clientId, c.secret) : undefined;
  if (!client) throw new ApiError('AUTHENTICATION_REQUIRED', 'Invalid client credentials');
  return client;
}

/** The module lists scopes ordered by resource, then action. */
const scopeOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function deployedTokenEndpoint(
  keys: SigningKeys,
  settings: TokenSettings & { defaultLifetime: number },
): Handler<'issueToken', ServerContext, DeployedOperations> {
  return async (req, ctx) => {
    const c = credentials(req);
    checkGrant(c);
    const client = authenticate(c, ctx);
    // Only the scopes the module knows (resource:action over its resources): a client record shared with the
    // published dialect may hold others (consent:*), which the deployed contract does not have.
    const scope = [...client.scopes]
      .filter((s) => deployedContract.scopes.has(s))
      .sort(scopeOrder)
      .join(' ');
    const lifetime = client.tokenLifetime ?? settings.defaultLifetime;
    const issued = await issueAccessToken(keys, settings, { clientId: client.clientId, scope, lifetime, secretVersion: client.secretVersion, now: ctx.now() });
    return { status: 200, body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope } };
  };
}
