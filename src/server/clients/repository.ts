/**
 * API clients and their organizations in SQLite. Secrets are generated here, returned once, and stored only
 * as a hash. Functions take the database explicitly: the CLI and the server share them.
 */
import { publishedContract } from '../../contract/contract.js';
import { generateClientId, generateClientSecret, hashClientSecret, verifyClientSecret } from '../auth/client-secrets.js';
import type { LegalBasis } from '../context.js';
import type { Db } from '../store/db.js';
import { ChangeStamp } from '../store/stamp.js';
import { stmt } from '../store/statements.js';

export const LEGAL_BASES: readonly LegalBasis[] = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interest',
  'public_interest',
  'public_task',
  'legitimate_interest',
];
export const ORG_TYPES = ['government', 'ngo', 'ingo', 'un', 'private', 'research', 'other'] as const;
/** RFC 6749 §2.1: a confidential client can keep a secret; a public one (a browser or native app) cannot. */
export const CLIENT_TYPES = ['confidential', 'public'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
/** What a public client's secret hash holds: nothing a presented secret can match. */
const NO_SECRET = 'none';

export interface ApiClient {
  rowId: number;
  clientId: string;
  name: string;
  organizationId: number;
  organizationCode: string;
  organizationName: string;
  legalBasis: LegalBasis;
  scopes: string[];
  active: boolean;
  secretVersion: number;
  secretHash: string;
  tokenLifetime: number | null;
  rateLimitPerMinute: number | null;
  rateLimitPerDay: number | null;
  /** Public clients have no secret, sign users in with PKCE and cannot use client credentials. */
  clientType: ClientType;
  /** The redirect URIs of the authorization code grant; none means the client cannot use it. */
  redirectUris: string[];
  createdAt: string;
  updatedAt: string;
}

/** What is safe to print: everything but the secret hash and the row ids. */
export function publicView(c: ApiClient) {
  return {
    clientId: c.clientId,
    name: c.name,
    organization: c.organizationCode,
    legalBasis: c.legalBasis,
    scopes: c.scopes,
    active: c.active,
    tokenLifetime: c.tokenLifetime,
    rateLimitPerMinute: c.rateLimitPerMinute,
    rateLimitPerDay: c.rateLimitPerDay,
    clientType: c.clientType,
    redirectUris: c.redirectUris,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export class ClientAdminError extends Error {}

interface Row {
  id: number;
  client_id: string;
  name: string;
  organization_id: number;
  org_code: string;
  org_name: string;
  legal_basis: LegalBasis;
  scopes: string;
  active: number;
  secret_version: number;
  secret_hash: string;
  token_lifetime: number | null;
  rate_limit_per_minute: number | null;
  rate_limit_per_day: number | null;
  client_type: ClientType;
  redirect_uris: string;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT c.*, o.code AS org_code, o.name AS org_name FROM api_clients c JOIN organizations o ON o.id = c.organization_id`;

function toClient(r: Row): ApiClient {
  return {
    rowId: r.id,
    clientId: r.client_id,
    name: r.name,
    organizationId: r.organization_id,
    organizationCode: r.org_code,
    organizationName: r.org_name,
    legalBasis: r.legal_basis,
    scopes: r.scopes ? r.scopes.split(' ') : [],
    active: r.active === 1,
    secretVersion: r.secret_version,
    secretHash: r.secret_hash,
    tokenLifetime: r.token_lifetime,
    rateLimitPerMinute: r.rate_limit_per_minute,
    rateLimitPerDay: r.rate_limit_per_day,
    clientType: r.client_type,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Scopes are checked against the contract's catalogue and stored sorted, space separated. */
export function normaliseScopes(scopes: readonly string[]): string[] {
  const unknown = scopes.filter((s) => !publishedContract.scopes.has(s));
  if (unknown.length) throw new ClientAdminError(`unknown scope(s): ${unknown.join(', ')} (see the scope catalogue in GET /metadata)`);
  return [...new Set(scopes)].sort();
}

export function ensureOrganization(db: Db, org: { code: string; name?: string; type?: string }): number {
  if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(org.code)) throw new ClientAdminError(`organization code '${org.code}' must be lower-case letters, digits and dashes`);
  if (org.type && !(ORG_TYPES as readonly string[]).includes(org.type)) throw new ClientAdminError(`organization type must be one of ${ORG_TYPES.join(', ')}`);
  const found = db.prepare('SELECT id FROM organizations WHERE code = ?').get(org.code) as { id: number } | undefined;
  if (found) return found.id;
  return Number(
    db.prepare('INSERT INTO organizations (code, name, org_type) VALUES (?, ?, ?)').run(org.code, org.name ?? org.code, org.type ?? 'government')
      .lastInsertRowid,
  );
}

export interface NewClient {
  name: string;
  organization: string;
  legalBasis?: LegalBasis;
  scopes: string[];
  tokenLifetime?: number | null;
  rateLimitPerMinute?: number | null;
  rateLimitPerDay?: number | null;
  active?: boolean;
  /** Default confidential. A public client gets no secret. */
  clientType?: ClientType;
  redirectUris?: string[];
  /** Only for the labelled demo fixtures: fixed credentials (no secret for a public client). Production clients get generated ones. */
  fixedCredentials?: { clientId: string; clientSecret?: string };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Redirect URIs as RFC 6749 §3.1.2 and OAuth 2.1 §2.3.1 allow them: absolute, without a fragment; https, or plain
 * http on the loopback interface (a native app's local listener), or a private-use scheme with a dot in it
 * (`com.example.app:/cb`, RFC 8252 §7.1). Kept exactly as given: they are compared as strings.
 */
export function normaliseRedirectUris(uris: readonly string[]): string[] {
  for (const uri of uris) {
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      throw new ClientAdminError(`redirect URI '${uri}' is not an absolute URI`);
    }
    if (u.hash || uri.includes('#')) throw new ClientAdminError(`redirect URI '${uri}' must not have a fragment`);
    const scheme = u.protocol.slice(0, -1);
    const ok = scheme === 'https' || (scheme === 'http' && LOOPBACK_HOSTS.has(u.hostname)) || (scheme.includes('.') && scheme !== 'http' && scheme !== 'https');
    if (!ok)
      throw new ClientAdminError(`redirect URI '${uri}' must be https, http on 127.0.0.1/[::1]/localhost, or a private-use scheme like com.example.app:/cb`);
    if (uri.length > 2000) throw new ClientAdminError(`redirect URI '${uri.slice(0, 40)}…' is longer than 2000 characters`);
  }
  return [...new Set(uris)];
}

export function createClient(db: Db, input: NewClient, now = new Date()): { client: ApiClient; clientSecret: string | undefined } {
  const legalBasis = input.legalBasis ?? 'consent';
  if (!LEGAL_BASES.includes(legalBasis)) throw new ClientAdminError(`legal basis must be one of ${LEGAL_BASES.join(', ')}`);
  if (!input.name.trim()) throw new ClientAdminError('a client needs a name');
  const scopes = normaliseScopes(input.scopes);
  const clientType = input.clientType ?? 'confidential';
  if (!CLIENT_TYPES.includes(clientType)) throw new ClientAdminError(`client type must be one of ${CLIENT_TYPES.join(', ')}`);
  const redirectUris = normaliseRedirectUris(input.redirectUris ?? []);
  if (clientType === 'public' && redirectUris.length === 0)
    throw new ClientAdminError('a public client needs at least one redirect URI (it can use only the authorization code grant)');
  const orgId = db.prepare('SELECT id FROM organizations WHERE code = ?').get(input.organization) as { id: number } | undefined;
  if (!orgId) throw new ClientAdminError(`no organization '${input.organization}' (create it with --org-name, or pick an existing one)`);
  const clientId = input.fixedCredentials?.clientId ?? generateClientId();
  const clientSecret = clientType === 'public' ? undefined : (input.fixedCredentials?.clientSecret ?? generateClientSecret());
  const stamp = now.toISOString();
  try {
    db.prepare(
      `INSERT INTO api_clients (client_id, name, secret_hash, organization_id, legal_basis, scopes, active, token_lifetime, rate_limit_per_minute, rate_limit_per_day, client_type, redirect_uris, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      clientId,
      input.name.trim(),
      clientSecret === undefined ? NO_SECRET : hashClientSecret(clientSecret),
      orgId.id,
      legalBasis,
      scopes.join(' '),
      input.active === false ? 0 : 1,
      input.tokenLifetime ?? null,
      input.rateLimitPerMinute ?? null,
      input.rateLimitPerDay ?? null,
      clientType,
      JSON.stringify(redirectUris),
      stamp,
      stamp,
    );
  } catch (e) {
    if (String(e).includes('UNIQUE')) throw new ClientAdminError(`a client with id ${clientId} already exists`);
    throw e;
  }
  return { client: findClient(db, clientId)!, clientSecret };
}

export function findClient(db: Db, clientId: string): ApiClient | undefined {
  const row = stmt(db, `${SELECT} WHERE c.client_id = ?`).get(clientId) as Row | undefined;
  return row ? toClient(row) : undefined;
}

export function listClients(db: Db): ApiClient[] {
  return (db.prepare(`${SELECT} ORDER BY c.created_at, c.id`).all() as Row[]).map(toClient);
}

function mustFind(db: Db, clientId: string): ApiClient {
  const c = findClient(db, clientId);
  if (!c) throw new ClientAdminError(`no client '${clientId}'`);
  return c;
}

/** A new secret; the old one and every token issued under it stop working at once. */
export function rotateSecret(db: Db, clientId: string, now = new Date()): { client: ApiClient; clientSecret: string } {
  if (mustFind(db, clientId).clientType === 'public') throw new ClientAdminError(`${clientId} is a public client: it has no secret to rotate`);
  const clientSecret = generateClientSecret();
  db.prepare('UPDATE api_clients SET secret_hash = ?, secret_version = secret_version + 1, updated_at = ? WHERE client_id = ?').run(
    hashClientSecret(clientSecret),
    now.toISOString(),
    clientId,
  );
  return { client: mustFind(db, clientId), clientSecret };
}

export function setActive(db: Db, clientId: string, active: boolean, now = new Date()): ApiClient {
  mustFind(db, clientId);
  db.prepare('UPDATE api_clients SET active = ?, updated_at = ? WHERE client_id = ?').run(active ? 1 : 0, now.toISOString(), clientId);
  return mustFind(db, clientId);
}

export function setScopes(db: Db, clientId: string, scopes: string[], now = new Date()): ApiClient {
  mustFind(db, clientId);
  db.prepare('UPDATE api_clients SET scopes = ?, updated_at = ? WHERE client_id = ?').run(normaliseScopes(scopes).join(' '), now.toISOString(), clientId);
  return mustFind(db, clientId);
}

/** Replaces the client's redirect URIs; codes already issued for a removed URI can no longer be exchanged. */
export function setRedirectUris(db: Db, clientId: string, uris: string[], now = new Date()): ApiClient {
  const c = mustFind(db, clientId);
  const redirectUris = normaliseRedirectUris(uris);
  if (c.clientType === 'public' && redirectUris.length === 0) throw new ClientAdminError('a public client needs at least one redirect URI');
  db.prepare('UPDATE api_clients SET redirect_uris = ?, updated_at = ? WHERE client_id = ?').run(JSON.stringify(redirectUris), now.toISOString(), clientId);
  return mustFind(db, clientId);
}

/**
 * Makes a client public (its secret is dropped, and its tokens issued under the secret with it) or confidential
 * (a new secret is generated and returned, shown once).
 */
export function setClientType(db: Db, clientId: string, type: ClientType, now = new Date()): { client: ApiClient; clientSecret: string | undefined } {
  const c = mustFind(db, clientId);
  if (!CLIENT_TYPES.includes(type)) throw new ClientAdminError(`client type must be one of ${CLIENT_TYPES.join(', ')}`);
  if (c.clientType === type) return { client: c, clientSecret: undefined };
  if (type === 'public' && c.redirectUris.length === 0)
    throw new ClientAdminError('register a redirect URI first (--redirect-uri): a public client can use only the authorization code grant');
  const clientSecret = type === 'confidential' ? generateClientSecret() : undefined;
  db.prepare('UPDATE api_clients SET client_type = ?, secret_hash = ?, secret_version = secret_version + 1, updated_at = ? WHERE client_id = ?').run(
    type,
    clientSecret === undefined ? NO_SECRET : hashClientSecret(clientSecret),
    now.toISOString(),
    clientId,
  );
  return { client: mustFind(db, clientId), clientSecret };
}

/**
 * Clients as the token endpoint looks them up, remembered while the database stands still (store/stamp.ts): a
 * client disabled, re-scoped or rotated by `spp-kit clients …` in another process moves `data_version`, a change
 * through this connection moves `total_changes()`, and either empties it — the next request sees the client as
 * it is. Entries are frozen, as they are shared between requests.
 */
class ClientCache {
  private readonly entries = new Map<string, ApiClient | undefined>();
  private readonly stamp: ChangeStamp;

  constructor(private readonly db: Db) {
    this.stamp = new ChangeStamp(db);
  }

  find(clientId: string): ApiClient | undefined {
    if (this.stamp.moved()) this.entries.clear();
    if (this.entries.has(clientId)) return this.entries.get(clientId);
    const client = findClient(this.db, clientId);
    if (client) {
      Object.freeze(client.scopes);
      Object.freeze(client.redirectUris);
      Object.freeze(client);
    }
    // Unknown ids are not remembered: anyone can send any number of them.
    if (client && this.stamp.settled) {
      if (this.entries.size >= 1000) this.entries.clear();
      this.entries.set(clientId, client);
    }
    return client;
  }
}

const clientCaches = new WeakMap<Db, ClientCache>();

/** The client with this id as it is now (see ClientCache). */
export function currentClient(db: Db, clientId: string): ApiClient | undefined {
  let cache = clientCaches.get(db);
  if (!cache) clientCaches.set(db, (cache = new ClientCache(db)));
  return cache.find(clientId);
}

/** The client, when the id exists, the secret matches and the client is active; undefined otherwise. */
export function authenticateClient(db: Db, clientId: string, secret: string): ApiClient | undefined {
  const c = currentClient(db, clientId);
  // Hash even for unknown clients so that response time does not tell which client ids exist.
  const ok = verifyClientSecret(secret, c?.secretHash ?? 'sha256:00');
  return c && ok && c.active ? c : undefined;
}
