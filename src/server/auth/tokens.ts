/**
 * Access tokens: RFC 9068 JWTs (`typ: at+jwt`) signed with the configured key, verified with the algorithm
 * pinned, `iss`, `aud`, `exp`, `nbf` and `iat` checked with a small leeway. Verification failures are values
 * with precise codes, not exceptions.
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { SigningKeys } from './keys.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  leeway: number;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  scope: string;
}

export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope: string;
  /** The client's secret version when the token was issued: rotating the secret revokes older tokens. */
  sver: number;
}

export async function issueAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  grant: { clientId: string; scope: string; lifetime: number; secretVersion: number; now: Date },
): Promise<IssuedToken> {
  const iat = Math.floor(grant.now.getTime() / 1000);
  const token = await new SignJWT({ client_id: grant.clientId, scope: grant.scope, sver: grant.secretVersion })
    .setProtectedHeader({ alg: keys.algorithm, typ: 'at+jwt', ...(keys.kid ? { kid: keys.kid } : {}) })
    .setIssuer(settings.issuer)
    .setSubject(grant.clientId)
    .setAudience(settings.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + grant.lifetime)
    .setJti(randomUUID())
    .sign(keys.signKey);
  return { token, expiresIn: grant.lifetime, scope: grant.scope };
}

export type VerifyFailure = { ok: false; code: 'TOKEN_EXPIRED' | 'INVALID_TOKEN'; reason: string; expiredAt?: Date };
export type VerifyResult = { ok: true; claims: AccessTokenClaims } | VerifyFailure;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export async function verifyAccessToken(keys: SigningKeys, settings: TokenSettings, token: string, now: Date): Promise<VerifyResult> {
  if (!JWT_SHAPE.test(token)) return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token is not a signed JWT.' };
  try {
    const { payload } = await jwtVerify(token, keys.verifyKey, {
      algorithms: [keys.algorithm],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: 'at+jwt',
      clockTolerance: settings.leeway,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
    });
    const claims = payload as AccessTokenClaims;
    if (typeof claims.client_id !== 'string' || typeof claims.scope !== 'string' || typeof claims.sver !== 'number') {
      return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token lacks the client_id, scope or version claims.' };
    }
    if (claims.iat! > now.getTime() / 1000 + settings.leeway) return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token was issued in the future.' };
    return { ok: true, claims };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) {
      const exp = (e.payload as JWTPayload).exp;
      return { ok: false, code: 'TOKEN_EXPIRED', reason: 'The access token has expired.', ...(exp ? { expiredAt: new Date(exp * 1000) } : {}) };
    }
    if (e instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, code: 'INVALID_TOKEN', reason: `The access token's ${e.claim} claim is not acceptable.` };
    if (e instanceof joseErrors.JOSEAlgNotAllowed) return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token is not signed with the expected algorithm.' };
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token signature is invalid.' };
    return { ok: false, code: 'INVALID_TOKEN', reason: 'The access token is malformed.' };
  }
}
