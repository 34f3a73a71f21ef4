/**
 * Client secrets: 256 random bits, shown once, stored only as a hash.
 *
 * A fast hash (SHA-256) is the right tool here, unlike for passwords: a generated 256-bit secret cannot be
 * guessed or found in a dictionary, so a slow KDF (scrypt, as OpenSPP uses) would add no security — only
 * ~50 ms of CPU to every token request, which would make the token endpoint itself a denial-of-service lever.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256:';

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function generateClientId(): string {
  return `spp_${randomBytes(12).toString('base64url')}`;
}

export function hashClientSecret(secret: string): string {
  return PREFIX + createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function verifyClientSecret(secret: string, stored: string): boolean {
  if (!stored.startsWith(PREFIX)) return false;
  const expected = Buffer.from(stored.slice(PREFIX.length), 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
