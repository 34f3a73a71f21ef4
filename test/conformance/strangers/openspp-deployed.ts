/**
 * A stranger the kit did not write: an emulation of a deployed OpenSPP 2 (`spp_api_v2`, FastAPI under Odoo) as its
 * code behaves, not as the contract of this repository says — on a free port of 127.0.0.1, in memory.
 *
 * What makes it a stranger (each from the module's code, see the OpenSPP 2 implementation notes):
 * - errors are FastAPI's `{"detail": ...}` (422 validation errors a list), never OperationOutcomes;
 * - searches answer `{data, meta: {total, count, offset}, links: {self, next?}}`; resources carry `type`, no `resourceType`;
 * - a 401 carries `WWW-Authenticate: Bearer` only when the Authorization header is missing; bad tokens get a bare 401;
 * - the token endpoint takes Basic, form or JSON credentials, ignores `scope` (issues every scope of the client and
 *   says so), issues 24-hour HS256 JWTs typed `JWT` (no jti), answers bad credentials 401 `{"detail"}`, sets no
 *   cache headers, and limits each address to N requests a minute (Retry-After on the 429);
 * - searching Individuals and Groups needs `:read` (`:search` is not accepted); scopes are checked in the handler,
 *   after FastAPI validated the body (422 before 403);
 * - no RFC 8414 metadata, no JWK Set, no conditional update, no Program writes (404/405), no RateLimit headers;
 * - writes accept only OpenSPP identifier types (`urn:openspp:vocab:id-type#...`); ETag on reads only, If-Match → 409;
 * - a consent-bound client gets the same 403 "Access denied" (after 50-70 ms) for an unconsented record and a missing one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ISSUER = 'openspp-api-v2';
const AUDIENCE = 'openspp';
const BASE = '/api/v2/spp';
const ID_TYPE = 'urn:openspp:vocab:id-type#';

type Resource = 'individual' | 'group' | 'program' | 'program_membership';
const RESOURCES: Resource[] = ['individual', 'group', 'program', 'program_membership'];

interface Client {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  legalBasis: 'public_task' | 'consent';
}

const everything = RESOURCES.flatMap((r) => ['read', 'search', 'create', 'update'].map((a) => `${r}:${a}`));

/** The deployment's API clients (secrets are this emulation's own). */
export const DEPLOYED_CLIENTS = {
  full: {
    clientId: 'client_full_Xk3',
    clientSecret: 'deployed-full-secret-7b1f4c9e2a6d8053',
    scopes: [...everything, 'individual:all'],
    legalBasis: 'public_task',
  },
  reader: {
    clientId: 'client_reader_Q9',
    clientSecret: 'deployed-reader-secret-3e8a0d5c71b94f26',
    scopes: RESOURCES.flatMap((r) => [`${r}:read`, `${r}:search`]),
    legalBasis: 'public_task',
  },
  consent: {
    clientId: 'client_ngo_P2',
    clientSecret: 'deployed-consent-secret-5c2e9f0b8d1a7346',
    scopes: ['individual:read', 'individual:search'],
    legalBasis: 'consent',
  },
} satisfies Record<string, Client>;

/** Individuals the registry holds; the consent client's organization holds consent for the first only. */
export const DEPLOYED_RECORDS = { consented: `${ID_TYPE}national_id|PH-100-001`, unconsented: `${ID_TYPE}national_id|PH-100-002` };

interface Individual {
  identifier: Array<{ system: string; value: string }>;
  name: { family: string; given: string };
  birthDate: string;
  active: boolean;
  version: number;
}

export interface DeployedOptions {
  /** Token requests per address per minute and per day (the module's are 5 and 50). */
  tokenPerMinute: number;
  tokenPerDay: number;
  /** The HS256 secret (a test environment's: the target file may hold it). */
  secret: string;
}

