/**
 * Authorization codes: one-time, 60 seconds, bound to the client, the redirect URI, the approved scopes, the user
 * and the PKCE challenge (OAuth 2.1 §4.1.2). An exchanged code is kept (with the grant it created) until a day
 * after it expired, so that a second exchange can still be recognised as reuse and revoke that grant.
 */
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { opaqueToken, tokenHash } from './grants.js';

/** Long enough for a browser redirect and a token request; short, because a leaked code is a leaked grant. */
export const CODE_LIFETIME_SECONDS = 60;
/** How long an exchanged or expired code is remembered, to recognise reuse. */
const REMEMBER_SECONDS = 86_400;

export interface CodeRecord {
  clientRowId: number;
  userId: number;
  redirectUri: string;
  /** Whether the authorization request named the redirect URI (then the token request must repeat it). */
  redirectUriSent: boolean;
  scope: string;
  /** S256 challenge, or null when the (confidential) client used no PKCE. */
  codeChallenge: string | null;
  expiresAt: number;
  /** The grant the code was exchanged for; null while unused. */
  grantId: string | null;
}

interface Row {
  client_row_id: number;
  user_id: number;
  redirect_uri: string;
  redirect_uri_sent: number;
  scope: string;
  code_challenge: string | null;
  expires_at: number;
  grant_id: string | null;
}

export function issueCode(
  db: Db,
  c: { clientRowId: number; userId: number; redirectUri: string; redirectUriSent: boolean; scope: string; codeChallenge: string | null; now: number },
): string {
  const code = opaqueToken();
  db.transaction(() => {
    stmt(db, 'DELETE FROM authorization_codes WHERE expires_at < ?').run(c.now - REMEMBER_SECONDS);
    stmt(
      db,
      `INSERT INTO authorization_codes (code_hash, client_row_id, user_id, redirect_uri, redirect_uri_sent, scope, code_challenge, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(tokenHash(code), c.clientRowId, c.userId, c.redirectUri, c.redirectUriSent ? 1 : 0, c.scope, c.codeChallenge, c.now + CODE_LIFETIME_SECONDS);
  })();
  return code;
}

export function findCode(db: Db, code: string): CodeRecord | undefined {
  const r = stmt(db, 'SELECT * FROM authorization_codes WHERE code_hash = ?').get(tokenHash(code)) as Row | undefined;
  if (!r) return undefined;
  return {
    clientRowId: r.client_row_id,
    userId: r.user_id,
    redirectUri: r.redirect_uri,
    redirectUriSent: r.redirect_uri_sent === 1,
    scope: r.scope,
    codeChallenge: r.code_challenge,
    expiresAt: r.expires_at,
    grantId: r.grant_id,
  };
}

/**
 * Marks the code exchanged for `grantId` (call inside the transaction that creates the grant). False when another
 * request exchanged it first: the caller then treats this request as reuse.
 */
export function consumeCode(db: Db, code: string, grantId: string): boolean {
  return stmt(db, 'UPDATE authorization_codes SET grant_id = ? WHERE code_hash = ? AND grant_id IS NULL').run(grantId, tokenHash(code)).changes === 1;
}

/** The grant a used code was exchanged for (read again after losing a race). */
export function grantOfCode(db: Db, code: string): string | null {
  return (
    (stmt(db, 'SELECT grant_id FROM authorization_codes WHERE code_hash = ?').get(tokenHash(code)) as { grant_id: string | null } | undefined)?.grant_id ?? null
  );
}
