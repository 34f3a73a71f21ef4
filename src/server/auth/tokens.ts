/**
 * Access tokens, in one of two formats: RFC 9068 JWTs (`typ: at+jwt`, a `scope` string; the published dialect)
 * or the deployed module's JWTs (`typ: JWT`, a `scopes` list, no `jti`/`nbf`). Signed with the configured key,
 * verified with the algorithm pinned, then `typ`, `iss`, `aud`, `exp`, `nbf` and `iat` checked with a small
 * leeway. A token that fails is refused with an ApiError whose code says why (INVALID_TOKEN, TOKEN_EXPIRED), as
 * jose's errors carry a stable code. HS256 goes through hs256.ts (synchronous); ES256/RS256 through jose.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { compactVerify, SignJWT } from 'jose';
import { ApiError } from '../../contract/errors.js';
import { signHs256, verifyHs256 } from './hs256.js';
import type { SigningKeys } from './keys.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  leeway: number;
  /** `rfc9068` (default) or `openspp` (the deployed module's claims). */
  format?: 'rfc9068' | 'openspp';
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  scope: string;
}

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  client_id: string;
  scope: string;
  /** The client's secret version when the token was issued: rotating the secret revokes older tokens. */
  sver: number;
  /** A user's token (authorization code grant): the grant it belongs to, whose end ends the token. `sub` is then the user. */
  grant_id?: string;
}

/** What a token is issued for: a client acting for itself, or (with `subject` and `grantId`) for a user. */
export interface TokenGrant {
  clientId: string;
  scope: string;
  lifetime: number;
  secretVersion: number;
  now: Date;
  /** The user's subject identifier (user tokens only). */
  subject?: string;
  grantId?: string;
  /** Chosen by the caller when it must know the token's id before signing (revocation lists). */
  jti?: string;
}

/**
 * The deployed module's claims: iss, sub, aud, exp, iat, client_id and `scopes` (a list) — plus `sver`, the
 * reference server's own, so that rotating a secret revokes the tokens issued before (the module lets them run).
 */
function opensppClaims(settings: TokenSettings, grant: { clientId: string; scope: string; secretVersion: number }, iat: number, exp: number) {
  return {
    iss: settings.issuer,
    sub: grant.clientId,
    aud: settings.audience,
    exp,
    iat,
    client_id: grant.clientId,
    scopes: grant.scope.split(' ').filter(Boolean),
    sver: grant.secretVersion,
  };
}

export async function issueAccessToken(keys: SigningKeys, settings: TokenSettings, grant: TokenGrant): Promise<IssuedToken> {
  const iat = Math.floor(grant.now.getTime() / 1000);
  if (settings.format === 'openspp') {
    const header = { alg: keys.algorithm, typ: 'JWT', ...(keys.kid ? { kid: keys.kid } : {}) };
    const claims = opensppClaims(settings, grant, iat, iat + grant.lifetime);
    return { token: await sign(keys, header, claims), expiresIn: grant.lifetime, scope: grant.scope };
  }
  const claims: AccessTokenClaims = {
    iss: settings.issuer,
    sub: grant.subject ?? grant.clientId,
    aud: settings.audience,
    exp: iat + grant.lifetime,
    iat,
    nbf: iat,
    jti: grant.jti ?? randomUUID(),
    client_id: grant.clientId,
    scope: grant.scope,
    sver: grant.secretVersion,
    ...(grant.grantId ? { grant_id: grant.grantId } : {}),
  };
  const header = { alg: keys.algorithm, typ: 'at+jwt', ...(keys.kid ? { kid: keys.kid } : {}) };
  return { token: await sign(keys, header, { ...claims }), expiresIn: grant.lifetime, scope: grant.scope };
}

async function sign(keys: SigningKeys, header: { alg: string; typ: string; kid?: string }, claims: Record<string, unknown>): Promise<string> {
  return keys.algorithm === 'HS256' ? signHs256(header, claims, keys.signKey as KeyObject) : new SignJWT(claims).setProtectedHeader(header).sign(keys.signKey);
}

const invalid = (reason: string) => new ApiError('INVALID_TOKEN', reason);