export interface RunningDeployed {
  baseUrl: string;
  close(): Promise<void>;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
const detail = (status: number, text: unknown, headers: Record<string, string> = {}): Reply => ({ status, body: { detail: text }, headers });

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function sign(claims: Record<string, unknown>, secret: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** PyJWT decode(token, secret, algorithms=["HS256"], audience, issuer): the claims, or why not. */
function verify(token: string, secret: string): { claims: Record<string, any> } | { error: 'expired' | 'invalid' } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'invalid' };
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (header.alg !== 'HS256') return { error: 'invalid' };
    const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2]!, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { error: 'invalid' };
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { error: typeof claims.exp === 'number' ? 'expired' : 'invalid' };
    if (typeof claims.nbf === 'number' && claims.nbf > now) return { error: 'invalid' };
    if (claims.aud !== AUDIENCE || claims.iss !== ISSUER) return { error: 'invalid' };
    return { claims };
  } catch {
    return { error: 'invalid' };
  }
}

function seedIndividuals(): Map<string, Individual> {
  const people: Array<[string, string, string]> = [
    ['PH-100-001', 'Santos', 'Maria'],
    ['PH-100-002', 'Reyes', 'Jose'],
    ['PH-100-003', 'Cruz', 'Ana'],
    ['PH-100-004', 'Bautista', 'Luis'],
    ['PH-100-005', 'Garcia', 'Rosa'],
  ];
  const out = new Map<string, Individual>();
  for (const [value, family, given] of people)
    out.set(`${ID_TYPE}national_id|${value}`, {
      identifier: [{ system: `${ID_TYPE}national_id`, value }],
      name: { family, given },
      birthDate: '1980-01-01',
      active: true,
      version: 1_700_000_000_000_000,
    });
  return out;
}

function render(p: Individual): Record<string, unknown> {
  return { type: 'Individual', identifier: p.identifier, active: p.active, name: p.name, birthDate: p.birthDate, meta: { versionId: String(p.version) } };
}

