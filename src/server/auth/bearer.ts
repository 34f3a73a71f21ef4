/**
 * Bearer protection for secured operations (RFC 6750): finds the token, verifies it, loads the client as it is
 * now (a disabled client or a rotated secret revokes its tokens at once) and checks the operation's scopes as
 * the contract declares them.
 */
import { toOAuthText } from '../../rfc/oauth.js';
import { outcomeResponse } from '../../contract/mount.js';
import { scopesAllow, type OperationSpec } from '../../contract/operations.js';
import { findClient } from '../clients/repository.js';
import type { Principal } from '../context.js';
import type { Db } from '../store/db.js';
import type { SigningKeys } from './keys.js';
import { verifyAccessToken, type TokenSettings } from './tokens.js';

const REALM = 'realm="openspp"';

/** The client's own API rate limits (null = the server default). */
export interface ClientLimits {
  perMinute: number | null;
  perDay: number | null;
}

export type AuthResult = { ok: true; principal: Principal; limits: ClientLimits } | { ok: false; response: Response };

function unauthorized(
  code: 'AUTHENTICATION_REQUIRED' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED',
  text: string,
  withError: boolean,
): { ok: false; response: Response } {
  // No `error` attribute when no credentials were sent (RFC 6750 §3.1).
  const challenge = withError ? `Bearer ${REALM}, error="invalid_token", error_description="${toOAuthText(text)}"` : `Bearer ${REALM}`;
  return { ok: false, response: outcomeResponse({ code, text }, [], { 'WWW-Authenticate': challenge }) };
}

export async function authenticateBearer(db: Db, keys: SigningKeys, settings: TokenSettings, request: Request, now: Date): Promise<AuthResult> {
  const header = request.headers.get('authorization');
  if (!header) {
    const inQuery = new URL(request.url).searchParams.has('access_token');
    return unauthorized(
      'AUTHENTICATION_REQUIRED',
      inQuery
        ? "Access tokens are not accepted in the URL. Send 'Authorization: Bearer <token>'."
        : "This operation needs an access token: send 'Authorization: Bearer <token>'.",
      false,
    );
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) return unauthorized('INVALID_TOKEN', "The Authorization header must be 'Bearer <token>'.", true);
  const verified = await verifyAccessToken(keys, settings, match[1]!, now);
  if (!verified.ok) {
    const text =
      verified.code === 'TOKEN_EXPIRED' && verified.expiredAt
        ? `The access token expired at ${verified.expiredAt.toISOString()}. Request a new one.`
        : verified.reason;
    return unauthorized(verified.code, text, true);
  }
  const { claims } = verified;
  const client = findClient(db, claims.client_id);
  if (!client || !client.active) return unauthorized('INVALID_TOKEN', 'The client of this access token is disabled.', true);
  if (client.secretVersion !== claims.sver)
    return unauthorized('INVALID_TOKEN', 'The client secret was rotated after this access token was issued. Request a new one.', true);
  // The token's scopes, less any the client has lost since it was issued.
  const current = new Set(client.scopes);
  const scopes = new Set(claims.scope.split(' ').filter((s) => current.has(s)));
  return {
    ok: true,
    limits: { perMinute: client.rateLimitPerMinute, perDay: client.rateLimitPerDay },
    principal: {
      clientId: client.clientId,
      clientRowId: client.rowId,
      organizationId: client.organizationId,
      organizationCode: client.organizationCode,
      legalBasis: client.legalBasis,
      scopes,
    },
  };
}

/** 403 SCOPE_INSUFFICIENT naming the required and granted scopes, or nothing when the scopes allow the operation. */
export function checkScopes(op: OperationSpec, principal: Principal): Response | undefined {
  if (scopesAllow(op, principal.scopes)) return undefined;
  const required = op.security[0] ?? [];
  const alternatives = op.security.map((alt) => alt.join(' + ')).join(' or ');
  const granted = [...principal.scopes].sort().join(', ') || '(none)';
  return outcomeResponse({ code: 'SCOPE_INSUFFICIENT', text: `Required scope: ${alternatives}. Granted: ${granted}` }, [], {
    'WWW-Authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${required.join(' ')}"`,
  });
}
