/**
 * The target file (DESIGN.md §4): what the kit runs against. YAML, validated here into a Target; every problem
 * is reported at once as a TargetError (the CLI exits with 2). Values may name environment variables, so that
 * secrets need not be written into the file: `${NAME}` (required) or `${NAME:-default}`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ROLES, type Role } from './types.js';

export interface TargetClient {
  clientId: string;
  clientSecret: string;
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
  records: { consented?: string; unconsented?: string };
  jwt?: JwtKeyMaterial;
  rateLimits?: { token?: RateLimitDeclaration; api?: RateLimitDeclaration };
  writes: boolean;
  /** Things worth telling the operator about the file itself (omitted optional parts). */
  notes: string[];
}

export class TargetError extends Error {}

/** What a target file needs, for `spp-kit conformance` without --target and for error messages. */
export const TARGET_HELP = `A target file is YAML describing the deployment to check:

  baseUrl: https://registry.example.gov/api/v2/spp   # required: the API base URL
  profile: openspp            # openspp (default) | rfc6749 | oauth21 | opencrvs
  tokenEndpoint: https://...  # optional; default: the contract's /oauth/token under baseUrl, or RFC 8414 discovery
  clients:                    # by role, each {clientId, clientSecret}; secrets may be \${ENV_VARS}
    full:       { clientId: ..., clientSecret: \${SPP_FULL_SECRET} }     # required: every scope
    reader:     { clientId: ..., clientSecret: ... }  # read/search scopes only (scope checks)
    consent:    { clientId: ..., clientSecret: ... }  # legal basis "consent" (consent checks)
    shortLived: { clientId: ..., clientSecret: ... }  # optional: seconds-long tokens (full-tier expiry check)
    disabled:   { clientId: ..., clientSecret: ... }  # optional: a disabled client
  records:                    # Individual identifiers system|value, for the consent checks
    consented: urn:gov:example:national-id|123
    unconsented: urn:gov:example:national-id|456
  jwt:                        # optional key material (test environments): mint expired/nbf/foreign tokens
    alg: HS256
    secret: \${OPENSPP_JWT_SECRET:-}     # or alg: RS256|ES256 with privateKeyFile: key.pem
  rateLimits:                 # optional; default: what GET /metadata advertises
    token: { perMinute: 5, perDay: 50 }
    api: { perMinute: 60, perDay: 10000 }
  writes: false               # true lets the kit create tagged records (identifier system urn:spp-kit:conformance)

A missing optional client or record skips the checks that need it, and the report says so.`;

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

function limits(raw: unknown, where: string, problems: string[]): RateLimitDeclaration | undefined {
  if (raw === undefined) return undefined;
  const r = raw as Record<string, unknown>;
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
  if (!r || typeof r !== 'object' || !ok(r.perMinute) || !ok(r.perDay)) {
    problems.push(`${where} needs positive whole numbers perMinute and perDay`);
    return undefined;
  }
  return { perMinute: r.perMinute as number, perDay: r.perDay as number };
}

/**
 * Validates a parsed target document. `readFile` resolves privateKeyFile (relative to the target file).
 * Throws TargetError with every problem found.
 */