/** FastAPI's 422 for an Individual body: identifier (min 1 {system, value}) is required. */
function validateIndividual(body: unknown): Reply | undefined {
  const b = body as Record<string, any> | undefined;
  const problems: Array<Record<string, unknown>> = [];
  if (!b || typeof b !== 'object') problems.push({ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' });
  else if (!Array.isArray(b.identifier) || b.identifier.length === 0) problems.push({ type: 'missing', loc: ['body', 'identifier'], msg: 'Field required' });
  else if (b.identifier.some((i: any) => typeof i?.system !== 'string' || typeof i?.value !== 'string'))
    problems.push({ type: 'missing', loc: ['body', 'identifier', 0, 'system'], msg: 'Field required' });
  return problems.length ? detail(422, problems) : undefined;
}

class Deployed {
  readonly people = seedIndividuals();
  private readonly hits = new Map<string, number[]>();
  private readonly clients = new Map<string, Client>(Object.values(DEPLOYED_CLIENTS).map((c) => [c.clientId, c as Client]));

  constructor(readonly options: DeployedOptions) {}

  /** check_auth_rate_limit: per address, sliding minute and day, every parsed request counted. */
  limited(ip: string): Reply | undefined {
    const now = Date.now();
    const list = (this.hits.get(ip) ?? []).filter((t) => t > now - 86_400_000);
    const minute = list.filter((t) => t > now - 60_000);
    const over =
      minute.length >= this.options.tokenPerMinute
        ? { window: 60, oldest: minute[0]! }
        : list.length >= this.options.tokenPerDay
          ? { window: 86_400, oldest: list[0]! }
          : undefined;
    if (over) {
      const retry = Math.max(1, Math.floor(over.window - (now - over.oldest) / 1000));
      return detail(429, 'Too many authentication attempts. Please try again later.', { 'retry-after': String(retry) });
    }
    list.push(now);
    this.hits.set(ip, list);
    return undefined;
  }

  token(req: IncomingMessage, raw: string): Reply {
    const auth = req.headers.authorization ?? '';
    let basic: [string, string] | undefined;
    if (/^basic /i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) basic = [decoded.slice(0, i), decoded.slice(i + 1)];
    }
    let grant: string;
    let id: string | undefined;
    let secret: string | undefined;
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(raw);
      grant = form.get('grant_type') ?? '';
      id = form.get('client_id') ?? basic?.[0];
      secret = form.get('client_secret') ?? basic?.[1];
    } else {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      if (json && typeof json.grant_type === 'string' && typeof json.client_id === 'string' && typeof json.client_secret === 'string')
        [grant, id, secret] = [json.grant_type, json.client_id, json.client_secret];
      else if (basic) [grant, id, secret] = ['client_credentials', ...basic];
      else return detail(400, 'Unable to parse token request. Send credentials via HTTP Basic Auth header, form-encoded body, or JSON body.');
    }
    const limited = this.limited(req.socket.remoteAddress ?? '');
    if (limited) return limited;
    if (grant !== 'client_credentials') return detail(400, "Unsupported grant_type. Only 'client_credentials' is supported.");
    const client = id ? this.clients.get(id) : undefined;
    if (!client || client.clientSecret !== secret) return detail(401, 'Invalid client credentials');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, sub: client.clientId, aud: AUDIENCE, exp: now + 86_400, iat: now, client_id: client.clientId, scopes: client.scopes };
    return { status: 200, body: { access_token: sign(claims, this.options.secret), token_type: 'Bearer', expires_in: 86_400, scope: client.scopes.join(' ') } };
  }

  /** The bearer dependency: the client, or the 401 the module answers. */
  authenticate(req: IncomingMessage): Client | Reply {
    const header = req.headers.authorization;
    if (!header) return detail(401, 'Missing Authorization header', { 'www-authenticate': 'Bearer' });
    const token = header.replace(/^bearer /i, '');
    const v = verify(token, this.options.secret);
    if ('error' in v) return detail(401, v.error === 'expired' ? 'Token expired' : 'Invalid token');
    const client = typeof v.claims.client_id === 'string' ? this.clients.get(v.claims.client_id) : undefined;
    return client ?? detail(401, 'Client not found or inactive');
  }

  static has(client: Client, resource: Resource, action: string): boolean {
    return client.scopes.some((s) => s === `${resource}:${action}` || s === `${resource}:all`);
  }

  static missing(resource: Resource, action: string): Reply {
    return detail(403, `Missing required scope '${resource}:${action}'. Request access from your administrator.`);
  }

  mayRead(client: Client, key: string): boolean {
    return client.legalBasis !== 'consent' || key === DEPLOYED_RECORDS.consented;
  }

  async read(client: Client, key: string): Promise<Reply> {
    if (!Deployed.has(client, 'individual', 'read')) return Deployed.missing('individual', 'read');
    if (!key.includes('|')) return detail(400, 'Invalid identifier format. Expected: {system}|{value}');
    const p = this.people.get(key);
    if (client.legalBasis === 'consent' && (!p || !this.mayRead(client, key))) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 20));
      return detail(403, 'Access denied');
    }
    if (!p) return detail(404, 'Individual not found');
    return {
      status: 200,
      body: render(p),
      headers: { etag: `"${p.version}"`, 'x-consent-status': client.legalBasis === 'consent' ? 'active' : 'legal_basis' },
    };
  }

  search(client: Client, query: URLSearchParams): Reply {
    if (!Deployed.has(client, 'individual', 'read')) return Deployed.missing('individual', 'read');
    const count = Number(query.get('_count') ?? '20');
    const offset = Number(query.get('_offset') ?? '0');
    if (!Number.isInteger(count) || count < 1 || count > 100)
      return detail(422, [{ type: 'less_than_equal', loc: ['query', '_count'], msg: 'Input should be less than or equal to 100' }]);
    const identifier = query.get('identifier');
    if (identifier !== null && !identifier.includes('|')) return detail(400, 'Invalid identifier format. Expected: {system}|{value}');
    const rows = [...this.people.entries()].filter(([k]) => identifier === null || k === identifier).filter(([k]) => this.mayRead(client, k));
    const page = rows.slice(offset, offset + count).map(([, p]) => render(p));
    const self = `${BASE}/Individual?_count=${count}&_offset=${offset}`;
    const more = offset + count < rows.length;
    return {
      status: 200,
      body: {
        data: page,
        meta: { total: client.legalBasis === 'consent' ? page.length : rows.length, count: page.length, offset },
        links: { self, ...(more ? { next: `${BASE}/Individual?_count=${count}&_offset=${offset + count}` } : {}) },
      },
    };
  }

  create(client: Client, body: unknown): Reply {
    const invalid = validateIndividual(body);
    if (invalid) return invalid;
    if (!Deployed.has(client, 'individual', 'create')) return Deployed.missing('individual', 'create');
    const b = body as { identifier: Array<{ system: string; value: string }>; name?: { family?: string; given?: string }; birthDate?: string };
    const bad = b.identifier.find((i) => !i.system.startsWith(ID_TYPE));
    if (bad) return detail(422, `Invalid identifier type: system='${bad.system}'. Expected format: '${ID_TYPE}<code>' (e.g., ${ID_TYPE}national_id).`);
    const key = `${b.identifier[0]!.system}|${b.identifier[0]!.value}`;
    if (this.people.has(key)) return detail(409, 'Identifier already in use');
    const p: Individual = {
      identifier: b.identifier,
      name: { family: b.name?.family ?? '', given: b.name?.given ?? '' },
      birthDate: b.birthDate ?? '',
      active: true,
      version: Date.now() * 1000,
    };
    this.people.set(key, p);
    return { status: 201, body: render(p), headers: { location: `${BASE}/Individual/${key}` } };
  }

  update(client: Client, key: string, body: unknown, ifMatch: string | undefined): Reply {
    const invalid = validateIndividual(body);
    if (invalid) return invalid;
    if (!Deployed.has(client, 'individual', 'update')) return Deployed.missing('individual', 'update');
    if (!key.includes('|')) return detail(400, 'Invalid identifier format. Expected: {system}|{value}');
    const p = this.people.get(key);
    if (!p) return detail(404, 'Individual not found');
    if (ifMatch !== undefined && ifMatch.replace(/"/g, '') !== String(p.version))
      return detail(409, 'Version conflict. Resource was modified by another request.');
    const b = body as { name?: { family?: string; given?: string }; birthDate?: string; active?: boolean };
    if (b.name) p.name = { family: b.name.family ?? p.name.family, given: b.name.given ?? p.name.given };
    if (b.birthDate) p.birthDate = b.birthDate;
    p.active = b.active ?? true;
    p.version = Math.max(p.version + 1, Date.now() * 1000);
    return { status: 200, body: render(p) };
  }
}

interface Route {
  methods: Record<string, (client: Client, req: IncomingMessage, raw: string, match: RegExpExecArray, url: URL) => Reply | Promise<Reply>>;
  path: RegExp;
}

/** A collection or item route of a resource the module only reads (Group, Program, ProgramMembership): scope checks and an empty registry. */
function readOnly(resource: Resource, name: string, searchActions: string[], writes: string[]): Route[] {
  const collection: Route['methods'] = {
    GET: (c, _q, _r, _m, url) =>
      searchActions.some((a) => Deployed.has(c, resource, a))
        ? {
            status: 200,
            body: { data: [], meta: { total: 0, count: 0, offset: Number(url.searchParams.get('_offset') ?? 0) }, links: { self: `${BASE}/${name}` } },
          }
        : Deployed.missing(resource, searchActions[0]!),
  };
  const item: Route['methods'] = {
    GET: (c, _q, _r, m) =>
      !Deployed.has(c, resource, 'read')
        ? Deployed.missing(resource, 'read')
        : !decodeURIComponent(m[1]!).includes('|')
          ? detail(400, 'Invalid identifier format')
          : detail(404, `${name} not found`),
  };
  // The writes the module offers for this resource: body first (FastAPI), then the scope.
  for (const w of writes) {
    const target = w === 'POST' ? collection : item;
    target[w] = (c, _q, raw) => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return detail(422, [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }]);
      }
      const invalid = validateIndividual(body);
      if (invalid) return invalid;
      const action = w === 'POST' ? 'create' : 'update';
      return Deployed.has(c, resource, action) ? detail(404, `${name} not found`) : Deployed.missing(resource, action);
    };
  }
  return [
    { path: new RegExp(`^${BASE}/${name}$`), methods: collection },
    { path: new RegExp(`^${BASE}/${name}/([^/]+)$`), methods: item },
  ];
}

