/**
 * The target file: what the kit runs against. YAML, validated against conformance/target-schema.json into a
 * Target; every problem is reported at once as a TargetError (the CLI exits with 2). Values may name environment
 * variables, so that secrets need not be written into the file: `${NAME}` (required) or `${NAME:-default}`,
 * filled in before validation.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { schemaProblems, schemaValidator } from './file-schemas.js';
import { ROLES, type Role } from './types.js';
import { userFlowSecrets, userFlowsOf, type UserFlowsDocument, type UserFlowsTarget } from './user-flows/config.js';

export interface TargetClient {
  clientId: string;
  clientSecret: string;
  /** The scope the client asks for in its token requests (servers that refuse a request without one). */
  scope?: string;
}

export interface RateLimitDeclaration {
  perMinute: number;
  perDay: number;
}

export interface JwtKeyMaterial {
  alg: 'HS256' | 'RS256' | 'ES256';
  /** HS256 shared secret. */
  secret?: string;
  /** PKCS#8 PEM private key for RS256/ES256 (read from privateKeyFile). */
  privateKeyPem?: string;
  /** Override the issuer/audience the kit puts in minted tokens (default: those of a real token). */
  issuer?: string;
  audience?: string;
}

export interface Target {
  file?: string;
  /** Without a trailing slash, e.g. http://127.0.0.1:8069/api/v2/spp */
  baseUrl: string;
  profile: string;
  tokenEndpoint?: string;
  clients: Partial<Record<Role, TargetClient>>;
  records: { consented?: string; unconsented?: string; consent?: string; foreignConsent?: string };
  jwt?: JwtKeyMaterial;
  rateLimits?: { token?: RateLimitDeclaration; api?: RateLimitDeclaration };
  writes: boolean;
  /** The identifier the kit writes records with (`writes: true`): a system the deployment accepts, and a value prefix. */
  writeIdentifier: { system: string; valuePrefix: string };
  /** Optional features the operator says the target offers: their absence is then a failure, not "not applicable". */
  features: TargetFeatures;
  /** The authorization code grant, refresh tokens, revocation, introspection (the user-flow checks). */
  userFlows?: UserFlowsTarget;
  /** Things worth telling the operator about the file itself (omitted optional parts). */
  notes: string[];
}

/** Optional features a target file may claim (`features:`); unclaimed and absent, their requirements do not apply. */
export interface TargetFeatures {
  /** RFC 8414 authorization server metadata. */
  authorizationServerMetadata?: boolean;
  /** A JWK Set (RFC 7517). */
  jwks?: boolean;
  /** The IETF RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers). */
  rateLimitHeaders?: boolean;
}

/** The identifier system the kit writes with when the target file names none. */
export const KIT_IDENTIFIER_SYSTEM = 'urn:spp-kit:conformance';

/** The target file or the target is unusable: the CLI exits with 2 and prints the message. */
export class TargetError extends Error {}

/** What a target file needs, for `spp-kit conformance` without --target and for error messages. */
export const TARGET_HELP = `A target file is YAML describing the deployment to check:

  baseUrl: https://registry.example.gov/api/v2/spp   # required: the API base URL
  profile: openspp            # openspp (default) | rfc6749 | oauth21 | opencrvs | spry
  tokenEndpoint: https://...  # optional; default: the contract's /oauth/token under baseUrl, or RFC 8414 discovery
  clients:                    # by role, each {clientId, clientSecret}; secrets may be \${ENV_VARS}
    full:       { clientId: ..., clientSecret: \${SPP_FULL_SECRET} }     # required: every scope
    reader:     { clientId: ..., clientSecret: ... }  # read/search scopes only (scope checks)
    consent:    { clientId: ..., clientSecret: ... }  # legal basis "consent" (consent checks)
    shortLived: { clientId: ..., clientSecret: ... }  # optional: seconds-long tokens (full-tier expiry check)
    disabled:   { clientId: ..., clientSecret: ... }  # optional: a disabled client
    # any client may add  scope: "a b"  -- the scope it asks for (servers that refuse requests without one)
  records:                    # Individual identifiers system|value and consent ids, for the consent checks
    consented: urn:gov:example:national-id|123
    unconsented: urn:gov:example:national-id|456
    consent: 3f6c1a52-8d4e-4b7a-9c21-5e0d7b3a9f11         # a consent the consent client's organization holds
    foreignConsent: f2b9d6a4-3e8c-4a1f-8d7b-5e2a9c4f1e77  # one another organization holds
  jwt:                        # optional key material (test environments): mint expired/nbf/foreign tokens
    alg: HS256
    secret: \${OPENSPP_JWT_SECRET:-}     # or alg: RS256|ES256 with privateKeyFile: key.pem
  rateLimits:                 # optional; default: what GET /metadata advertises
    token: { perMinute: 5, perDay: 50 }
    api: { perMinute: 60, perDay: 10000 }
  writes: false               # true lets the kit create tagged records (identifier system urn:spp-kit:conformance)
  writeIdentifier:            # optional: an identifier system the deployment accepts for those records
    system: urn:gov:example:test-id
    valuePrefix: SPPKIT-
  features:                   # optional features the target offers (absent and unclaimed: not applicable)
    authorizationServerMetadata: true   # RFC 8414
    jwks: true
    rateLimitHeaders: true              # RateLimit / RateLimit-Policy
  userFlows:                  # optional: authorization code + PKCE, refresh tokens, revocation, introspection
    scope: individual:read individual:search
    clients:
      confidential: { clientId: ..., clientSecret: ..., redirectUri: https://app.example/cb }
      public:       { clientId: ..., redirectUri: http://127.0.0.1:8766/callback }
    user: { username: ..., password: \${TEST_USER_PASSWORD}, form: { username: username, password: password } }
    # interactive: true       # instead of user: print the authorization URL, wait for the redirect (loopback URIs)

A missing optional client or record skips the checks that need it, and the report says so.
The file's JSON Schema is conformance/target-schema.json (editors can validate and complete against it).`;

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

