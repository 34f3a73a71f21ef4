/**
 * POST /oauth/revoke — token revocation (RFC 7009) as named steps:
 *
 *   token parameter → client authentication (as at the token endpoint) → find the token → it is this client's → revoke
 *
 * A refresh token ends its whole grant (§2.1: the access tokens of the same grant go too); an access token is
 * refused from then on. Unknown, expired and already revoked tokens are answered 200 like the others (§2.2).
 */
import { OAuthError } from '../../contract/errors.js';
import type { Handler } from '../../contract/route-table.js';
import type { ServerContext } from '../context.js';
import { authenticatePresented, presentedClient } from './client-authentication.js';
import { revokeAccessToken, revokeGrant } from './grants.js';
import type { SigningKeys } from './keys.js';
import { findToken } from './token-lookup.js';
import type { TokenSettings } from './tokens.js';

type Form = { token?: string; token_type_hint?: string; client_id?: string; client_secret?: string };

/** Parameters sent without a value count as omitted (RFC 6749 §3.2, which RFC 7009 builds on). */
function formOf(body: unknown): Form {
  const f = (body ?? {}) as Record<string, unknown>;
  const pick = (k: string) => (typeof f[k] === 'string' && f[k] !== '' ? f[k] : undefined);
  return { token: pick('token'), token_type_hint: pick('token_type_hint'), client_id: pick('client_id'), client_secret: pick('client_secret') };
}

export function revocationEndpoint(keys: SigningKeys, settings: TokenSettings): Handler<'revokeToken', ServerContext> {
  return async (req, ctx) => {
    const form = formOf(req.body);
    const client = authenticatePresented(ctx.db, presentedClient(req.raw?.headers.get('authorization') ?? null, form), {
      allowPublic: true,
      failureStatus: 401,
    });
    if (form.token === undefined) throw new OAuthError('invalid_request', 'The token parameter is required.');
    const now = ctx.now();
    const t = Math.floor(now.getTime() / 1000);
    const found = await findToken(ctx.db, keys, settings, form.token, form.token_type_hint, now);
    if (found.kind === 'access_token') {
      if (found.claims.client_id !== client.clientId) throw new OAuthError('unauthorized_client', 'The token was not issued to this client.');
      revokeAccessToken(ctx.db, found.claims.jti, found.claims.exp, t);
    } else if (found.kind === 'refresh_token') {
      if (found.grant.clientRowId !== client.rowId) throw new OAuthError('unauthorized_client', 'The token was not issued to this client.');
      revokeGrant(ctx.db, found.grant.id, 'refresh token revoked by the client', t);
    }
    return { status: 200, body: undefined, headers: { 'Cache-Control': 'no-store' } };
  };
}
