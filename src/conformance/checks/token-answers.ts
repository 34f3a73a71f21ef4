/**
 * Assertions on token-endpoint answers, shared by the token checks: a successful response (RFC 6749 §5.1 and what
 * the OpenSPP seed adds), the JWT it carries (RFC 9068, RFC 8725, the OpenCRVS profile's rules), and an error
 * answer (RFC 6749 §5.2).
 */
import { kitContract } from '../kit-contract.js';
import { isErrorUri, isOAuthText, isScopeValue } from '../../rfc/oauth.js';
import type { CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { decodeJwt, findWeakSecret, type DecodedJwt } from '../jwt.js';
import type { Exchange } from '../types.js';

/** Asserts what an OAuth error answer must be (RFC 6749 §5.2) on the ids given; returns its error code. */
export function assertOAuthError(
  ctx: CheckContext,
  r: HttpResult,
  expected: string[],
  ids: { status?: string; code?: string; charset?: string; uri?: string; noStore?: string },
  statuses = [400],
): string | undefined {
  const body = r.json as Record<string, unknown> | undefined;
  const error = typeof body?.error === 'string' ? body.error : undefined;
  if (ids.status)
    ctx.assert(
      ids.status,
      statuses.includes(r.status) && error !== undefined && /json/i.test(r.contentType ?? ''),
      `status ${r.status} (expected ${statuses.join(' or ')}), JSON error member ${error ?? 'missing'}`,
      r,
    );
  if (ids.code) ctx.assert(ids.code, error !== undefined && expected.includes(error), `error ${error ?? '(none)'}, expected ${expected.join(' or ')}`, r);
  if (ids.charset) {
    const desc = typeof body?.error_description === 'string' ? body.error_description : '';
    ctx.assert(
      ids.charset,
      isOAuthText(error ?? '') && isOAuthText(desc),
      `error/error_description characters ${isOAuthText(desc) ? 'allowed' : `not allowed: ${JSON.stringify(desc)}`}`,
      r,
    );
  }
  if (ids.uri) {
    if (body?.error_uri === undefined) ctx.notApplicable(ids.uri, 'no error_uri sent');
    else ctx.assert(ids.uri, typeof body.error_uri === 'string' && isErrorUri(body.error_uri), `error_uri ${JSON.stringify(body.error_uri)}`, r);
  }
  if (ids.noStore)
    ctx.assert(ids.noStore, /no-store/i.test(r.headers.get('cache-control') ?? ''), `Cache-Control: ${r.headers.get('cache-control') ?? '(none)'}`, r);
  return error;
}

/** Asserts on `id` that the answer issued a token (200 with an access_token); returns whether it did. */
export function tokenIssued(ctx: CheckContext, id: string, r: HttpResult, what: string): boolean {
  const body = r.json as Record<string, unknown> | undefined;
  return ctx.assert(
    id,
    r.status === 200 && typeof body?.access_token === 'string',
    `${what}: status ${r.status}${typeof body?.access_token === 'string' ? ', token issued' : `, ${typeof body?.error === 'string' ? `error ${body.error}` : 'no access_token'}`}`,
    r,
  );
}

/** A token's lifetime as its response says (expires_in) and as its claims say (exp - iat), and whether they agree. */
export interface Lifetime {
  expiresIn: unknown;
  /** exp - iat of a JWT, undefined for an opaque token. */
  claimed: number | undefined;
  consistent: boolean;
}

export function lifetimeOf(t: RoleToken): Lifetime {
  const payload = decodeJwt(t.accessToken)?.payload;
  const claimed = typeof payload?.exp === 'number' && typeof payload?.iat === 'number' ? payload.exp - payload.iat : undefined;
  const expiresIn = t.response.expires_in;
  return { expiresIn, claimed, consistent: typeof expiresIn === 'number' && (claimed === undefined || Math.abs(claimed - expiresIn) <= 1) };
}

/** RFC 6749 §5.1 on one token response: status and media type, fields, no-store (and Pragma), no refresh token. */
export function assertRfc6749Response(ctx: CheckContext, t: RoleToken, life: Lifetime, e: Exchange | undefined): void {
  const body = t.response;
  const h = t.responseHeaders;
  const who = `${t.role} client`;
  ctx.assert(
    'TR-01',
    t.status === 200 && /^application\/json/i.test(h['content-type'] ?? ''),
    `${who}: status ${t.status}, Content-Type ${h['content-type'] ?? '(none)'}`,
    e,
  );
  ctx.assert('TR-02', typeof body.access_token === 'string', `${who}: access_token ${typeof body.access_token === 'string' ? 'present' : 'missing'}`, e);
  ctx.assert(
    'TR-03',
    typeof body.token_type === 'string' && body.token_type.toLowerCase() === 'bearer',
    `${who}: token_type ${JSON.stringify(body.token_type)}`,
    e,
  );
  if (life.expiresIn === undefined && ctx.profile.token.expiresIn === 'absent-allowed')
    ctx.notApplicable('TR-04', 'the profile declares that no expires_in is sent');
  else
    ctx.assert(
      'TR-04',
      life.consistent,
      `${who}: expires_in ${JSON.stringify(life.expiresIn)}${life.claimed !== undefined ? `, token exp - iat = ${life.claimed}` : ''}`,
      e,
    );
  const cc = h['cache-control'] ?? '';
  ctx.assert('TR-06', /(^|[\s,])no-store($|[\s,])/i.test(cc), `${who}: Cache-Control: ${cc || '(none)'}`, e);
  ctx.assert('O21-02', /(^|[\s,])no-store($|[\s,])/i.test(cc), `${who}: Cache-Control: ${cc || '(none)'}`, e);
  if (ctx.profile.token.pragma === 'required') ctx.assert('TR-07', /no-cache/i.test(h.pragma ?? ''), `${who}: Pragma: ${h.pragma ?? '(none)'}`, e);
  ctx.assert('CC-04', body.refresh_token === undefined, `${who}: ${body.refresh_token === undefined ? 'no refresh_token' : 'a refresh_token was issued'}`, e);
}

/** The granted scope's syntax (RFC 6749 §3.3) and what the OpenSPP seed adds: a JWT, Bearer, integer expires_in, contract scopes, one hour. */
export function assertSeedResponse(ctx: CheckContext, t: RoleToken, life: Lifetime, e: Exchange | undefined): void {
  const body = t.response;
  const who = `${t.role} client`;
  const scope = typeof body.scope === 'string' ? body.scope : undefined;
  ctx.assert('SC-01', scope === undefined || isScopeValue(scope), `${who}: scope ${JSON.stringify(scope)}`, e);
  const jwtOk = !!decodeJwt(t.accessToken);
  ctx.assert(
    'OSPP-TOK-02',
    jwtOk && body.token_type === 'Bearer' && Number.isInteger(life.expiresIn) && typeof scope === 'string' && life.consistent,
    `${who}: access_token ${jwtOk ? 'is a JWT' : 'is not a JWT'}, token_type ${JSON.stringify(body.token_type)}, expires_in ${JSON.stringify(life.expiresIn)}${life.claimed !== undefined ? ` (exp - iat = ${life.claimed})` : ''}, scope ${scope === undefined ? 'missing' : 'present'}`,
    e,
  );
  const unknown = (scope ?? '').split(' ').filter((s) => s && !kitContract().scopes.has(s));
  ctx.assert(
    'OSPP-SC-03',
    unknown.length === 0,
    unknown.length ? `${who}: scopes outside the contract: ${unknown.join(', ')}` : `${who}: every granted scope is a contract scope`,
    e,
  );
  const seconds = typeof life.expiresIn === 'number' ? life.expiresIn : life.claimed;
  if (seconds === undefined) return;
  ctx.measure(`${t.role}.lifetimeSeconds`, seconds);
  ctx.assert('OSPP-TOK-04', seconds === 3600, `${who}: token lifetime ${seconds} s (the seed documents 3600 s)`, e);
  // "Short-lived": no longer than the hour the seed documents (OpenSPP's newer code defaults to 24 h).
  ctx.assert('RS-14', seconds <= 3600, `${who}: token lifetime ${seconds} s`, e);
}

/** RFC 9068 §2.1 / RFC 8725 on the token's header: typ at+jwt, a signing alg the profile and target allow. */
export function assertJwtHeader(ctx: CheckContext, d: DecodedJwt, e: Exchange | undefined): void {
  const { header } = d;
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  ctx.assert('AT-01', typ === 'at+jwt' || typ === 'application/at+jwt', `typ ${JSON.stringify(header.typ)}`, e);
  ctx.assert('BCP-08', typeof header.typ === 'string', `typ ${JSON.stringify(header.typ)}`, e);
  const alg = String(header.alg);
  const algs = ctx.profile.token.algorithms;
  const expectedAlg = ctx.target.jwt?.alg;
  const algOk = alg !== 'none' && d.signature.length > 0 && (algs.length === 0 || algs.includes(alg)) && (!expectedAlg || expectedAlg === alg);
  ctx.assert(
    'AT-02',
    algOk,
    `alg ${alg}${algs.length ? ` (profile allows ${algs.join(', ')})` : ''}${expectedAlg ? `, target file says ${expectedAlg}` : ''}, signature ${d.signature.length ? 'present' : 'empty'}`,
    e,
  );
  ctx.assert('BCP-03', alg !== 'none' && /^(HS|RS|ES|PS)(256|384|512)$|^EdDSA$/.test(alg), `alg ${alg}`, e);
}

/** RFC 9068 §2.2 claims, and no well-known weak HS256 secret (RFC 8725 §3.5, checked offline). */
export function assertJwtClaims(ctx: CheckContext, t: RoleToken, d: DecodedJwt, e: Exchange | undefined): void {
  const { payload } = d;
  const missing = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'].filter((c) => payload[c] === undefined);
  ctx.assert('AT-03', missing.length === 0, missing.length ? `claims missing: ${missing.join(', ')}` : 'iss, exp, aud, sub, client_id, iat, jti present', e);
  ctx.assert(
    'AT-04',
    payload.scope === undefined || typeof payload.scope === 'string',
    `scope claim is ${Array.isArray(payload.scope) ? 'an array' : typeof payload.scope}`,
    e,
  );
  const aud = payload.aud;
  ctx.assert('AT-05', (typeof aud === 'string' && aud.length > 0) || (Array.isArray(aud) && aud.length > 0), `aud ${JSON.stringify(aud)}`, e);
  const alg = String(d.header.alg);
  if (alg !== 'HS256') {
    ctx.notApplicable('BCP-04', `alg ${alg} is not an HMAC`);
    return;
  }
  const weak = findWeakSecret(t.accessToken);
  ctx.assert(
    'BCP-04',
    weak === undefined,
    weak ? 'the HS256 signature verifies under a well-known weak secret' : 'no well-known weak secret verifies the HS256 signature (offline dictionary check)',
    e,
  );
}

/** iat against the server's clock (JWT-05), and the OpenCRVS profile's RS256, 600 s and claim set. */
export function assertJwtTimes(ctx: CheckContext, t: RoleToken, d: DecodedJwt, e: Exchange | undefined): void {
  const { header, payload } = d;
  const now = (Date.now() + ctx.clockSkewMs) / 1000;
  const iat = typeof payload.iat === 'number' ? payload.iat : undefined;
  const exp = typeof payload.exp === 'number' ? payload.exp : undefined;
  ctx.assert(
    'JWT-05',
    iat !== undefined && iat <= now + 5 && (t.expiresIn === undefined || exp === undefined || Math.abs(exp - iat - t.expiresIn) <= 1),
    `iat ${iat} vs server now ${Math.round(now)}; exp - iat ${exp !== undefined && iat !== undefined ? exp - iat : '?'}; expires_in ${t.expiresIn ?? '(none)'}; clock skew ${Math.round(ctx.clockSkewMs / 100) / 10} s`,
    e,
  );
  ctx.measure('clockSkewSeconds', Math.round(ctx.clockSkewMs / 100) / 10);
  ctx.assert('OCRVS-02', String(header.alg) === 'RS256', `alg ${String(header.alg)}, typ ${JSON.stringify(header.typ)}`, e);
  ctx.assert(
    'OCRVS-03',
    exp !== undefined && iat !== undefined && exp - iat <= (ctx.profile.token.maxLifetime ?? 600),
    `exp - iat = ${exp !== undefined && iat !== undefined ? exp - iat : '?'} s`,
    e,
  );
  const claims = ['scope', 'iat', 'exp', 'aud', 'iss', 'sub'].filter((c) => payload[c] === undefined);
  ctx.assert('OCRVS-04', claims.length === 0, claims.length ? `missing ${claims.join(', ')}` : 'scope, iat, exp, aud, iss, sub present', e);
}
