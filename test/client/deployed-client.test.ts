/**
 * The client with `dialect: 'deployed'` against the reference server in the deployed dialect: on 127.0.0.1 over
 * HTTP for what a caller sees, and in-process with the server's clock in the test's hands for what only time shows
 * (a 24-hour token that the server already counts as expired, a token replaced before its 24 hours are up).
 * The deployed token endpoint's rules the client follows (TOKEN_ENDPOINT) are held against the two contracts here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSppClient, createTokenManager, OAuthTokenError, SppApiError, unwrap, type Clock } from '../../src/client/index.js';
import { TOKEN_ENDPOINT } from '../../src/client/dialects.js';
import { contractFor, DIALECTS } from '../../src/contract/contract.js';
import type { JsonSchema } from '../../src/contract/document.js';
import { createApp } from '../../src/server/app.js';
import { loadSigningKeys } from '../../src/server/auth/keys.js';
import { createClient } from '../../src/server/clients/repository.js';
import { loadConfig } from '../../src/server/config.js';
import { loadDemoClients, readDemoFixture } from '../../src/server/demo-clients.js';
import { deployedRegistry } from '../../src/server/dialects/deployed/registry.js';
import { loadDemoRegistry } from '../../src/server/registry/demo.js';
import { registryHandlers } from '../../src/server/registry/handlers.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';
import { openDatabase } from '../../src/server/store/db.js';
import { FakeClock } from './fake-spp.js';

const clients = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));
const full = clients.full!;
const NID = 'urn:gov:ph:psa:national-id';
const MARIA = `${NID}|PH-123456789`;
const DAY_MS = 86_400_000;
const RAISED = {
  SPP_TOKEN_RATE_PER_MINUTE: '1000',
  SPP_TOKEN_RATE_PER_DAY: '100000',
  SPP_API_RATE_PER_MINUTE: '100000',
  SPP_API_RATE_PER_DAY: '1000000',
};

/** A fetch that counts what it sends: token requests and the statuses of API answers. */
function counting(send: (r: Request) => Promise<Response>) {
  const seen = { token: 0, api: [] as number[], authorization: [] as string[] };
  const fetch = async (request: Request) => {
    const isToken = new URL(request.url).pathname.endsWith('/oauth/token');
    if (isToken) {
      seen.token++;
      seen.authorization.push(request.headers.get('authorization') ?? '');
    }
    const response = await send(request);
    if (!isToken) seen.api.push(response.status);
    return response;
  };
  return { seen, fetch };
}

describe('the deployed token endpoint rules the client follows agree with the contracts', () => {
  it.each(DIALECTS)('%s: `scope` is honoured exactly when the token request schema has it', (dialect) => {
    const contract = contractFor(dialect);
    const schema = contract.document.components.schemas.TokenRequest as Exclude<JsonSchema, boolean> & { properties?: Record<string, unknown> };
    expect(TOKEN_ENDPOINT[dialect].honoursScope).toBe('scope' in (schema.properties ?? {}));
  });
});

