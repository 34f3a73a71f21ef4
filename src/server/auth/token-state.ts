/**
 * Whether an access token whose signature and claims are fine is still in force: not revoked one by one, and —
 * for a user's token — its grant not ended and its user still active. The bearer guard and introspection ask the
 * same question, so they can never disagree about a token.
 */
import type { ApiClient } from '../clients/repository.js';
import type { Db } from '../store/db.js';
import { findUserById } from '../users/repository.js';
import { findGrant, isAccessTokenRevoked } from './grants.js';
import type { AccessTokenClaims } from './tokens.js';

/** Why a token of this client is no longer in force, or undefined when it is. */
export function revocationOf(db: Db, claims: AccessTokenClaims, client: ApiClient): string | undefined {
  if (claims.jti && isAccessTokenRevoked(db, claims.jti)) return 'The access token was revoked.';
  if (claims.grant_id === undefined) return undefined;
  const grant = findGrant(db, claims.grant_id);
  if (!grant || grant.clientRowId !== client.rowId || grant.revokedAt !== null) return 'The authorization this access token was issued under has ended.';
  if (!findUserById(db, grant.userId)?.active) return 'The user of this access token is disabled.';
  return undefined;
}
