/**
 * POST /oauth/introspect — token introspection (RFC 7662) as named steps:
 *
 *   token parameter → client authentication (confidential clients only) → find the token → in force? → its own?
 *
 * Only the client a token was issued to learns about it; every other case — unknown, expired, revoked, ended
 * grant, another client's token — is `{"active": false}` and nothing more (§2.2), so that the endpoint cannot be
 * used to probe for tokens (§4).
 */
import { OAuthError } from '../../contract/errors.js';
import type { Handler } from '../../contract/route-table.js';
import type { components } from '../../contract/generated/types.js';
import { findClient } from '../clients/repository.js';
import type { ServerContext } from '../context.js';
import { findUserById } from '../users/repository.js';
import { authenticatePresented, presentedClient } from './client-authentication.js';
import type { SigningKeys } from './keys.js';
import { findToken, type FoundToken } from './token-lookup.js';
import { revocationOf } from './token-state.js';
import type { TokenSettings } from './tokens.js';

type Introspection = components['schemas']['IntrospectionResponse'];
const INACTIVE: Introspection = { active: false };
const NO_STORE = { 'Cache-Control': 'no-store' } as const;

function formValue(body: unknown, name: string): string | undefined {
  const v = ((body ?? {}) as Record<string, unknown>)[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** What an access token says, when it is in force and was issued to `clientId`. */
function describeAccessToken(ctx: ServerContext, found: Extract<FoundToken, { kind: 'access_token' }>, clientId: string): Introspection {
  const c = found.claims;
  const owner = findClient(ctx.db, c.client_id);
  if (c.client_id !== clientId || !owner?.active || owner.secretVersion !== c.sver || revocationOf(ctx.db, c, owner)) return INACTIVE;
  return {
    active: true,
    scope: c.scope,
    client_id: c.client_id,
    ...(c.grant_id ? { username: c.sub } : {}),
    token_type: 'Bearer',
    exp: c.exp,
    iat: c.iat,
    ...(c.nbf !== undefined ? { nbf: c.nbf } : {}),
    sub: c.sub,
    aud: Array.isArray(c.aud) ? c.aud[0]! : c.aud,
    iss: c.iss,
    jti: c.jti,
  };
}

/** What a refresh token says, when it is its grant's current one, unexpired, and the grant is this client's and in force. */
function describeRefreshToken(
  ctx: ServerContext,
  found: Extract<FoundToken, { kind: 'refresh_token' }>,
  clientRowId: number,
  clientId: string,
  now: number,
): Introspection {
  const { record, grant } = found;
  const user = findUserById(ctx.db, grant.userId);
  if (grant.clientRowId !== clientRowId || grant.revokedAt !== null || record.usedAt !== null || now >= record.expiresAt || !user?.active) return INACTIVE;
  return {
    active: true,
    scope: grant.scope,
    client_id: clientId,
    username: user.username,
    token_type: 'refresh_token',
    exp: record.expiresAt,
    sub: user.username,
  };
}

export function introspectionEndpoint(keys: SigningKeys, settings: TokenSettings): Handler<'introspectToken', ServerContext> {
  return async (req, ctx) => {
    const form = { client_id: formValue(req.body, 'client_id'), client_secret: formValue(req.body, 'client_secret') };
    const presented = presentedClient(req.raw?.headers.get('authorization') ?? null, form);
    const client = authenticatePresented(ctx.db, presented, { allowPublic: false, failureStatus: 401 });
    const token = formValue(req.body, 'token');
    if (token === undefined) throw new OAuthError('invalid_request', 'The token parameter is required.');
    const now = ctx.now();
    const found = await findToken(ctx.db, keys, settings, token, formValue(req.body, 'token_type_hint'), now);
    const body =
      found.kind === 'access_token'
        ? describeAccessToken(ctx, found, client.clientId)
        : found.kind === 'refresh_token'
          ? describeRefreshToken(ctx, found, client.rowId, client.clientId, Math.floor(now.getTime() / 1000))
          : INACTIVE;
    return { status: 200, body, headers: NO_STORE };
  };
}
