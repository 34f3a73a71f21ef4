/** The reference server over a real socket: start-up, discovery, concurrency of the limiter, clean shutdown. */
import { afterEach, describe, expect, it } from 'vitest';
import { operationIndex } from '../../../src/contract/index.js';
import { contractValidator } from '../../../src/contract/index.js';
import { loadConfig } from '../../../src/server/config.js';
import { startServer, type RunningServer } from '../../../src/server/serve.js';
import { demo, fakeRegistry } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(env: Record<string, string> = {}, slowMs = 0) {
  const resources = fakeRegistry([]);
  if (slowMs) {
    const original = resources.searchPrograms;
    resources.searchPrograms = async (req, ctx) => {
      await new Promise((r) => setTimeout(r, slowMs));
      return original(req, ctx);
    };
  }
  server = await startServer({ config: loadConfig({ PORT: '0', SPP_DB: ':memory:', SPP_VALIDATE_RESPONSES: 'true', ...env }), resources });
  return server;
}

async function token(s: RunningServer, who: keyof typeof demo = 'reader') {
  const res = await fetch(`${s.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: demo[who].clientId, client_secret: demo[who].clientSecret }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('reference server on a socket', () => {
  it('serves discovery documents that match the contract and the port it really listens on', async () => {
    const s = await start();
    expect(s.baseUrl).toBe(`http://127.0.0.1:${s.port}/api/v2/spp`);
    for (const [id, url] of [
      ['getMetadata', `${s.baseUrl}/metadata`],
      ['getJwks', `${s.baseUrl}/.well-known/jwks.json`],
      ['getAuthorizationServerMetadata', `http://127.0.0.1:${s.port}/.well-known/oauth-authorization-server/api/v2/spp`],
      ['getOpenApiDocument', `${s.baseUrl}/openapi.json`],
    ] as const) {
      const res = await fetch(url);
      const body = await res.json();
      expect(res.status, id).toBe(200);
      expect(res.headers.get('x-api-version')).toBe('2.0.0');
      expect(
        contractValidator.validateResponse(operationIndex.get(id)!, { status: 200, headers: res.headers, contentType: res.headers.get('content-type'), body }),
        id,
      ).toEqual([]);
    }
    const as = (await (await fetch(`http://127.0.0.1:${s.port}/.well-known/oauth-authorization-server/api/v2/spp`)).json()) as Record<string, string>;
    // MD-04: the issuer is the URL the metadata location was derived from.
    expect(as.issuer).toBe(s.baseUrl);
    expect(as.token_endpoint).toBe(`${s.baseUrl}/oauth/token`);
    const metadata = (await (await fetch(`${s.baseUrl}/metadata`)).json()) as any;
    expect(metadata.authentication.issuer).toBe(s.baseUrl);
    expect(metadata.resources.Individual.searchParams).toEqual(['identifier', 'name', 'birthdate', 'gender', 'address', 'group', 'active', '_lastUpdated']);
    expect(metadata.resources.Individual.scopes.read).toEqual(['individual:read', 'individual:all']);
    expect(metadata.batch).toEqual({ maxBatchEntries: 500, maxTransactionEntries: 50 });
  });

  it('answers unknown endpoints with a 404 OperationOutcome and wrong methods with 405 + Allow', async () => {
    const s = await start();
    const missing = await fetch(`${s.baseUrl}/Nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-api-version')).toBe('2.0.0');
    expect(((await missing.json()) as any).issue[0].details.coding[0].code).toBe('RESOURCE_NOT_FOUND');
    const wrong = await fetch(`${s.baseUrl}/Individual/urn:a:b%7Cc`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PUT');
  });

  it('lets exactly the per-client limit through when requests arrive in parallel', async () => {
    const s = await start({ SPP_API_RATE_PER_MINUTE: '10', SPP_API_RATE_PER_DAY: '1000' });
    const t = await token(s);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${s.baseUrl}/Program`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status)),
    );
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(20);
  });

  it('counts token requests per socket address', async () => {
    const s = await start({ SPP_TOKEN_RATE_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) await token(s);
    const res = await fetch(`${s.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('finishes requests in flight when it shuts down, then closes the database', async () => {
    const s = await start({}, 400);
    const t = await token(s);
    const inFlight = fetch(`${s.baseUrl}/Program`, { headers: { authorization: `Bearer ${t}`, connection: 'close' } });
    await new Promise((r) => setTimeout(r, 100));
    const closed = s.close();
    expect((await inFlight).status).toBe(200);
    await closed;
    expect(s.db.open).toBe(false);
    await expect(fetch(`${s.baseUrl}/metadata`)).rejects.toThrow();
    server = undefined;
  });
});