describe('createSppClient({ dialect: "deployed" }) against spp-kit serve --dialect deployed (127.0.0.1)', () => {
  let server: RunningServer;
  const spp = (overrides: Partial<Parameters<typeof createSppClient<'deployed'>>[0]> = {}) =>
    createSppClient({ dialect: 'deployed', baseUrl: server.baseUrl, clientId: full.clientId, clientSecret: full.clientSecret, ...overrides });

  beforeAll(async () => {
    server = await startReferenceServer(loadConfig({ SPP_DIALECT: 'deployed', PORT: '0', SPP_DB: ':memory:', ...RAISED }));
  });
  afterAll(async () => server?.close());

  it('fetches one token (JSON credentials, the module’s documented style) that lasts 24 hours, and searches with it', async () => {
    const clock: Clock = { now: () => Date.parse('2026-03-02T09:00:00Z'), sleep: async () => {} };
    const { seen, fetch } = counting((r) => globalThis.fetch(r));
    const client = spp({ fetch, clock });
    expect(client.dialect).toBe('deployed');
    const page = unwrap(await client.GET('/Individual', { params: { query: { name: 'Santos', _count: 2 } } }));
    expect(page.meta).toMatchObject({ count: 2, offset: 0 });
    expect(page.meta.total).toBeGreaterThan(2);
    expect(page.data.map((d) => d.type)).toEqual(['Individual', 'Individual']);
    const next = unwrap(await client.GET('/Individual', { params: { query: { name: 'Santos', _count: 2, _offset: 2 } } }));
    expect(next.meta.offset).toBe(2);
    expect(seen.token).toBe(1);
    expect(seen.authorization).toEqual(['']);
    const info = client.tokens.info()!;
    expect(info.expiresAt - clock.now()).toBe(DAY_MS);
    // The default margin: 10 % of the lifetime, at most 5 minutes.
    expect(info.expiresAt - info.refreshAt).toBe(300_000);
    // `scope` records what the endpoint granted: every scope of the client (demo-full holds them all).
    expect(info.scope?.split(' ')).toEqual(expect.arrayContaining(['individual:update', 'group:create', 'program_membership:create']));
  });

  it.each(['json', 'post', 'basic'] as const)('%s credentials get a token', async (auth) => {
    const client = spp({ auth });
    expect(unwrap(await client.GET('/Individual/{identifier}', { params: { path: { identifier: MARIA } } })).type).toBe('Individual');
    expect(client.tokens.requestCount).toBe(1);
  });

  it('Basic goes verbatim, as the module reads it: a secret with : + % and a space works — form-encoded it would not', async () => {
    const secret = 'p:ss+w%rd 2026/Ünï-deployed-basic';
    createClient(server.db, {
      name: 'Basic verbatim',
      organization: 'dswd',
      legalBasis: 'public_task',
      scopes: ['individual:read'],
      fixedCredentials: { clientId: 'basic-verbatim', clientSecret: secret },
    });
    const client = spp({ clientId: 'basic-verbatim', clientSecret: secret, auth: 'basic' });
    expect((await client.GET('/Individual/{identifier}', { params: { path: { identifier: MARIA } } })).response.status).toBe(200);
    // RFC 6749's encoding (the published dialect's rule) turns `+` into %2B before base64: the module compares that.
    const rfc = createTokenManager({ tokenUrl: `${server.baseUrl}/oauth/token`, clientId: 'basic-verbatim', clientSecret: secret, auth: 'basic' });
    const refused = await rfc.getToken().catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'OAuthTokenError', status: 401, description: 'Invalid client credentials' });
  });

  it('a refused secret: OAuthTokenError with the 401 and the {"detail"} text, no RFC 6749 code, no secret in it', async () => {
    const wrong = 'not-the-secret-of-demo-full';
    const error = await spp({ clientSecret: wrong })
      .GET('/Individual', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenError);
    expect(error).toMatchObject({ status: 401, error: undefined, description: 'Invalid client credentials' });
    expect((error as Error).message).toMatch(
      /^Token request to http:\/\/127\.0\.0\.1:\d+\/api\/v2\/spp\/oauth\/token answered 401 Invalid client credentials$/,
    );
    expect(JSON.stringify([String(error), (error as Error).stack])).not.toContain(wrong);
  });

  it('a token request the endpoint cannot read: 400 with its detail', async () => {
    const tokens = createTokenManager({
      dialect: 'deployed',
      tokenUrl: `${server.baseUrl}/oauth/token`,
      clientId: full.clientId,
      clientSecret: full.clientSecret,
      // The endpoint reads a JSON body whatever its content type; a form body without credentials it cannot read.
      fetch: (r) => globalThis.fetch(new Request(r.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })),
    });
    expect(await tokens.getToken().catch((e: unknown) => e)).toMatchObject({
      status: 400,
      description: expect.stringMatching(/^Unable to parse token request/),
    });
  });

  it('a missing record: SppApiError 404 with the {"detail"} text and no error code', async () => {
    const client = spp();
    const result = await client.GET('/Individual/{identifier}', { params: { path: { identifier: `${NID}|PH-NOBODY` } } });
    expect(result.error).toEqual({ detail: expect.stringContaining('PH-NOBODY') });
    const detail = result.error!.detail as string;
    let thrown: unknown;
    try {
      unwrap(result);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SppApiError);
    expect(thrown).toMatchObject({ status: 404, code: undefined, outcome: undefined, detail, text: detail });
    expect((thrown as Error).message).toBe(`GET /Individual/{identifier} answered 404: ${detail}`);
  });

  it('a parameter out of range: SppApiError 422 carrying FastAPI’s list of problems', async () => {
    const result = await spp().GET('/Individual', { params: { query: { _count: 500 } } });
    expect(result.response.status).toBe(422);
    const error = (() => {
      try {
        return unwrap(result);
      } catch (e) {
        return e as SppApiError;
      }
    })() as SppApiError;
    expect(Array.isArray(error.detail)).toBe(true);
    expect((error.detail as Array<{ loc: unknown[] }>)[0]!.loc).toEqual(['query', '_count']);
    expect(error.text).toMatch(/^query\._count: /);
    expect(error.message).toMatch(/^GET \/Individual answered 422: query\._count: /);
  });

  it('a missing scope: 403 with its detail, surfaced at once (no token refresh)', async () => {
    const reader = clients.reader!;
    const client = spp({ clientId: reader.clientId, clientSecret: reader.clientSecret });
    const result = await client.POST('/Individual', { body: { type: 'Individual', identifier: [{ system: NID, value: 'PH-CLIENT-403' }] } });
    expect(result.response.status).toBe(403);
    expect(() => unwrap(result)).toThrow("POST /Individual answered 403: Missing required scope 'individual:create'. Request access from your administrator.");
    expect(client.tokens.requestCount).toBe(1);
  });

  it('writes the deployed dialect’s own way: PATCH with If-Match from the ETag, member operations, bulk export', async () => {
    const client = spp();
    const created = await client.POST('/Individual', {
      body: { type: 'Individual', identifier: [{ system: NID, value: 'PH-CLIENT-1' }], name: { family: 'LIM', given: 'Jo' } },
    });
    expect(created.response.status).toBe(201);
    const identifier = `${NID}|PH-CLIENT-1`;
    const read = await client.GET('/Individual/{identifier}', { params: { path: { identifier } } });
    const etag = read.response.headers.get('ETag')!;
    const patched = unwrap(
      await client.PATCH('/Individual/{identifier}', { params: { path: { identifier }, header: { 'If-Match': etag } }, body: { name: { given: 'Joanna' } } }),
    );
    expect(patched.name).toMatchObject({ family: 'LIM', given: 'Joanna' });
    const stale = await client.PATCH('/Individual/{identifier}', { params: { path: { identifier }, header: { 'If-Match': etag } }, body: { active: false } });
    expect([stale.response.status, stale.error]).toEqual([409, { detail: 'Version conflict. Resource was modified by another request.' }]);
    const added = unwrap(
      await client.POST('/Group/{identifier}/$add-member', {
        params: { path: { identifier: 'urn:openspp:group|HH-2024-002' } },
        body: { entity: { reference: `Individual/${identifier}` } },
      }),
    );
    expect(added).toMatchObject({ type: 'GroupMember', status: 'active' });
    const exported = unwrap(await client.POST('/$bulk/export', { body: { type: 'Individual', identifiers: [identifier, `${NID}|PH-NOBODY`] } }));
    expect(exported.items.map((i) => i.status)).toEqual(['success', 'not_found']);
    expect(client.tokens.requestCount).toBe(1);
  });

  it('refuses `scope` for the deployed dialect (the endpoint would ignore it and hand out every scope)', () => {
    const options = { dialect: 'deployed', baseUrl: server.baseUrl, clientId: full.clientId, clientSecret: full.clientSecret, scope: 'individual:read' };
    expect(() => createSppClient(options as never)).toThrow(/^scope: the deployed dialect's token endpoint ignores it/);
    expect(() => createSppClient({ ...options, dialect: 'nonsense' } as never)).toThrow(`dialect must be 'published' or 'deployed', not "nonsense".`);
  });
});

