/**
 * Bearer authentication for secured operations (RFC 6750): finds the token, verifies it, and loads the client as
 * it is now — a disabled client or a rotated secret revokes its tokens at once, a removed scope is gone at once.
 * Scopes are then checked against the contract by the operation call itself (contract/invoke.ts).
 */
import { ApiError } from '../../contract/errors.js';
import { bearerChallenge } from '../../rfc/oauth.js';
import { findClient } from '../clients/repository.js';
import type { Principal } from '../context.js';
import type { Db } from '../store/db.js';
import type { SigningKeys } from './keys.js';
import { verifyAccessToken, type TokenSettings } from './tokens.js';

export const REALM = 'openspp';

/** The client's own API rate limits (null = the server default). */
export interface ClientLimits {
  perMinute: number | null;
  perDay: number | null;
}

/** A 401 with the RFC 6750 challenge: no `error` attribute when no credentials were sent (§3.1). */
function unauthorized(error: ApiError, credentialsSent: boolean): ApiError {
  const params = credentialsSent ? { error: 'invalid_token', error_description: error.message } : {};
  return error.withHeaders({ 'WWW-Authenticate': bearerChallenge(REALM, params) });
}

/** The authenticated client of a request, with its own limits; throws a 401 ApiError for anything else. */
export async function authenticateBearer(
  db: Db,
  keys: SigningKeys,
  settings: TokenSettings,
  request: { headers: Headers; url: string },
  now: Date,
): Promise<{ principal: Principal; limits: ClientLimits }> {
  const header = request.headers.get('authorization');
  if (!header) {
    const inQuery = new URL(request.url).searchParams.has('access_token');
    const text = inQuery
      ? "Access tokens are not accepted in the URL. Send 'Authorization: Bearer <token>'."
      : "This operation needs an access token: send 'Authorization: Bearer <token>'.";
    throw unauthorized(new ApiError('AUTHENTICATION_REQUIRED', text), false);
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) throw unauthorized(new ApiError('INVALID_TOKEN', "The Authorization header must be 'Bearer <token>'."), true);
  let claims;
  try {
    claims = await verifyAccessToken(keys, settings, match[1]!, now);
  } catch (e) {
    throw e instanceof ApiError ? unauthorized(e, true) : e;
  }
  const client = findClient(db, claims.client_id);
  if (!client || !client.active) throw unauthorized(new ApiError('INVALID_TOKEN', 'The client of this access token is disabled.'), true);
  if (client.secretVersion !== claims.sver) {
    throw unauthorized(new ApiError('INVALID_TOKEN', 'The client secret was rotated after this access token was issued. Request a new one.'), true);
  }
  // The token's scopes, less any the client has lost since it was issued.
  const current = new Set(client.scopes);
  const scopes = new Set(claims.scope.split(' ').filter((s) => current.has(s)));
  return {
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
