/**
 * A fake OpenSPP API for client tests: a token endpoint that accepts the three client authentication styles,
 * issues JWT-shaped opaque tokens and counts requests; a bearer check that can be made to reject tokens; and
 * Individual read/search/replace answering with the contract's own examples. Time comes from the same
 * `FakeClock` the client uses, so expiry is a matter of moving the clock. Everything it receives is recorded.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { Clock } from '../../src/client/clock.js';
import type { components } from '../../src/contract/generated/types.js';

type Individual = components['schemas']['Individual'];
type OperationOutcome = components['schemas']['OperationOutcome'];
type ErrorCode = components['schemas']['ErrorCode'];

export const BASE_PATH = '/api/v2/spp';
export const ORIGIN = 'http://127.0.0.1:8069';
export const BASE_URL = `${ORIGIN}${BASE_PATH}`;
const API_VERSION = '2.0.0';

/** A clock whose `sleep` moves time forward at once and records how long it was asked to wait. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private ms = Date.parse('2026-03-02T09:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.ms += ms;
  }
}

const contract = JSON.parse(readFileSync(new URL('../../src/contract/generated/openapi.json', import.meta.url), 'utf8')) as {
  components: { examples: Record<string, { value: unknown }> };
};

/** A deep copy of one of the contract's `components.examples`. */
export function example<T>(name: string): T {
  const ex = contract.components.examples[name];
  if (!ex) throw new Error(`no example ${name}`);
  return structuredClone(ex.value) as T;
}

export interface FakeClientRecord {
  clientId: string;
  clientSecret: string;
}

export interface ReceivedTokenRequest {
  authorization: string | null;
  contentType: string | null;
  body: string;
  query: string;
  /** The credentials the fake understood, and how they came. */
  parsed: { style: 'basic' | 'post' | 'json' | 'none'; clientId?: string; clientSecret?: string; grantType?: string; scope?: string };
}

export interface ApiAttempt {
  method: string;
  path: string;
  token: string | undefined;
  /** The request body as received, if any. */
  body: string;
  status: number;
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

export interface FakeOptions {
  clock: FakeClock;
  clients: FakeClientRecord[];
  /** `expires_in` announced with each token. Default 3600. */
  expiresIn?: number;
  /** How long tokens really live, if different from what is announced (server-side clock skew). */
  actualLifetimeSeconds?: number;
}

/** The fake server. Use `fetch` in-process, or `listen()` to serve it on 127.0.0.1. */
export class FakeSpp {
  readonly app = new Hono();
  readonly tokenRequests: ReceivedTokenRequest[] = [];
  readonly apiAttempts: ApiAttempt[] = [];
  readonly issued = new Map<string, IssuedToken>();
  /** When set, the token endpoint waits for it before answering. */
  tokenGate: Promise<void> | undefined;
  /** Echo the received client secret in `error_description` (a misbehaving server, for redaction tests). */
  echoSecretInErrors = false;
  /** Echo the rejected bearer token in the 401's `details.text` (a misbehaving server, for redaction tests). */
  echoTokenInErrors = false;
  expiresIn: number;

  private readonly clients = new Map<string, { secret: string; disabled: boolean; apiRejected: boolean }>();
  private readonly queuedApi: Array<{ status: 429; retryAfter?: string; rateLimit?: string }> = [];
  private queuedToken429 = 0;
  private readonly records = new Map<string, Individual>();
  private tokenSerial = 0;
  private tokenArrived: (() => void) | undefined;

  constructor(private readonly options: FakeOptions) {
    this.expiresIn = options.expiresIn ?? 3600;
    for (const c of options.clients) this.clients.set(c.clientId, { secret: c.clientSecret, disabled: false, apiRejected: false });
    const maria = example<Individual>('individual');
    const { groupMembership: _none, ...base } = example<Individual>('individual');
    const jose: Individual = {
      ...base,
      identifier: [{ system: 'urn:gov:ph:psa:national-id', value: 'PH-987654321' }],
      name: { family: 'Santos', given: 'Jose', text: 'SANTOS, Jose' },
      meta: { versionId: '1', lastUpdated: '2026-02-01T08:00:00Z' },
    };
    for (const r of [maria, jose]) this.records.set(key(r.identifier[0]!), r);
    this.routes();
  }