describe('24-hour tokens and the 401 retry, with the server’s clock in hand (in-process)', () => {
  async function deployedApp() {
    const config = loadConfig({ SPP_DIALECT: 'deployed', SPP_DB: ':memory:', ...RAISED });
    const db = openDatabase(':memory:');
    loadDemoClients(db);
    loadDemoRegistry(db);
    const keys = await loadSigningKeys(config, db);
    const serverTime = { ms: Date.now() };
    const app = createApp({ config, db, keys, resources: registryHandlers, deployedResources: deployedRegistry, now: () => new Date(serverTime.ms) });
    const base = `${config.publicOrigin}${config.basePath}`;
    return { app, base, serverTime };
  }

  it('the server counts the token expired before the client does: one 401 ("Token expired"), one new token, the call re-sent', async () => {
    const { app, base, serverTime } = await deployedApp();
    const clock = new FakeClock(serverTime.ms);
    const { seen, fetch } = counting((r) => Promise.resolve(app.fetch(r)));
    const client = createSppClient({ dialect: 'deployed', baseUrl: base, clientId: full.clientId, clientSecret: full.clientSecret, fetch, clock });
    expect((await client.GET('/Individual/{identifier}', { params: { path: { identifier: MARIA } } })).response.status).toBe(200);
    // A day and a minute later on the server, five hours on the client (a clock that drifted, a suspended laptop).
    serverTime.ms += DAY_MS + 60_000;
    clock.advance(5 * 3_600_000);
    const read = await client.GET('/Individual/{identifier}', { params: { path: { identifier: MARIA } } });
    expect(read.response.status).toBe(200);
    expect(seen.api).toEqual([200, 401, 200]);
    expect(seen.token).toBe(2);
  });

  it('a second 401 is the answer: the client whose token is refused again is not looped', async () => {
    const { app, base } = await deployedApp();
    const { seen, fetch } = counting(async (r) => {
      // Every API request arrives with a token the server never issued.
      if (!r.url.endsWith('/oauth/token')) r.headers.set('Authorization', 'Bearer not-a-token');
      return app.fetch(r);
    });
    const client = createSppClient({ dialect: 'deployed', baseUrl: base, clientId: full.clientId, clientSecret: full.clientSecret, fetch });
    const read = await client.GET('/Individual/{identifier}', { params: { path: { identifier: MARIA } } });
    expect([read.response.status, read.error]).toEqual([401, { detail: 'Invalid token' }]);
    expect(seen.api).toEqual([401, 401]);
    expect(seen.token).toBe(2);
  });

  it('a 24-hour token is replaced five minutes before its end, so the server never sees it expire', async () => {
    const { app, base, serverTime } = await deployedApp();
    const clock = new FakeClock(serverTime.ms);
    const { seen, fetch } = counting((r) => Promise.resolve(app.fetch(r)));
    const client = createSppClient({ dialect: 'deployed', baseUrl: base, clientId: full.clientId, clientSecret: full.clientSecret, fetch, clock });
    const search = () => client.GET('/Individual', { params: { query: { _count: 1 } } });
    await search();
    for (const step of [3_600_000, 20 * 3_600_000, 2 * 3_600_000 + 50 * 60_000]) {
      serverTime.ms += step;
      clock.advance(step);
      await search();
    }
    // 23 h 50 min: still the first token. Then past 23 h 55 min: a new one, before the server would refuse the old.
    expect(seen.token).toBe(1);
    serverTime.ms += 6 * 60_000;
    clock.advance(6 * 60_000);
    await search();
    expect(seen.token).toBe(2);
    expect(seen.api.every((s) => s === 200)).toBe(true);
  });
});