/** Signature and algorithm: HS256 synchronously, asymmetric algorithms through jose. */
async function verifySignature(keys: SigningKeys, token: string): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  if (keys.algorithm === 'HS256') return verifyHs256(token, keys.verifyKey as KeyObject);
  let verified;
  try {
    verified = await compactVerify(token, keys.verifyKey, { algorithms: [keys.algorithm] });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw invalid('The access token is not signed with the expected algorithm.');
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw invalid('The access token signature is invalid.');
    throw invalid('The access token is malformed.');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    throw invalid('The access token is malformed.');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalid('The access token is malformed.');
  return { header: verified.protectedHeader, payload: claims as Record<string, unknown> };
}

/** The deployed module's claims as the RFC 9068 ones the rest of the server reads (`scopes` → `scope`). */
function fromOpensppClaims(c: Record<string, unknown>): Record<string, unknown> {
  const scopes = c.scopes;
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw invalid('The access token lacks the scopes claim.');
  return { ...c, scope: scopes.join(' '), jti: typeof c.jti === 'string' ? c.jti : '' };
}

/** RFC 9068 §4 and RFC 7519 §4.1 claim checks (or the deployed module's), the same for every algorithm. */
export function checkClaims(header: Record<string, unknown>, claims: Record<string, unknown>, settings: TokenSettings, now: Date): AccessTokenClaims {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  const openspp = settings.format === 'openspp';
  if (openspp ? typ !== 'jwt' : typ !== 'at+jwt' && typ !== 'application/at+jwt') {
    throw invalid(`The token is not an access token (typ must be ${openspp ? 'JWT' : 'at+jwt'}).`);
  }
  const c = openspp ? fromOpensppClaims(claims) : claims;
  if (c.iss !== settings.issuer) throw invalid("The access token's iss claim is not acceptable.");
  const aud = c.aud;
  if (!(aud === settings.audience || (Array.isArray(aud) && aud.includes(settings.audience)))) throw invalid("The access token's aud claim is not acceptable.");
  for (const name of ['exp', 'iat', 'sver'] as const) if (typeof c[name] !== 'number') throw invalid(`The access token lacks the ${name} claim.`);
  for (const name of ['sub', 'jti', 'client_id', 'scope'] as const) if (typeof c[name] !== 'string') throw invalid(`The access token lacks the ${name} claim.`);
  if (c.nbf !== undefined && typeof c.nbf !== 'number') throw invalid("The access token's nbf claim is not acceptable.");
  // A client-credentials token is the client's own: RFC 9068 §2.2 makes sub the client_id. A user's token names
  // the user and the grant it was issued under.
  if (c.grant_id === undefined) {
    if (c.sub !== c.client_id) throw invalid("The access token's sub does not name its client_id.");
  } else if (typeof c.grant_id !== 'string' || c.grant_id === '') throw invalid("The access token's grant_id claim is not acceptable.");
  checkTimes(c as unknown as AccessTokenClaims, settings, now);
  return c as unknown as AccessTokenClaims;
}

/** The claims that depend on the clock (exp, nbf, iat), with the leeway: the part of checkClaims that can change. */
export function checkTimes(c: AccessTokenClaims, settings: TokenSettings, now: Date): void {
  const t = now.getTime() / 1000;
  if (t >= c.exp + settings.leeway)
    throw new ApiError('TOKEN_EXPIRED', `The access token expired at ${new Date(c.exp * 1000).toISOString()}. Request a new one.`);
  if (typeof c.nbf === 'number' && t + settings.leeway < c.nbf) throw invalid('The access token is not valid yet (nbf).');
  if (c.iat > t + settings.leeway) throw invalid('The access token was issued in the future.');
}

/** The claims of a valid access token; throws an ApiError (INVALID_TOKEN, TOKEN_EXPIRED) for any other. */
export async function verifyAccessToken(keys: SigningKeys, settings: TokenSettings, token: string, now: Date): Promise<AccessTokenClaims> {
  const { header, payload } = await verifySignature(keys, token);
  return checkClaims(header, payload, settings, now);
}