  /**
   * In-process transport for the client's `fetch` option. Like a real network it consumes the request body
   * (even when the answer is a 401 that never looks at it), so a client that re-sends a used request fails here.
   */
  readonly fetch = async (request: Request): Promise<Response> => {
    const body = request.body === null ? undefined : await request.arrayBuffer();
    return this.app.fetch(new Request(request.url, { method: request.method, headers: request.headers, ...(body ? { body } : {}) }));
  };

  get tokenRequestCount(): number {
    return this.tokenRequests.length;
  }

  /** Resolves when the next token request reaches the fake (before the gate). */
  nextTokenRequest(): Promise<void> {
    return new Promise((resolve) => (this.tokenArrived = resolve));
  }

  /** Every token issued so far is revoked; new ones work. */
  revokeIssuedTokens(): void {
    for (const t of this.issued.values()) t.revoked = true;
  }

  /** The API rejects every token of this client, old and new, while the token endpoint keeps issuing them. */
  rejectTokensOf(clientId: string): void {
    this.client(clientId).apiRejected = true;
  }

  /** The client is disabled: no new tokens, and its tokens are rejected. */
  disableClient(clientId: string): void {
    this.client(clientId).disabled = true;
  }

  /** The next `n` API calls (after the bearer check) answer 429 with these headers. */
  queueRateLimited(n: number, headers: { retryAfter?: string; rateLimit?: string } = { retryAfter: '2' }): void {
    for (let i = 0; i < n; i++) this.queuedApi.push({ status: 429, ...headers });
  }

  /** The next `n` token requests answer 429 (Retry-After: 1). */
  queueTokenRateLimited(n: number): void {
    this.queuedToken429 += n;
  }

  /** Serves the fake on 127.0.0.1 at a free port; returns its base URL and a close function. */
  async listen(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: this.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    return {
      baseUrl: `http://127.0.0.1:${port}${BASE_PATH}`,
      close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
    };
  }

  private client(clientId: string) {
    const c = this.clients.get(clientId);
    if (!c) throw new Error(`unknown fake client ${clientId}`);
    return c;
  }