export function parseTarget(
  doc: unknown,
  options: { file?: string; env?: Record<string, string | undefined>; readFile?: (path: string) => string } = {},
): Target {
  const problems: string[] = [];
  const notes: string[] = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new TargetError(`${options.file ?? 'target'}: not a YAML mapping.\n\n${TARGET_HELP}`);
  const raw = interpolate(doc, options.env ?? process.env, problems) as Record<string, any>;
  // Missing variables would only cascade into "clientSecret is required": report them alone.
  if (problems.length) throw new TargetError(`${options.file ?? 'target'}:\n  - ${problems.join('\n  - ')}`);

  const known = new Set(['baseUrl', 'profile', 'tokenEndpoint', 'clients', 'records', 'jwt', 'rateLimits', 'writes']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`unknown key '${key}' (known: ${[...known].join(', ')})`);

  let baseUrl = '';
  if (typeof raw.baseUrl !== 'string' || !raw.baseUrl) problems.push('baseUrl is required (e.g. http://127.0.0.1:8069/api/v2/spp)');
  else {
    try {
      const u = new URL(raw.baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`baseUrl must be http(s), got ${u.protocol}`);
      if (u.search || u.hash) problems.push('baseUrl must not have a query or fragment');
      baseUrl = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    } catch {
      problems.push(`baseUrl is not a URL: '${raw.baseUrl}'`);
    }
  }

  const profile = raw.profile === undefined ? 'openspp' : raw.profile;
  if (typeof profile !== 'string') problems.push('profile must be a name');

  let tokenEndpoint: string | undefined;
  if (raw.tokenEndpoint !== undefined) {
    if (typeof raw.tokenEndpoint !== 'string') problems.push('tokenEndpoint must be a URL');
    else {
      try {
        tokenEndpoint = new URL(raw.tokenEndpoint).href;
      } catch {
        problems.push(`tokenEndpoint is not a URL: '${raw.tokenEndpoint}'`);
      }
    }
  }

  const clients: Target['clients'] = {};
  const rawClients = raw.clients;
  if (!rawClients || typeof rawClients !== 'object') problems.push('clients is required: at least clients.full {clientId, clientSecret}');
  else {
    for (const [role, c] of Object.entries(rawClients as Record<string, any>)) {
      if (!ROLES.includes(role as Role)) {
        problems.push(`clients.${role}: unknown role (roles: ${ROLES.join(', ')})`);
        continue;
      }
      if (c === null || c === undefined) continue;
      if (typeof c !== 'object' || typeof c.clientId !== 'string' || !c.clientId || typeof c.clientSecret !== 'string' || !c.clientSecret) {
        problems.push(`clients.${role} needs clientId and clientSecret`);
        continue;
      }
      clients[role as Role] = { clientId: c.clientId, clientSecret: c.clientSecret };
    }
    if (!clients.full) problems.push('clients.full is required (a client holding every scope)');
  }
  for (const role of ROLES) if (role !== 'full' && !clients[role]) notes.push(`no ${role} client: the checks that need it are skipped`);

  const records: Target['records'] = {};
  if (raw.records !== undefined) {
    if (typeof raw.records !== 'object' || raw.records === null) problems.push('records must map consented/unconsented to identifiers');
    else {
      for (const [k, v] of Object.entries(raw.records as Record<string, unknown>)) {
        if (k !== 'consented' && k !== 'unconsented') problems.push(`records.${k}: unknown (use consented, unconsented)`);
        else if (typeof v !== 'string' || !/^[^|]+\|.+$/.test(v)) problems.push(`records.${k} must be an identifier system|value`);
        else records[k] = v;
      }
    }
  }
  for (const k of ['consented', 'unconsented'] as const) if (!records[k]) notes.push(`no records.${k}: the consent checks that need it are skipped`);

  let jwt: JwtKeyMaterial | undefined;
  if (raw.jwt !== undefined && raw.jwt !== null) {
    const j = raw.jwt as Record<string, unknown>;
    if (!['HS256', 'RS256', 'ES256'].includes(String(j.alg))) problems.push('jwt.alg must be HS256, RS256 or ES256');
    else if (j.alg === 'HS256') {
      if (typeof j.secret !== 'string') problems.push('jwt.secret is required for HS256');
      else if (j.secret === '') notes.push('jwt.secret is empty (its environment variable is unset): the key-mode checks are skipped');
      else jwt = { alg: 'HS256', secret: j.secret };
    } else if (typeof j.privateKeyFile !== 'string') problems.push(`jwt.privateKeyFile is required for ${String(j.alg)}`);
    else {
      const path = options.file ? resolve(dirname(options.file), j.privateKeyFile) : j.privateKeyFile;
      try {
        const pem = (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
        if (!pem.includes('PRIVATE KEY-----')) problems.push(`jwt.privateKeyFile ${j.privateKeyFile} is not a PEM private key`);
        else jwt = { alg: j.alg as 'RS256' | 'ES256', privateKeyPem: pem };
      } catch (e) {
        problems.push(`jwt.privateKeyFile ${j.privateKeyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    if (jwt && typeof j.issuer === 'string') jwt.issuer = j.issuer;
    if (jwt && typeof j.audience === 'string') jwt.audience = j.audience;
  } else notes.push('no jwt key material: expired/nbf/foreign-token checks that need the signing key are skipped');

  let rateLimits: Target['rateLimits'];
  if (raw.rateLimits !== undefined) {
    const r = raw.rateLimits as Record<string, unknown>;
    const token = limits(r?.token, 'rateLimits.token', problems);
    const api = limits(r?.api, 'rateLimits.api', problems);
    rateLimits = { ...(token ? { token } : {}), ...(api ? { api } : {}) };
  }

  if (raw.writes !== undefined && typeof raw.writes !== 'boolean') problems.push('writes must be true or false');

  if (problems.length) throw new TargetError(`${options.file ?? 'target'}:\n  - ${problems.join('\n  - ')}`);
  return {
    ...(options.file ? { file: options.file } : {}),
    baseUrl,
    profile: profile as string,
    ...(tokenEndpoint ? { tokenEndpoint } : {}),
    clients,
    records,
    ...(jwt ? { jwt } : {}),
    ...(rateLimits ? { rateLimits } : {}),
    writes: raw.writes === true,
    notes,
  };
}

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
  return [...Object.values(target.clients).map((c) => c.clientSecret), ...(target.jwt?.secret ? [target.jwt.secret] : [])].filter((s) => s.length >= 4);
}

/** Shell variable names for the target's secrets in curl lines (`SPP_FULL_CLIENT_SECRET`), longest secret first. */
export function secretVariables(target: Target): Array<[string, string]> {
  const vars: Array<[string, string]> = [];
  for (const [role, c] of Object.entries(target.clients))
    vars.push([c.clientSecret, `SPP_${role.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}_CLIENT_SECRET`]);
  if (target.jwt?.secret) vars.push([target.jwt.secret, 'SPP_JWT_SECRET']);
  return vars.sort((a, b) => b[0].length - a[0].length);
}
