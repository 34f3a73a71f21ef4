/**
 * The token endpoint's two user grants, as named steps; each passes or refuses with an OAuthError.
 *
 *   authorization_code (RFC 6749 §4.1.3, OAuth 2.1 §4.1.3):
 *     find the code → its client → not expired → same redirect URI → PKCE → not used before → exchange
 *   refresh_token (RFC 6749 §6, OAuth 2.1 §4.3.1):
 *     find the token → its client → grant in force → not used before → not expired → scope → rotate
 *
 * A code or refresh token presented a second time, with everything else right, ends the grant it created: every
 * token issued from it stops working (OAuth 2.1 §4.1.3, RFC 9700 §4.14.2). A request that is wrong in another way
 * (another client, another redirect URI, a wrong verifier) is refused without ending anything — otherwise anyone
 * who saw a code could end a user's grant (OAuth 2.1 §7.5.3).
 *
 * What is issued is decided here; signing and storing happen in one place (`issue`), the access token signed
 * before the transaction that consumes the code, so that nothing is stored for a token that was never made.
 */
import { createHash, randomUUID } from 'node:crypto';
import { OAuthError } from '../../contract/errors.js';
import type { ApiClient } from '../clients/repository.js';
import type { Db } from '../store/db.js';
import { findUserById, type User } from '../users/repository.js';
import { consumeCode, findCode, grantOfCode, type CodeRecord } from './authorization-codes.js';
import { createGrant, findGrant, revokeGrant, type Grant } from './grants.js';
import { findRefreshToken, issueRefreshToken, rotateRefreshToken, type RefreshTokenRecord } from './refresh-tokens.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface UserGrantParameters {
  code?: string | undefined;
  redirect_uri?: string | undefined;
  code_verifier?: string | undefined;
  refresh_token?: string | undefined;
  scope?: string | undefined;
}

/** What the token endpoint issues for a user grant: who, what, and how to store it once the access token is signed. */
export interface UserIssue {
  user: User;
  grantId: string;
  scope: string;
  /** Stores the grant's new state and returns the refresh token; undefined when the request lost a race (reuse). */
  commit(): string | undefined;
}

const nowSeconds = (now: Date) => Math.floor(now.getTime() / 1000);
const invalidGrant = (text: string) => new OAuthError('invalid_grant', text);

/** The scopes of a grant the client still holds (a scope removed from the client is gone from its users' tokens too). */
function heldScopes(scope: string, client: ApiClient): string[] {
  return scope.split(' ').filter((s) => s && client.scopes.includes(s));
}

function activeUser(db: Db, userId: number): User {
  const user = findUserById(db, userId);
  if (!user?.active) throw invalidGrant('The user of this grant is disabled.');
  return user;
}

// ── authorization_code ────────────────────────────────────────────────────────────────────────────────────

/** Step 1: the code, known and issued to this client (a code of another client is refused, and nothing ends). */
function codeOf(db: Db, params: UserGrantParameters, client: ApiClient): CodeRecord {
  if (params.code === undefined) throw new OAuthError('invalid_request', 'The code parameter is required (grant_type=authorization_code).');
  const record = findCode(db, params.code);
  if (!record) throw invalidGrant('The authorization code is unknown or expired.');
  if (record.clientRowId !== client.rowId) throw invalidGrant('The authorization code was issued to another client.');
  return record;
}

/** Step 2: not expired. */
function unexpired(record: CodeRecord, now: number): void {
  if (now >= record.expiresAt) throw invalidGrant('The authorization code expired.');
}

/** Step 3: the redirect URI of the authorization request, identical (RFC 6749 §4.1.3, §10.6). */
function sameRedirectUri(record: CodeRecord, params: UserGrantParameters): void {
  if (params.redirect_uri === undefined) {
    if (record.redirectUriSent) throw new OAuthError('invalid_request', 'The redirect_uri parameter is required: the authorization request named one.');
    return;
  }
  if (params.redirect_uri !== record.redirectUri) throw invalidGrant('The redirect_uri differs from the one of the authorization request.');
}

/**
 * Step 4: PKCE (RFC 7636 §4.6). A verifier is required exactly when the authorization request carried a
 * challenge: one sent for a code issued without a challenge is a downgrade attempt (RFC 9700 §4.8.2).
 */
function proofKey(record: CodeRecord, params: UserGrantParameters): void {
  const verifier = params.code_verifier;
  if (record.codeChallenge === null) {
    if (verifier !== undefined) throw invalidGrant('The authorization request carried no code_challenge, so no code_verifier may be sent.');
    return;
  }
  if (verifier === undefined) throw invalidGrant('The code_verifier is required: the authorization request carried a code_challenge.');
  if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_request', 'The code_verifier must be 43 to 128 characters A-Z a-z 0-9 - . _ ~.');
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (computed !== record.codeChallenge) throw invalidGrant('The code_verifier does not match the code_challenge.');
}

