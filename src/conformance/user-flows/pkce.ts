/** PKCE (RFC 7636) as a client makes it: a fresh verifier per authorization request and its S256 challenge. */
import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** 32 random bytes, base64url: a 43-character verifier, as RFC 7636 §4.1 recommends. */
export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
