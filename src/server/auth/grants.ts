/**
 * Grants: one authorization of a client by a user, created when its code is exchanged. Every refresh token and
 * every access token of the user flows belongs to one grant (the access token names it in `grant_id`), so that
 * ending the grant ends them all at once — on code reuse, on refresh-token reuse, on revocation of a refresh
 * token. Access tokens may also be revoked one by one (RFC 7009), by their `jti`.
 *
 * Codes and refresh tokens are opaque: 256 random bits, stored as SHA-256 hashes only.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';

/** A new code or refresh token: 32 random bytes, base64url (43 characters). */
export function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How codes and refresh tokens are looked up: by hash, so the database never holds one that works. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface Grant {
  id: string;
  clientRowId: number;
  userId: number;
  scope: string;
  revokedAt: number | null;
}

interface GrantRow {
  id: string;
  client_row_id: number;
  user_id: number;
  scope: string;
  revoked_at: number | null;
}

const toGrant = (r: GrantRow): Grant => ({ id: r.id, clientRowId: r.client_row_id, userId: r.user_id, scope: r.scope, revokedAt: r.revoked_at });

/** A new grant (call inside the transaction that consumes its code). */
export function createGrant(db: Db, g: { clientRowId: number; userId: number; scope: string; now: number; id?: string }): string {
  const id = g.id ?? randomUUID();
  stmt(db, 'INSERT INTO oauth_grants (id, client_row_id, user_id, scope, created_at) VALUES (?, ?, ?, ?, ?)').run(id, g.clientRowId, g.userId, g.scope, g.now);
  return id;
}

export function findGrant(db: Db, id: string): Grant | undefined {
  const row = stmt(db, 'SELECT id, client_row_id, user_id, scope, revoked_at FROM oauth_grants WHERE id = ?').get(id) as GrantRow | undefined;
  return row ? toGrant(row) : undefined;
}

/** Ends a grant: its refresh tokens and access tokens stop working. The first reason is kept. */
export function revokeGrant(db: Db, id: string, reason: string, now: number): void {
  stmt(db, 'UPDATE oauth_grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL').run(now, reason, id);
}

/** One access token refused from now on, until it would have expired anyway. */
export function revokeAccessToken(db: Db, jti: string, exp: number, now: number): void {
  stmt(db, 'INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)').run(jti, exp);
  // Rows of tokens that have expired meanwhile are of no further use.
  stmt(db, 'DELETE FROM revoked_access_tokens WHERE expires_at < ?').run(now);
}

export function isAccessTokenRevoked(db: Db, jti: string): boolean {
  return stmt(db, 'SELECT 1 FROM revoked_access_tokens WHERE jti = ?').get(jti) !== undefined;
}