  private routes(): void {
    const app = this.app;
    app.post(`${BASE_PATH}/oauth/token`, (c) => this.token(c));
    app.use(`${BASE_PATH}/*`, async (c, next) => {
      const token = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      const attempt: ApiAttempt = { method: c.req.method, path: new URL(c.req.url).pathname, token, body: await c.req.raw.clone().text(), status: 0 };
      this.apiAttempts.push(attempt);
      const res = this.checkBearer(token) ?? this.queued() ?? (await next(), c.res);
      attempt.status = res.status;
      return res;
    });
    app.get(`${BASE_PATH}/Individual`, (c) => this.search(c));
    app.get(`${BASE_PATH}/Individual/:identifier`, (c) => {
      const record = this.records.get(c.req.param('identifier'));
      if (!record) return outcome(404, 'RESOURCE_NOT_FOUND', `No Individual has the identifier ${c.req.param('identifier')}.`);
      return json(200, record, { ETag: `"${record.meta.versionId}"`, 'X-Consent-Status': 'legal_basis' });
    });
    app.put(`${BASE_PATH}/Individual/:identifier`, async (c) => {
      const id = c.req.param('identifier');
      const current = this.records.get(id);
      if (!current) return outcome(404, 'RESOURCE_NOT_FOUND', `No Individual has the identifier ${id}.`);
      const ifMatch = c.req.header('if-match');
      if (ifMatch !== undefined && ifMatch.replace(/^W\//, '') !== `"${current.meta.versionId}"`) {
        return outcome(409, 'VERSION_CONFLICT', `Resource version mismatch. Expected: ${ifMatch.replace(/\D/g, '')}, current: ${current.meta.versionId}.`);
      }
      const body = (await c.req.json()) as Individual;
      const { meta: _ignored, groupMembership: _derived, ...writable } = body;
      const next: Individual = {
        ...writable,
        resourceType: 'Individual',
        identifier: body.identifier,
        ...(current.groupMembership ? { groupMembership: current.groupMembership } : {}),
        meta: {
          versionId: String(Number(current.meta.versionId) + 1),
          lastUpdated: new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      };
      this.records.set(id, next);
      return json(200, next, { ETag: `"${next.meta.versionId}"` });
    });
  }

  private async token(c: Context): Promise<Response> {
    const url = new URL(c.req.url);
    const raw = await c.req.text();
    const authorization = c.req.header('authorization') ?? null;
    const contentType = c.req.header('content-type') ?? null;
    const parsed = parseTokenRequest(authorization, contentType, raw);
    this.tokenRequests.push({ authorization, contentType, body: raw, query: url.search, parsed });
    this.tokenArrived?.();
    this.tokenArrived = undefined;
    if (this.tokenGate) await this.tokenGate;
    if (this.queuedToken429 > 0) {
      this.queuedToken429--;
      return rateLimited({ retryAfter: '1' });
    }
    if (url.search) return oauth(400, 'invalid_request', 'Client credentials must not be sent in the URL query.');
    if (parsed.grantType !== 'client_credentials') return oauth(400, 'unsupported_grant_type', 'Only the client_credentials grant is supported.');
    const client = parsed.clientId === undefined ? undefined : this.clients.get(parsed.clientId);
    if (!client || client.disabled || client.secret !== parsed.clientSecret) {
      const detail = this.echoSecretInErrors ? ` Received secret ${parsed.clientSecret ?? ''} for ${parsed.clientId ?? ''}.` : '';
      return oauth(parsed.style === 'basic' ? 401 : 400, 'invalid_client', `Invalid client credentials.${detail}`);
    }
    const lifetime = this.options.actualLifetimeSeconds ?? this.expiresIn;
    const now = this.options.clock.now();
    const serial = ++this.tokenSerial;
    const token = [
      b64url({ alg: 'HS256', typ: 'at+jwt' }),
      b64url({
        iss: BASE_URL,
        sub: parsed.clientId,
        client_id: parsed.clientId,
        jti: `t${serial}`,
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000) + lifetime,
      }),
      b64url(`not-a-real-signature-${serial}-${Math.random()}`),
    ].join('.');
    this.issued.set(token, { clientId: parsed.clientId!, expiresAt: now + lifetime * 1000, revoked: false });
    return json(
      200,
      { access_token: token, token_type: 'Bearer', expires_in: this.expiresIn, scope: parsed.scope ?? 'individual:read individual:search individual:update' },
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    );
  }

  private checkBearer(token: string | undefined): Response | undefined {
    if (token === undefined)
      return outcome(401, 'AUTHENTICATION_REQUIRED', "This operation needs an access token: send 'Authorization: Bearer <token>'.", {
        'WWW-Authenticate': 'Bearer realm="openspp"',
      });
    const issued = this.issued.get(token);
    const client = issued && this.clients.get(issued.clientId);
    const invalid = { 'WWW-Authenticate': 'Bearer realm="openspp", error="invalid_token"' };
    if (!issued || !client || issued.revoked || client.disabled || client.apiRejected) {
      return outcome(401, 'INVALID_TOKEN', this.echoTokenInErrors ? `The access token ${token} is not valid.` : 'The access token is not valid.', invalid);
    }
    if (this.options.clock.now() >= issued.expiresAt)
      return outcome(401, 'TOKEN_EXPIRED', `The access token expired at ${new Date(issued.expiresAt).toISOString()}. Request a new one.`, invalid);
    return undefined;
  }

  private queued(): Response | undefined {
    const next = this.queuedApi.shift();
    return next && rateLimited(next);
  }

  private search(c: Context): Response {
    const name = c.req.query('name')?.toLowerCase();
    const count = Number(c.req.query('_count') ?? 20);
    const matches = [...this.records.values()].filter(
      (r) => !name || [r.name?.family, r.name?.given, r.name?.middle].some((n) => n?.toLowerCase().includes(name)),
    );
    const self = `${BASE_PATH}/Individual${new URL(c.req.url).search}`;
    return json(
      200,
      {
        resourceType: 'Bundle',
        type: 'searchset',
        total: matches.length,
        link: [{ relation: 'self', url: self }],
        entry: matches.slice(0, count).map((resource) => ({
          fullUrl: `${BASE_PATH}/Individual/${resource.identifier[0]!.system}%7C${resource.identifier[0]!.value}`,
          resource,
          search: { mode: 'match' },
        })),
      },
      { 'X-Consent-Status': 'legal_basis' },
    );
  }
}

function key(identifier: { system: string; value: string }): string {
  return `${identifier.system}|${identifier.value}`;
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** What the fake understood from a token request, following RFC 6749 §2.3.1 for Basic. */
function parseTokenRequest(authorization: string | null, contentType: string | null, raw: string): ReceivedTokenRequest['parsed'] {
  const fields: Record<string, string> = contentType?.startsWith('application/json')
    ? (JSON.parse(raw || '{}') as Record<string, string>)
    : Object.fromEntries(new URLSearchParams(raw));
  const base = { ...(fields.grant_type ? { grantType: fields.grant_type } : {}), ...(fields.scope ? { scope: fields.scope } : {}) };
  const basic = /^Basic (.+)$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { style: 'basic', clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)), ...base };
  }
  if (fields.client_id === undefined) return { style: 'none', ...base };
  return { style: contentType?.startsWith('application/json') ? 'json' : 'post', clientId: fields.client_id, clientSecret: fields.client_secret, ...base };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', 'X-API-Version': API_VERSION, ...headers } });
}

