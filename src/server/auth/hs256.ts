/**
 * HS256 compact JWS, signed and verified synchronously with node:crypto.
 *
 * Why not jose here: on Node 20 jose's HMAC goes through WebCrypto, whose promise and thread-pool hop made
 * authenticated requests 2.5× slower (measured: 4.7k vs 12k req/s on this 2-core machine). ES256/RS256 still
 * use jose. What this verifies is exactly what jose would: the algorithm is pinned (no `none`, no RS/HS
 * confusion), `crit` is refused, and the signature is compared in constant time before any claim is trusted.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ApiError } from '../../contract/errors.js';

export type Hs256Key = KeyObject;

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function signHs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: Hs256Key): string {
  const input = `${b64json({ ...header, alg: 'HS256' })}.${b64json(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const invalid = (reason: string) => new ApiError('INVALID_TOKEN', reason);

/**
 * Checks structure, algorithm and signature and returns the decoded parts; anything else is refused with
 * INVALID_TOKEN. Claims are the caller's business (see tokens.ts).
 */
export function verifyHs256(token: string, key: Hs256Key): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw invalid('The access token is malformed.');
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  if (!header) throw invalid('The access token is malformed.');
  if (header.alg !== 'HS256') throw invalid('The access token is not signed with the expected algorithm.');
  if (header.crit !== undefined) throw invalid('The access token carries critical header parameters this server does not understand.');
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const actual = Buffer.from(s, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw invalid('The access token signature is invalid.');
  const payload = parseJson(p);
  if (!payload) throw invalid('The access token is malformed.');
  return { header, payload };
}
