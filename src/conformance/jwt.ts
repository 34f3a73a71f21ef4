/**
 * JWT handling for the checks: decoding what the target issued, forging the negative tokens of RFC 8725 that
 * need no key (alg none, tampered payload, garbage, a token signed with the kit's own key), and minting tokens
 * with the target's key material when the target file provides it (expired, future nbf, foreign iss/aud/typ).
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function part(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes without verifying; undefined when the token is not a compact JWS with JSON header and payload. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const header = part(parts[0]!);
  const payload = part(parts[1]!);
  if (!header || !payload) return undefined;
  return { header, payload, signature: parts[2]! };
}

/** The same claims, header `alg: none`, no signature (RFC 8725 §3.1 / RFC 9068 §4). */
export function algNone(token: string): string {
  const d = decodeJwt(token);
  if (!d) throw new Error('algNone needs a decodable JWT');
  return `${b64({ ...d.header, alg: 'none' })}.${b64(d.payload)}.`;
}

/** The original signature over a payload whose scope was widened: only a verifier that checks signatures refuses it. */
export function tampered(token: string): string {
  const d = decodeJwt(token);
  if (!d) throw new Error('tampered needs a decodable JWT');
  const [h] = token.split('.');
  const payload = {
    ...d.payload,
    scope: 'individual:all group:all program:all program_membership:all',
    sub: `${typeof d.payload.sub === 'string' ? d.payload.sub : 'x'}-tampered`,
  };
  return `${h}.${b64(payload)}.${d.signature}`;
}

/** Base64url that decodes to nothing JSON: a structurally broken token. */
export const GARBAGE_TOKEN = 'spp-kit.garbage.token';

let attackerKey: ReturnType<typeof generateKeyPairSync> | undefined;

/**
 * The claims of a real token signed RS256 with a key the kit just made, whose header points at it (`jku`,
 * `kid`): a verifier that trusts header claims or accepts any algorithm would take it (RFC 8725 §3.10).
 */
export async function attackerSigned(token: string): Promise<string> {
  const d = decodeJwt(token);
  if (!d) throw new Error('attackerSigned needs a decodable JWT');
  attackerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = attackerKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const key = await importPKCS8(pem, 'RS256');
  return new SignJWT(d.payload).setProtectedHeader({ ...d.header, alg: 'RS256', kid: 'spp-kit-attacker', jku: 'http://127.0.0.1:9/jwks.json' }).sign(key);
}

/** Seconds before the server's now that minted tokens are issued (iat, nbf): the clock skew is known to the second only. */
export const MINT_MARGIN_S = 5;

export interface MintKey {
  alg: 'HS256' | 'RS256' | 'ES256';
  secret?: string;
  privateKeyPem?: string;
}

/** Signs header + claims with the target's key material (key mode). `algOverride` signs HS384/HS512 with the HS256 key. */
export async function mint(key: MintKey, header: Record<string, unknown>, claims: Record<string, unknown>, algOverride?: 'HS384' | 'HS512'): Promise<string> {
  if (key.alg === 'HS256') {
    const alg = algOverride ?? 'HS256';
    const input = `${b64({ ...header, alg })}.${b64(claims)}`;
    const digest = alg === 'HS256' ? 'sha256' : alg === 'HS384' ? 'sha384' : 'sha512';
    return `${input}.${createHmac(digest, Buffer.from(key.secret!, 'utf8')).update(input).digest('base64url')}`;
  }
  const k = await importPKCS8(key.privateKeyPem!, key.alg);
  return new SignJWT(claims).setProtectedHeader({ ...header, alg: key.alg }).sign(k);
}

/** Secrets people actually use (seed examples, defaults, words): a captured HS256 token must not verify under any. */
const WEAK_SECRETS = [
  'secret',
  'Secret',
  'SECRET',
  'password',
  'changeme',
  'change-me',
  'changeit',
  'admin',
  'test',
  'testing',
  'dev',
  'development',
  'jwt',
  'jwt-secret',
  'jwt_secret',
  'jwtsecret',
  'supersecret',
  'super-secret',
  'your-secret-key',
  'your-secret-key-here',
  'your-256-bit-secret',
  'secretkey',
  'secret-key',
  'secret_key',
  'mysecret',
  'my-secret',
  'openspp',
  'OpenSPP',
  'openspp-secret',
  'openspp-api-v2',
  'odoo',
  'demo',
  'demo-secret',
  'default',
  'key',
  '123456',
  '12345678',
  'qwerty',
  'letmein',
  'hs256',
  'HS256',
  'shhhhh',
  'keyboard cat',
  'abc123',
  'abc123secret',
  'please-change-me',
  'not-a-secret',
  'insecure',
  'example',
];

/** The weak secret that verifies the token's HS256 signature, if any (offline: no request is sent). */
export function findWeakSecret(token: string, candidates: readonly string[] = WEAK_SECRETS): string | undefined {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return undefined;
  return candidates.find((c) => createHmac('sha256', Buffer.from(c, 'utf8')).update(`${h}.${p}`).digest('base64url') === s);
}