function routes(d: Deployed): Route[] {
  const json = (raw: string): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  return [
    {
      path: new RegExp(`^${BASE}/Individual$`),
      methods: { GET: (c, _q, _r, _m, url) => d.search(c, url.searchParams), POST: (c, _q, raw) => d.create(c, json(raw)) },
    },
    {
      path: new RegExp(`^${BASE}/Individual/([^/]+)$`),
      methods: {
        GET: (c, _q, _r, m) => d.read(c, decodeURIComponent(m[1]!)),
        PUT: (c, q, raw, m) => d.update(c, decodeURIComponent(m[1]!), json(raw), (q.headers['if-match'] as string | undefined) ?? undefined),
      },
    },
    ...readOnly('group', 'Group', ['read'], ['POST', 'PUT']),
    ...readOnly('program', 'Program', ['search', 'read'], []),
    ...readOnly('program_membership', 'ProgramMembership', ['search', 'read'], ['POST', 'PUT']),
    {
      path: new RegExp(`^${BASE}/\\$batch$`),
      methods: {
        POST: (_c, _q, raw) => {
          const b = json(raw) as { type?: string; entry?: unknown[] } | undefined;
          if (b?.type !== 'transaction' && b?.type !== 'batch')
            return detail(400, `Invalid bundle type: ${String(b?.type)}. Must be 'transaction' or 'batch'.`);
          if (!b.entry?.length) return detail(400, 'Bundle must contain at least one entry');
          return detail(422, {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Transaction failed at entry 0 (unknown): unsupported' }],
          });
        },
      },
    },
  ];
}

