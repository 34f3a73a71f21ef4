/**
 * Server configuration from the environment and `spp-kit serve` flags, validated at start-up. Every problem is
 * reported as one readable line (ConfigError), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { contractFor, DIALECTS, isDialect, type Dialect } from '../contract/contract.js';
import type { RateLimitStore } from './rate-limit/limiter.js';
import { LOG_FORMATS, type LogFormat } from './request-log.js';

export type SigningAlgorithm = 'HS256' | 'ES256' | 'RS256';

export interface RateLimitSettings {
  perMinute: number;
  perDay: number;
}

export interface ServerConfig {
  /** Which dialect of API V2 the server speaks: the published pages' (default) or what deployments serve. */
  dialect: Dialect;
  host: string;
  port: number;
  /** SQLite file, or `:memory:`. */
  dbPath: string;
  /** Load the demo registry and demo clients into an empty database. */
  demo: boolean;
  basePath: string;
  /** Public origin used in `iss`, metadata and links (defaults to http://host:port). */
  publicOrigin: string;
  issuer: string;
  audience: string;
  jwt: {
    algorithm: SigningAlgorithm;
    /** HS256 secret from OPENSPP_JWT_SECRET; when absent one is generated and kept in the database. */
    secret?: string;
    /** PEM private key (PKCS#8) for ES256/RS256. */
    privateKeyPem?: string;
    keyFile?: string;
  };
  tokenLifetime: number;
  /** Clock skew tolerated on exp/nbf/iat, in seconds. */
  leeway: number;
  tokenRateLimit: RateLimitSettings;
  apiRateLimit: RateLimitSettings;
  /**
   * Where rate-limit counts live: `process` (in memory, written to the database within a second; exact for one
   * server process) or `shared` (a transaction per request; exact across processes sharing the database file).
   */
  rateLimitStore: RateLimitStore;
  /** Trust X-Forwarded-For for the client address (only behind a proxy you control). */
  trustProxy: boolean;
  /** OpenCRVS-style compatibility: accept client credentials in the token URL's query string. */
  allowQueryCredentials: boolean;
  /** Validate every response against the contract before sending it (tests; costs some throughput). */
  validateResponses: boolean;
  /** The request log `spp-kit serve` writes: one line per request as text, as JSON, or none. */
  requestLog: LogFormat;
}

export class ConfigError extends Error {}

export type ConfigInput = Record<string, string | boolean | undefined>;

