/**
 * Bearer authentication for secured operations (RFC 6750): finds the token, verifies it, and loads the client as
 * it is now — a disabled client or a rotated secret revokes its tokens at once, a removed scope is gone at once, a
 * revoked token or an ended grant (a user's token) is refused at once.
 * Scopes are then checked against the contract by the operation call itself (contract/invoke.ts).
 */
import { ApiError } from '../../contract/errors.js';
import { bearerChallenge } from '../../rfc/oauth.js';
import { findClient } from '../clients/repository.js';
import type { Principal } from '../context.js';
import type { Db } from '../store/db.js';
import { ChangeStamp } from '../store/stamp.js';
import type { SigningKeys } from './keys.js';
import { revocationOf } from './token-state.js';
import { checkTimes, verifyAccessToken, type AccessTokenClaims, type TokenSettings } from './tokens.js';

export const REALM = 'openspp';

/** The client's own API rate limits (null = the server default). */
export interface ClientLimits {
  perMinute: number | null;
  perDay: number | null;
}

/** Why a sent token was refused. */
export type TokenRefusal = 'invalid' | 'expired' | 'client-inactive' | 'secret-rotated';

/** How a dialect finds the token in a request and words its 401s. */
export interface BearerStyle {
  /** The token of an `Authorization` header; throws the 401 for a missing or malformed header. */
  token(header: string | null, url: string): string;
  /** The 401 for a token that was sent and refused (`error` says why in the published words). */
  refuse(error: ApiError, why: TokenRefusal): ApiError;
  /** Whether a token allows the client's scopes as they are now (the module's rule) rather than those it was issued with. */
  currentScopes?: boolean;
}

/** A 401 with the RFC 6750 challenge: no `error` attribute when no credentials were sent (§3.1). */
function unauthorized(error: ApiError, credentialsSent: boolean): ApiError {
  const params = credentialsSent ? { error: 'invalid_token', error_description: error.message } : {};
  return error.withHeaders({ 'WWW-Authenticate': bearerChallenge(REALM, params) });
}

/** The published dialect: RFC 6750 to the letter — `Bearer <token>` only, a challenge on every 401. */
export const rfc6750Bearer: BearerStyle = {
  token(header, url) {
    if (!header) {
      const inQuery = new URL(url).searchParams.has('access_token');
      const text = inQuery
        ? "Access tokens are not accepted in the URL. Send 'Authorization: Bearer <token>'."
        : "This operation needs an access token: send 'Authorization: Bearer <token>'.";
      throw unauthorized(new ApiError('AUTHENTICATION_REQUIRED', text), false);
    }
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) throw unauthorized(new ApiError('INVALID_TOKEN', "The Authorization header must be 'Bearer <token>'."), true);
    return match[1]!;
  },
  refuse: (error) => unauthorized(error, true),
};

const DEPLOYED_TEXT: Record<TokenRefusal, string> = {
  invalid: 'Invalid token',
  expired: 'Token expired',
  'client-inactive': 'Client not found or inactive',
  'secret-rotated': 'Invalid token',
};

/**
 * The deployed module's wording: `Bearer ` is optional (a bare token is accepted), only the missing-header 401
 * carries `WWW-Authenticate: Bearer`, and the texts are the module's fixed ones.
 */
export const deployedBearer: BearerStyle = {
  token(header) {
    const value = header?.trim();
    if (!value) throw new ApiError('AUTHENTICATION_REQUIRED', 'Missing Authorization header', { headers: { 'WWW-Authenticate': 'Bearer' } });
    return /^bearer /i.test(value) ? value.slice(7).trim() : value;
  },
  refuse: (error, why) => new ApiError(error.code, DEPLOYED_TEXT[why]),
  currentScopes: true,
};

/** What a bearer token stands for once verified: its claims, the client as it is, its limits. */
interface Authenticated {
  claims: AccessTokenClaims;
  principal: Principal;
  limits: ClientLimits;
}

/** Tokens remembered at most; past this the cache starts over (a token costs one verification more). */
const CACHE_SIZE = 10_000;

/**
 * Tokens that verified, with the client, grant and user state they were checked against — remembered only while
 * none of that can have changed (store/stamp.ts: a write of this connection, or a commit of any other, such as
 * `spp-kit clients disable|scopes|rotate-secret` in another process, empties the cache). So a disabled,
 * re-scoped or rotated client is refused on its very next request. The clock-dependent claims (exp, nbf, iat)
 * are checked on every use.
 */
export class BearerCache {
  private readonly entries = new Map<string, Authenticated>();
  private readonly stamp: ChangeStamp;

  constructor(db: Db) {
    this.stamp = new ChangeStamp(db);
  }

  /** The entry for `token` if the database is as it was when it was stored. */
  get(token: string): Authenticated | undefined {
    if (this.stamp.moved()) {
      this.entries.clear();
      return undefined;
    }
    return this.entries.get(token);
  }

  set(token: string, entry: Authenticated): void {
    if (!this.stamp.settled) return;
    if (this.entries.size >= CACHE_SIZE) this.entries.clear();
    this.entries.set(token, entry);
  }
}

/** The authenticated client of a request, with its own limits; throws a 401 ApiError for anything else. */
export async function authenticateBearer(
  db: Db,
  keys: SigningKeys,
  settings: TokenSettings,
  request: { headers: Headers; url: string },
  now: Date,
  style: BearerStyle = rfc6750Bearer,
  cache?: BearerCache,
): Promise<{ principal: Principal; limits: ClientLimits }> {
  const token = style.token(request.headers.get('authorization'), request.url);
  const known = cache?.get(token);
  if (known) {
    try {
      checkTimes(known.claims, settings, now);
    } catch (e) {
      throw e instanceof ApiError ? style.refuse(e, e.code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid') : e;
    }
    return known;
  }
  let claims;
  try {
    claims = await verifyAccessToken(keys, settings, token, now);
  } catch (e) {
    throw e instanceof ApiError ? style.refuse(e, e.code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid') : e;
  }
  const client = findClient(db, claims.client_id);
  if (!client || !client.active) throw style.refuse(new ApiError('INVALID_TOKEN', 'The client of this access token is disabled.'), 'client-inactive');
  if (client.secretVersion !== claims.sver) {
    const error = new ApiError('INVALID_TOKEN', 'The client secret was rotated after this access token was issued. Request a new one.');
    throw style.refuse(error, 'secret-rotated');
  }
  const revoked = revocationOf(db, claims, client);
  if (revoked) throw style.refuse(new ApiError('INVALID_TOKEN', revoked), 'invalid');
  // The token's scopes, less any the client has lost since it was issued (or, in the module's rule, the client's own).
  const current = new Set(client.scopes);
  const scopes = style.currentScopes ? current : new Set(claims.scope.split(' ').filter((s) => current.has(s)));
  const authenticated: Authenticated = {
    claims,
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
  cache?.set(token, authenticated);
  return authenticated;
}