const METADATA = {
  name: 'OpenSPP API',
  version: '2.0.0',
  resources: {
    Individual: {
      operations: ['read', 'search', 'create', 'update', 'patch'],
      searchParams: ['identifier', 'name', 'birthdate', 'gender', 'address', 'group'],
    },
    Group: { operations: ['read', 'search', 'create', 'update', 'patch'], searchParams: ['identifier', 'name', 'type', 'member'] },
    Program: { operations: ['read', 'search'], searchParams: ['identifier', 'name', 'status', 'type', 'targetType'] },
    ProgramMembership: { operations: ['read', 'search', 'create', 'update'], searchParams: ['beneficiary', 'program', 'status'] },
  },
  extensions: [],
  authentication: { type: 'oauth2', tokenEndpoint: `${BASE}/oauth/token`, grantTypes: ['client_credentials'] },
  docs: `${BASE}/docs`,
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(d: Deployed, table: Route[], req: IncomingMessage, raw: string): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://x');
  const method = req.method ?? 'GET';
  if (url.pathname === `${BASE}/oauth/token`) return method === 'POST' ? d.token(req, raw) : detail(405, 'Method Not Allowed', { allow: 'POST' });
  if (url.pathname === `${BASE}/metadata`) return method === 'GET' ? { status: 200, body: METADATA } : detail(405, 'Method Not Allowed', { allow: 'GET' });
  for (const route of table) {
    const m = route.path.exec(url.pathname);
    if (!m) continue;
    const fn = route.methods[method];
    // Routing happens before any dependency: a method the path does not take is a 405 without authentication.
    if (!fn) return detail(405, 'Method Not Allowed', { allow: Object.keys(route.methods).join(', ') });
    const who = d.authenticate(req);
    if ('status' in who) return who;
    return fn(who, req, raw, m, url);
  }
  return detail(404, 'Not Found');
}

/** Starts the emulation on a free port of 127.0.0.1. */
export async function startDeployedOpenSpp(options: DeployedOptions): Promise<RunningDeployed> {
  const d = new Deployed(options);
  const table = routes(d);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const reply = await handle(d, table, req, await readBody(req)).catch((e: Error) => detail(500, `Internal Server Error: ${e.message}`));
      const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'x-api-version': '2.0.0',
        ...(reply.headers ?? {}),
        'content-length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