/** A second exchange of a valid code: the grant it created ends, and the request is refused. */
function reused(db: Db, grantId: string, now: number): OAuthError {
  revokeGrant(db, grantId, 'authorization code used twice', now);
  return invalidGrant('The authorization code was already used; the tokens issued from it are revoked.');
}

/** The authorization_code grant: what to issue, or an OAuthError. */
export function exchangeCode(db: Db, client: ApiClient, params: UserGrantParameters, now: Date): UserIssue {
  const t = nowSeconds(now);
  const record = codeOf(db, params, client);
  unexpired(record, t);
  sameRedirectUri(record, params);
  proofKey(record, params);
  if (record.grantId !== null) throw reused(db, record.grantId, t);
  const user = activeUser(db, record.userId);
  const scope = heldScopes(record.scope, client).join(' ');
  const grantId = randomUUID();
  const code = params.code!;
  return {
    user,
    grantId,
    scope,
    commit() {
      const stored = db.transaction(() => {
        createGrant(db, { id: grantId, clientRowId: client.rowId, userId: user.id, scope, now: t });
        if (!consumeCode(db, code, grantId)) throw new LostRace();
        return issueRefreshToken(db, grantId, t);
      });
      try {
        return stored();
      } catch (e) {
        if (!(e instanceof LostRace)) throw e;
        // Another request exchanged the code between our checks and our write: this one is the second use.
        const winner = grantOfCode(db, code);
        if (winner) revokeGrant(db, winner, 'authorization code used twice', t);
        return undefined;
      }
    },
  };
}

/** Thrown inside a transaction to undo it when another request consumed the code first. */
class LostRace extends Error {}

// ── refresh_token ─────────────────────────────────────────────────────────────────────────────────────────

/** Step 1: the refresh token, known, of a grant of this client (another client's token ends nothing). */
function refreshTokenOf(db: Db, params: UserGrantParameters, client: ApiClient): { record: RefreshTokenRecord; grant: Grant } {
  if (params.refresh_token === undefined) throw new OAuthError('invalid_request', 'The refresh_token parameter is required (grant_type=refresh_token).');
  const record = findRefreshToken(db, params.refresh_token);
  const grant = record ? findGrant(db, record.grantId) : undefined;
  if (!record || !grant) throw invalidGrant('The refresh token is unknown.');
  if (grant.clientRowId !== client.rowId) throw invalidGrant('The refresh token was issued to another client.');
  return { record, grant };
}

/** Step 2: the grant is in force, and the token is its current one (a used-up token ends the grant). */
function current(db: Db, record: RefreshTokenRecord, grant: Grant, now: number): void {
  if (grant.revokedAt !== null) throw invalidGrant('The refresh token was revoked.');
  if (record.usedAt !== null) {
    revokeGrant(db, grant.id, 'refresh token used twice', now);
    throw invalidGrant('The refresh token was already used; every token of its grant is revoked. Sign the user in again.');
  }
  if (now >= record.expiresAt) throw invalidGrant('The refresh token expired. Sign the user in again.');
}

/** Step 3: the scope asked for, within what the user approved (RFC 6749 §6; OAuth 2.1 §4.3.1). */
function refreshScope(params: UserGrantParameters, grant: Grant, client: ApiClient): string {
  const granted = heldScopes(grant.scope, client);
  if (params.scope === undefined) return granted.join(' ');
  const requested = params.scope.split(' ').filter(Boolean);
  const beyond = requested.filter((s) => !granted.includes(s));
  if (requested.length === 0 || beyond.length) throw new OAuthError('invalid_scope', 'The scope asked for is more than the user approved for this grant.');
  return [...new Set(requested)].sort().join(' ');
}

/** The refresh_token grant: what to issue, or an OAuthError. */
export function refresh(db: Db, client: ApiClient, params: UserGrantParameters, now: Date): UserIssue {
  const t = nowSeconds(now);
  const { record, grant } = refreshTokenOf(db, params, client);
  current(db, record, grant, t);
  const user = activeUser(db, grant.userId);
  const scope = refreshScope(params, grant, client);
  const token = params.refresh_token!;
  return {
    user,
    grantId: grant.id,
    scope,
    commit() {
      const next = rotateRefreshToken(db, token, grant.id, t);
      // Another request rotated the token between our checks and our write: this one is the second use.
      if (next === undefined) revokeGrant(db, grant.id, 'refresh token used twice', t);
      return next;
    },
  };
}

/** The refusal for a request that lost a race to another use of the same code or refresh token. */
export const reuseDetected = () => invalidGrant('The grant was used twice at once; every token of it is revoked. Sign the user in again.');
