/**
 * The access-token signing key, imported once at start-up (importing per request halves verify throughput,
 * see notes/toolchain.md). HS256 uses OPENSPP_JWT_SECRET or a secret generated once and kept in the database;
 * ES256/RS256 use a PKCS#8 key file and publish the public key in the JWKS.
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from 'jose';
import type { ServerConfig, SigningAlgorithm } from '../config.js';
import { ConfigError } from '../config.js';
import type { Db } from '../store/db.js';

export interface SigningKeys {
  algorithm: SigningAlgorithm;
  kid: string | undefined;
  signKey: KeyObject | CryptoKey;
  verifyKey: KeyObject | CryptoKey;
  /** Public JWKs to publish (empty for HS256: a shared secret is never published). */
  jwks: JWK[];
  /** Where the key came from (the start-up banner says it; the key itself is never printed). */
  source: SigningKeySource;
}

/** `env`: OPENSPP_JWT_SECRET; `generated`: created now and stored; `database`: generated on an earlier start; `key file`: SPP_JWT_KEY_FILE. */
export type SigningKeySource = 'env' | 'generated' | 'database' | 'key file';

const SECRET_SETTING = 'jwt_secret';

/** The HS256 secret: from the configuration, else the one generated on first start and stored in `settings`. */
function hsSecret(config: ServerConfig, db: Db): { secret: string; source: SigningKeySource } {
  if (config.jwt.secret) return { secret: config.jwt.secret, source: 'env' };
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(SECRET_SETTING) as { value: string } | undefined;
  if (row) return { secret: row.value, source: 'database' };
  const generated = randomBytes(48).toString('base64url');
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(SECRET_SETTING, generated);
  return { secret: generated, source: 'generated' };
}

export async function loadSigningKeys(config: ServerConfig, db: Db): Promise<SigningKeys> {
  const { algorithm } = config.jwt;
  if (algorithm === 'HS256') {
    const { secret, source } = hsSecret(config, db);
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    return { algorithm, kid: undefined, signKey: key, verifyKey: key, jwks: [], source };
  }
  let privateKey: CryptoKey | KeyObject;
  try {
    privateKey = await importPKCS8(config.jwt.privateKeyPem!, algorithm, { extractable: true });
  } catch (e) {
    throw new ConfigError(`SPP_JWT_KEY_FILE ${config.jwt.keyFile} does not hold a ${algorithm} private key: ${(e as Error).message}`);
  }
  const full = await exportJWK(privateKey);
  const publicJwk: JWK = algorithm === 'RS256' ? { kty: 'RSA', n: full.n!, e: full.e! } : { kty: 'EC', crv: full.crv!, x: full.x!, y: full.y! };
  const kid = await calculateJwkThumbprint(publicJwk);
  const { importJWK } = await import('jose');
  const verifyKey = (await importJWK({ ...publicJwk, alg: algorithm }, algorithm)) as CryptoKey;
  return { algorithm, kid, signKey: privateKey, verifyKey, jwks: [{ ...publicJwk, kid, alg: algorithm, use: 'sig' }], source: 'key file' };
}