function int(name: string, raw: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const text = String(raw);
  if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be a whole number, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(name: string, raw: string | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

function logFormat(raw: string | boolean | undefined): LogFormat {
  const value = raw === undefined || raw === '' ? 'pretty' : String(raw);
  if (!(LOG_FORMATS as readonly string[]).includes(value)) throw new ConfigError(`SPP_LOG must be ${LOG_FORMATS.join(', ')}, got '${value}'`);
  return value as LogFormat;
}

/** Shannon entropy in bits per character: a cheap guard against secrets like 'aaaa…' or 'password…'. */
export function entropyPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Rejects HS256 secrets a dictionary attack could find (RFC 8725 §3.5): ≥ 32 bytes and ≥ 3.5 bits/char. */
export function checkJwtSecret(secret: string): void {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < 32) throw new ConfigError(`OPENSPP_JWT_SECRET is too short (${bytes} bytes); use at least 32 random bytes, e.g. \`openssl rand -base64 48\``);
  if (entropyPerChar(secret) < 3.5)
    throw new ConfigError('OPENSPP_JWT_SECRET is too predictable (repetitive characters); use random bytes, e.g. `openssl rand -base64 48`');
}

/** The token lifetime the dialect's contract gives (`x-default-token-lifetime` on its token endpoint). */
function defaultTokenLifetime(dialect: Dialect): number {
  const declared = contractFor(dialect).operation('issueToken').extensions['x-default-token-lifetime'];
  if (typeof declared !== 'number') throw new Error(`the ${dialect} contract does not declare x-default-token-lifetime on issueToken`);
  return declared;
}

function rateLimitStore(raw: string | boolean | undefined): RateLimitStore {
  const value = raw === undefined || raw === '' ? 'process' : String(raw);
  if (value !== 'process' && value !== 'shared') throw new ConfigError(`SPP_RATE_LIMITS must be process or shared, got '${value}'`);
  return value;
}

/**
 * Builds the configuration. `input` merges the environment (upper-case names) with CLI flags (which win).
 */
export function loadConfig(input: ConfigInput = process.env): ServerConfig {
  const dialect = String(input.SPP_DIALECT || 'published');
  if (!isDialect(dialect)) throw new ConfigError(`SPP_DIALECT must be ${DIALECTS.join(' or ')}, got '${dialect}'`);
  const deployed = dialect === 'deployed';
  const basePath = contractFor(dialect).basePath;
  const host = String(input.HOST || '127.0.0.1');
  const port = int('PORT', input.PORT, 8069, 0, 65535);
  const publicOrigin = String(input.SPP_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '');
  if (!/^https?:\/\/[^/]+$/.test(publicOrigin))
    throw new ConfigError(`SPP_PUBLIC_URL must be an origin like https://registry.example.gov, got '${publicOrigin}'`);
  const algorithm = String(input.SPP_JWT_ALG || 'HS256').toUpperCase();
  if (!['HS256', 'ES256', 'RS256'].includes(algorithm)) throw new ConfigError(`SPP_JWT_ALG must be HS256, ES256 or RS256, got '${algorithm}'`);
  const jwt: ServerConfig['jwt'] = { algorithm: algorithm as SigningAlgorithm };
  const secret = input.OPENSPP_JWT_SECRET ? String(input.OPENSPP_JWT_SECRET) : undefined;
  if (algorithm === 'HS256') {
    if (secret !== undefined) {
      checkJwtSecret(secret);
      jwt.secret = secret;
    }
  } else {
    const keyFile = input.SPP_JWT_KEY_FILE ? String(input.SPP_JWT_KEY_FILE) : undefined;
    if (!keyFile) throw new ConfigError(`SPP_JWT_ALG=${algorithm} needs SPP_JWT_KEY_FILE (a PKCS#8 PEM private key)`);
    try {
      jwt.privateKeyPem = readFileSync(keyFile, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read SPP_JWT_KEY_FILE ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!jwt.privateKeyPem.includes('-----BEGIN PRIVATE KEY-----'))
      throw new ConfigError(`SPP_JWT_KEY_FILE ${keyFile} is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)`);
    jwt.keyFile = keyFile;
  }
  // The deployed module's tokens name fixed parties (iss openspp-api-v2, aud openspp) and last 24 hours.
  const issuer = String(input.SPP_ISSUER || (deployed ? 'openspp-api-v2' : `${publicOrigin}${basePath}`));
  return {
    dialect,
    host,
    port,
    dbPath: String(input.SPP_DB || 'spp-api-kit.db'),
    demo: bool('SPP_DEMO', input.SPP_DEMO, true),
    basePath,
    publicOrigin,
    issuer,
    audience: String(input.SPP_AUDIENCE || (deployed ? 'openspp' : issuer)),
    jwt,
    tokenLifetime: int('SPP_TOKEN_LIFETIME', input.SPP_TOKEN_LIFETIME, defaultTokenLifetime(dialect), 1, 86400),
    leeway: int('SPP_JWT_LEEWAY', input.SPP_JWT_LEEWAY, 10, 0, 300),
    tokenRateLimit: {
      perMinute: int('SPP_TOKEN_RATE_PER_MINUTE', input.SPP_TOKEN_RATE_PER_MINUTE, 5, 1, 1_000_000_000),
      perDay: int('SPP_TOKEN_RATE_PER_DAY', input.SPP_TOKEN_RATE_PER_DAY, 50, 1, 1_000_000_000),
    },
    apiRateLimit: {
      perMinute: int('SPP_API_RATE_PER_MINUTE', input.SPP_API_RATE_PER_MINUTE, 60, 1, 1_000_000_000),
      perDay: int('SPP_API_RATE_PER_DAY', input.SPP_API_RATE_PER_DAY, 10_000, 1, 1_000_000_000),
    },
    rateLimitStore: rateLimitStore(input.SPP_RATE_LIMITS),
    trustProxy: bool('SPP_TRUST_PROXY', input.SPP_TRUST_PROXY, false),
    allowQueryCredentials: bool('SPP_ALLOW_QUERY_CREDENTIALS', input.SPP_ALLOW_QUERY_CREDENTIALS, false),
    validateResponses: bool('SPP_VALIDATE_RESPONSES', input.SPP_VALIDATE_RESPONSES, false),
    requestLog: logFormat(input.SPP_LOG),
  };
}
