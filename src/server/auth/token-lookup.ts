/**
 * What a presented token string is, for revocation and introspection (RFC 7009 §2.1, RFC 7662 §2.1): one of our
 * access tokens (a JWT whose signature and claims verify), one of our refresh tokens (found by hash), or nothing
 * we issued. The hint only decides which to try first; both are always tried.
 */
import type { Db } from '../store/db.js';
import { findGrant, type Grant } from './grants.js';
import type { SigningKeys } from './keys.js';
import { findRefreshToken, type RefreshTokenRecord } from './refresh-tokens.js';
import { verifyAccessToken, type AccessTokenClaims, type TokenSettings } from './tokens.js';

export type FoundToken =
  { kind: 'access_token'; claims: AccessTokenClaims } | { kind: 'refresh_token'; record: RefreshTokenRecord; grant: Grant } | { kind: 'unknown' };

async function asAccessToken(keys: SigningKeys, settings: TokenSettings, token: string, now: Date): Promise<FoundToken | undefined> {
  try {
    return { kind: 'access_token', claims: await verifyAccessToken(keys, settings, token, now) };
  } catch {
    // Expired, forged, malformed: not a token in force, which for both endpoints is the same as unknown.
    return undefined;
  }
}

function asRefreshToken(db: Db, token: string): FoundToken | undefined {
  const record = findRefreshToken(db, token);
  const grant = record ? findGrant(db, record.grantId) : undefined;
  return record && grant ? { kind: 'refresh_token', record, grant } : undefined;
}

export async function findToken(db: Db, keys: SigningKeys, settings: TokenSettings, token: string, hint: string | undefined, now: Date): Promise<FoundToken> {
  const refreshFirst = hint === 'refresh_token';
  const first = refreshFirst ? asRefreshToken(db, token) : await asAccessToken(keys, settings, token, now);
  if (first) return first;
  const second = refreshFirst ? await asAccessToken(keys, settings, token, now) : asRefreshToken(db, token);
  return second ?? { kind: 'unknown' };
}
