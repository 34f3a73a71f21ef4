/**
 * Refresh tokens with rotation and reuse detection (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1): every refresh uses up
 * the token presented and issues a new one in the same family (the grant). A used-up token presented again means
 * two parties hold the family — the server cannot tell which is the thief, so it ends the whole grant.
 */
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { opaqueToken, tokenHash } from './grants.js';

/** How long an unused refresh token stays valid: a user who does nothing for two weeks signs in again. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 14 * 86_400;

export interface RefreshTokenRecord {
  grantId: string;
  expiresAt: number;
  /** When a refresh rotated it away; null while it is the family's current token. */
  usedAt: number | null;
}

/** A new refresh token of a grant (call inside the transaction that creates the grant or rotates the family). */
export function issueRefreshToken(db: Db, grantId: string, now: number): string {
  const token = opaqueToken();
  stmt(db, 'INSERT INTO refresh_tokens (token_hash, grant_id, expires_at) VALUES (?, ?, ?)').run(
    tokenHash(token),
    grantId,
    now + REFRESH_TOKEN_LIFETIME_SECONDS,
  );
  return token;
}

export function findRefreshToken(db: Db, token: string): RefreshTokenRecord | undefined {
  const r = stmt(db, 'SELECT grant_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = ?').get(tokenHash(token)) as
    { grant_id: string; expires_at: number; used_at: number | null } | undefined;
  return r ? { grantId: r.grant_id, expiresAt: r.expires_at, usedAt: r.used_at } : undefined;
}

/**
 * Uses the token up and issues its successor, in one transaction; undefined when another request used it first
 * (the caller treats that as reuse).
 */
export function rotateRefreshToken(db: Db, token: string, grantId: string, now: number): string | undefined {
  return db.transaction(() => {
    const used = stmt(db, 'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(now, tokenHash(token)).changes === 1;
    return used ? issueRefreshToken(db, grantId, now) : undefined;
  })();
}
