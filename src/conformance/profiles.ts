/**
 * Profiles (conformance/profiles/*.yaml, shaped by conformance/profile-schema.json): which requirements apply, and
 * how the kit makes its requests (client authentication style, where the token endpoint is, what a token should
 * look like).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Dialect } from '../contract/contract.js';
import { matchesPattern } from './catalogue.js';
import { dataDir } from './data-dir.js';
import { schemaProblems, schemaValidator } from './file-schemas.js';

/** How a client authenticates at the token endpoint. `json` is the OpenSPP seed's style. */
export type AuthMethod = 'basic' | 'post' | 'json' | 'query';

export interface Profile {
  name: string;
  title: string;
  /** `api`: token endpoint, resource server and contract; `token`: the token endpoint alone. */
  scope: 'api' | 'token';
  /** Validate every response against the OpenAPI document (the `dialect`'s). */
  contract: boolean;
  /**
   * Which dialect's contract the checks use — its operations, scopes, error style, and the document responses are
   * validated against: `published` (openapi/) or `deployed` (openapi/deployed/). `published` when `contract` is off.
   */
  dialect: Dialect;
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

/** A profile is unknown or malformed: the CLI exits with 2 and prints the message. */
export class ProfileError extends Error {}

/** A profile document as profile-schema.json allows it. */
type ProfileDocument = Omit<Profile, 'title' | 'contract' | 'dialect' | 'clientAuth' | 'token' | 'requirements'> & {
  title?: string;
  contract?: boolean | Dialect;
  clientAuth: { primary: AuthMethod } & Partial<Omit<Profile['clientAuth'], 'primary'>>;
  token: Partial<Profile['token']> & Pick<Profile['token'], 'expiresIn' | 'pragma'>;
  requirements?: Partial<Profile['requirements']>;
};

/** Parses and validates a profile (conformance/profile-schema.json); throws one ProfileError listing every problem. */
export function parseProfile(text: string, file = 'profile'): Profile {
  const raw = parse(text) as unknown;
  const problems = schemaProblems(schemaValidator('profile'), raw);
  if (problems.length) throw new ProfileError(`${file}:\n  - ${problems.join('\n  - ')}`);
  const doc = raw as ProfileDocument;
  const { clientAuth, token } = doc;
  return {
    name: doc.name,
    title: doc.title ?? doc.name,
    scope: doc.scope,
    contract: doc.contract !== undefined && doc.contract !== false,
    dialect: doc.contract === 'deployed' ? 'deployed' : 'published',
    tokenEndpoint: doc.tokenEndpoint,
    clientAuth: { primary: clientAuth.primary, expected: clientAuth.expected ?? [], optional: clientAuth.optional ?? [], refused: clientAuth.refused ?? [] },
    token: {
      format: token.format === 'jwt' ? 'jwt' : 'any',
      algorithms: token.algorithms ?? [],
      ...(token.typ !== undefined ? { typ: token.typ } : {}),
      ...(token.maxLifetime !== undefined ? { maxLifetime: token.maxLifetime } : {}),
      expiresIn: token.expiresIn,
      pragma: token.pragma,
    },
    requirements: { include: doc.requirements?.include ?? ['*'], exclude: doc.requirements?.exclude ?? {} },
  };
}

const profilesDir = new URL('profiles/', dataDir);

/** The shipped profiles' names, sorted. */
export function profileNames(): string[] {
  return readdirSync(profilesDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** A shipped profile by name; a ProfileError names the known ones. */
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