/** Replaces `${NAME}` / `${NAME:-default}` in every string of a parsed document. */
export function interpolate(value: unknown, env: Record<string, string | undefined>, problems: string[], path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, hasDefault: string | undefined, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (hasDefault !== undefined) return fallback ?? '';
      problems.push(`${path || 'value'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, problems, path ? `${path}.${k}` : k)]));
  }
  return value;
}

/** A target document after interpolation, as target-schema.json allows it. */
interface TargetDocument {
  baseUrl: string;
  profile?: string;
  tokenEndpoint?: string;
  clients: Partial<Record<Role, TargetClient | null>>;
  records?: Target['records'];
  jwt?: { alg: JwtKeyMaterial['alg']; secret?: string; privateKeyFile?: string; issuer?: string; audience?: string } | null;
  rateLimits?: { token?: RateLimitDeclaration; api?: RateLimitDeclaration };
  writes?: boolean;
  writeIdentifier?: { system: string; valuePrefix?: string };
  features?: TargetFeatures;
  userFlows?: UserFlowsDocument;
}

interface ParseOptions {
  file?: string;
  env?: Record<string, string | undefined>;
  /** Reads privateKeyFile (resolved against the target file's directory); default: the file system. */
  readFile?: (path: string) => string;
}

/** The document with `${NAME}` references filled in; missing variables are reported alone (they would only cascade). */
function withEnvironment(doc: object, env: Record<string, string | undefined>, where: string): unknown {
  const problems: string[] = [];
  const filled = interpolate(doc, env, problems);
  if (problems.length) throw new TargetError(`${where}:\n  - ${problems.join('\n  - ')}`);
  return filled;
}

/** The PEM of an RS256/ES256 key file, or undefined after noting why it cannot be used. */
function privateKey(file: string, options: ParseOptions, problems: string[]): string | undefined {
  const path = options.file ? resolve(dirname(options.file), file) : file;
  try {
    const pem = (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
    if (pem.includes('PRIVATE KEY-----')) return pem;
    problems.push(`jwt.privateKeyFile ${file} is not a PEM private key`);
  } catch (e) {
    problems.push(`jwt.privateKeyFile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return undefined;
}

/** Usable key material, or undefined (none declared, an empty HS256 secret, or an unreadable key file). */
function keyMaterial(jwt: TargetDocument['jwt'], options: ParseOptions, problems: string[]): JwtKeyMaterial | undefined {
  if (!jwt || typeof jwt !== 'object') return undefined;
  let key: JwtKeyMaterial | undefined;
  if (jwt.alg === 'HS256' && typeof jwt.secret === 'string' && jwt.secret !== '') key = { alg: 'HS256', secret: jwt.secret };
  if ((jwt.alg === 'RS256' || jwt.alg === 'ES256') && typeof jwt.privateKeyFile === 'string') {
    const pem = privateKey(jwt.privateKeyFile, options, problems);
    if (pem) key = { alg: jwt.alg, privateKeyPem: pem };
  }
  if (key && typeof jwt.issuer === 'string') key.issuer = jwt.issuer;
  if (key && typeof jwt.audience === 'string') key.audience = jwt.audience;
  return key;
}

/** What the operator should know about the optional parts the file leaves out. */
function omissionNotes(target: Pick<Target, 'clients' | 'records'>, jwt: TargetDocument['jwt']): string[] {
  const notes: string[] = [];
  for (const role of ROLES) if (role !== 'full' && !target.clients[role]) notes.push(`no ${role} client: the checks that need it are skipped`);
  for (const k of ['consented', 'unconsented', 'consent', 'foreignConsent'] as const)
    if (!target.records[k]) notes.push(`no records.${k}: the consent checks that need it are skipped`);
  if (!jwt) notes.push('no jwt key material: expired/nbf/foreign-token checks that need the signing key are skipped');
  else if (jwt.alg === 'HS256' && jwt.secret === '') notes.push('jwt.secret is empty (its environment variable is unset): the key-mode checks are skipped');
  return notes;
}

/** The Target a valid document describes. */
function toTarget(doc: TargetDocument, jwt: JwtKeyMaterial | undefined, file: string | undefined, userFlows: UserFlowsTarget | undefined): Target {
  const base = new URL(doc.baseUrl);
  const clients = Object.fromEntries(Object.entries(doc.clients).filter(([, c]) => c)) as Target['clients'];
  const records = doc.records ?? {};
  const { token, api } = doc.rateLimits ?? {};
  const limits = (l: RateLimitDeclaration) => ({ perMinute: l.perMinute, perDay: l.perDay });
  return {
    ...(file ? { file } : {}),
    baseUrl: `${base.origin}${base.pathname.replace(/\/+$/, '')}`,
    profile: doc.profile ?? 'openspp',
    ...(doc.tokenEndpoint ? { tokenEndpoint: new URL(doc.tokenEndpoint).href } : {}),
    clients: Object.fromEntries(
      Object.entries(clients).map(([role, c]) => [role, { clientId: c.clientId, clientSecret: c.clientSecret, ...(c.scope ? { scope: c.scope } : {}) }]),
    ),
    records,
    ...(jwt ? { jwt } : {}),
    ...(doc.rateLimits ? { rateLimits: { ...(token ? { token: limits(token) } : {}), ...(api ? { api: limits(api) } : {}) } } : {}),
    writes: doc.writes === true,
    writeIdentifier: { system: doc.writeIdentifier?.system ?? KIT_IDENTIFIER_SYSTEM, valuePrefix: doc.writeIdentifier?.valuePrefix ?? '' },
    features: { ...(doc.features ?? {}) },
    ...(userFlows ? { userFlows } : {}),
    notes: [
      ...omissionNotes({ clients, records }, doc.jwt),
      ...(userFlows ? [] : ['no userFlows: the authorization code, refresh, revocation and introspection checks are skipped']),
    ],
  };
}

/**
 * Validates a parsed target document against conformance/target-schema.json, after filling in `${NAME}`
 * references. Throws one TargetError listing every problem.
 */
export function parseTarget(doc: unknown, options: ParseOptions = {}): Target {
  const where = options.file ?? 'target';
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new TargetError(`${where}: not a YAML mapping.\n\n${TARGET_HELP}`);
  const raw = withEnvironment(doc, options.env ?? process.env, where) as TargetDocument;
  const problems = schemaProblems(schemaValidator('target'), raw);
  const jwt = keyMaterial(raw.jwt, options, problems);
  const userFlows = raw.userFlows && problems.length === 0 ? userFlowsOf(raw.userFlows, problems) : undefined;
  if (problems.length) throw new TargetError(`${where}:\n  - ${problems.join('\n  - ')}`);
  return toTarget(raw, jwt, options.file, userFlows);
}

/** Reads and validates a target file (YAML). Throws a TargetError naming every problem. */
export function loadTarget(file: string, env: Record<string, string | undefined> = process.env): Target {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TargetError(`cannot read the target file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new TargetError(`${file} is not valid YAML: ${(e as Error).message}`);
  }
  return parseTarget(doc, { file, env });
}

/** Every secret the target holds, for masking. */
export function targetSecrets(target: Target): string[] {
  return [
    ...Object.values(target.clients).map((c) => c.clientSecret),
    ...(target.jwt?.secret ? [target.jwt.secret] : []),
    ...userFlowSecrets(target.userFlows).map(([secret]) => secret),
  ].filter((s) => s.length >= 4);
}

/** Shell variable names for the target's secrets in curl lines (`SPP_FULL_CLIENT_SECRET`), longest secret first. */
export function secretVariables(target: Target): Array<[string, string]> {
  const vars: Array<[string, string]> = [];
  for (const [role, c] of Object.entries(target.clients))
    vars.push([c.clientSecret, `SPP_${role.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}_CLIENT_SECRET`]);
  if (target.jwt?.secret) vars.push([target.jwt.secret, 'SPP_JWT_SECRET']);
  vars.push(...userFlowSecrets(target.userFlows));
  return vars.sort((a, b) => b[0].length - a[0].length);
}
