/**
 * Profiles (conformance/profiles/*.yaml): which requirements apply, and how the kit makes its requests (client
 * authentication style, where the token endpoint is, what a token should look like).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dataDir, matchesPattern } from './catalogue.js';

/** How a client authenticates at the token endpoint. `json` is the OpenSPP seed's style. */
export type AuthMethod = 'basic' | 'post' | 'json' | 'query';
export const AUTH_METHODS: readonly AuthMethod[] = ['basic', 'post', 'json', 'query'];

export interface Profile {
  name: string;
  title: string;
  /** `api`: token endpoint, resource server and contract; `token`: the token endpoint alone. */
  scope: 'api' | 'token';
  /** Validate every response against the OpenAPI document. */
  contract: boolean;
  /** `contract`: the issueToken path under baseUrl; `target`: the target file names it; `discover`: target, else RFC 8414 / OpenID discovery. */
  tokenEndpoint: 'contract' | 'target' | 'discover';
  clientAuth: { primary: AuthMethod; expected: AuthMethod[]; optional: AuthMethod[]; refused: AuthMethod[] };
  token: {
    format: 'jwt' | 'any';
    /** Accepted `alg` values; empty = not checked. */
    algorithms: string[];
    typ?: string;
    maxLifetime?: number;
    expiresIn: 'required' | 'recommended' | 'absent-allowed';
    pragma: 'required' | 'not-required';
  };
  requirements: { include: string[]; exclude: Record<string, string> };
}

export class ProfileError extends Error {}

function list(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ProfileError(`${what} must be a list of names`);
  return value;
}

function methods(value: unknown, what: string): AuthMethod[] {
  const names = list(value, what);
  const bad = names.filter((n) => !AUTH_METHODS.includes(n as AuthMethod));
  if (bad.length) throw new ProfileError(`${what}: unknown method ${bad.join(', ')} (use ${AUTH_METHODS.join(', ')})`);
  return names as AuthMethod[];
}

export function parseProfile(text: string, file = 'profile'): Profile {
  const raw = parse(text) as Record<string, any>;
  const fail = (m: string): never => {
    throw new ProfileError(`${file}: ${m}`);
  };
  if (!raw || typeof raw !== 'object') fail('not a YAML object');
  if (typeof raw.name !== 'string') fail('name is required');
  if (raw.scope !== 'api' && raw.scope !== 'token') fail('scope must be api or token');
  if (!['contract', 'target', 'discover'].includes(raw.tokenEndpoint)) fail('tokenEndpoint must be contract, target or discover');
  const primary = methods([raw.clientAuth?.primary], `${file}: clientAuth.primary`)[0]!;
  const token = raw.token ?? {};
  if (!['required', 'recommended', 'absent-allowed'].includes(token.expiresIn)) fail('token.expiresIn must be required, recommended or absent-allowed');
  if (!['required', 'not-required'].includes(token.pragma)) fail('token.pragma must be required or not-required');
  const exclude = raw.requirements?.exclude ?? {};
  if (typeof exclude !== 'object' || Array.isArray(exclude)) fail('requirements.exclude must map ids to reasons');
  return {
    name: raw.name,
    title: String(raw.title ?? raw.name),
    scope: raw.scope,
    contract: Boolean(raw.contract),
    tokenEndpoint: raw.tokenEndpoint,
    clientAuth: {
      primary,
      expected: methods(raw.clientAuth?.expected, `${file}: clientAuth.expected`),
      optional: methods(raw.clientAuth?.optional, `${file}: clientAuth.optional`),
      refused: methods(raw.clientAuth?.refused, `${file}: clientAuth.refused`),
    },
    token: {
      format: token.format === 'jwt' ? 'jwt' : 'any',
      algorithms: list(token.algorithms, `${file}: token.algorithms`),
      ...(typeof token.typ === 'string' ? { typ: token.typ } : {}),
      ...(typeof token.maxLifetime === 'number' ? { maxLifetime: token.maxLifetime } : {}),
      expiresIn: token.expiresIn,
      pragma: token.pragma,
    },
    requirements: { include: list(raw.requirements?.include ?? ['*'], `${file}: requirements.include`), exclude: exclude as Record<string, string> },
  };
}

const profilesDir = new URL('profiles/', dataDir);

export function profileNames(): string[] {
  return readdirSync(profilesDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export function loadProfile(name: string): Profile {
  if (!/^[a-z0-9-]+$/.test(name) || !profileNames().includes(name)) {
    throw new ProfileError(`unknown profile '${name}' (available: ${profileNames().join(', ')})`);
  }
  return parseProfile(readFileSync(new URL(`${name}.yaml`, profilesDir), 'utf8'), `profiles/${name}.yaml`);
}

/** Whether a requirement applies under a profile, and why not. Pure. */
export function applicability(profile: Profile, id: string): { applies: true } | { applies: false; reason: string } {
  for (const [pattern, reason] of Object.entries(profile.requirements.exclude)) {
    if (matchesPattern(id, pattern)) return { applies: false, reason };
  }
  if (profile.requirements.include.some((p) => matchesPattern(id, p))) return { applies: true };
  return { applies: false, reason: `outside the ${profile.name} profile (${profile.title})` };
}