const ISSUE: Partial<Record<ErrorCode, [OperationOutcome['issue'][number]['code'], string]>> = {
  AUTHENTICATION_REQUIRED: ['login', 'Authentication required'],
  INVALID_TOKEN: ['login', 'Invalid token'],
  TOKEN_EXPIRED: ['expired', 'Token expired'],
  RESOURCE_NOT_FOUND: ['not-found', 'Resource not found'],
  VERSION_CONFLICT: ['conflict', 'Version conflict'],
  RATE_LIMIT_EXCEEDED: ['throttled', 'Rate limit exceeded'],
};

export function outcome(status: number, code: ErrorCode, text: string, headers: Record<string, string> = {}): Response {
  const [issueCode, display] = ISSUE[code] ?? ['processing', code];
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: issueCode, details: { coding: [{ system: 'urn:openspp:error', code, display }], text } }],
  };
  return json(status, body, headers);
}

function oauth(status: 400 | 401, error: string, description: string): Response {
  return json(
    status,
    { error, error_description: description },
    { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...(status === 401 ? { 'WWW-Authenticate': 'Basic realm="openspp"' } : {}) },
  );
}

function rateLimited(spec: { retryAfter?: string; rateLimit?: string }): Response {
  const seconds = spec.retryAfter ?? '60';
  return outcome(429, 'RATE_LIMIT_EXCEEDED', `Rate limit exceeded: 60 requests per minute. Retry after ${seconds} seconds.`, {
    ...(spec.retryAfter === undefined ? {} : { 'Retry-After': spec.retryAfter }),
    'RateLimit-Policy': '"minute";q=60;w=60',
    RateLimit: spec.rateLimit ?? `"minute";r=0;t=${/^\d+$/.test(seconds) ? seconds : 60}`,
    'X-RateLimit-Limit': '60',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': /^\d+$/.test(seconds) ? seconds : '60',
  });
}
