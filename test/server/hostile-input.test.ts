/**
 * Hostile input (issue 13): each defect found by fuzzing `npm start`, pinned. Every answer must be declared by the
 * contract for its operation, be an OperationOutcome (or an RFC 6749 error on the token endpoint), carry
 * X-API-Version, and never be a 5xx or the framework's bare default.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedContract } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { signHs256 } from '../../src/server/auth/hs256.js';
import { createSecretKey } from 'node:crypto';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';
import { openDatabase, migrate } from '../../src/server/store/db.js';
import { migrations } from '../../src/server/store/migrations/index.js';
import { createRecord } from '../../src/server/registry/service.js';
import { makeRegistry, person } from './registry/harness.js';
import { demo } from './auth/harness.js';

const SECRET = 'hostile-input-test-secret-5c1e9a7b3d2f4e6a8c0b1d3f5a7c9e1b';
let server: RunningServer;
let token: string;

beforeAll(async () => {
  server = await startReferenceServer(
    loadConfig({ PORT: '0', SPP_DB: ':memory:', OPENSPP_JWT_SECRET: SECRET, SPP_TOKEN_RATE_PER_MINUTE: '1000', SPP_API_RATE_PER_MINUTE: '100000' }),
  );
  const r = await fetch(`${server.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${demo.full.clientId}:${demo.full.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  token = ((await r.json()) as { access_token: string }).access_token;
});
afterAll(() => server.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

/** The answer is an OperationOutcome with this code, declared for the operation, with X-API-Version. */
async function expectOutcome(r: Response, status: number, code: string, operationId: string) {
  const text = await r.text();
  expect(r.status, text).toBe(status);
  expect(r.headers.get('x-api-version')).toBe(publishedContract.version);
  const body = JSON.parse(text) as { issue: Array<{ details: { coding: Array<{ code: string }> } }> };
  expect(body.issue[0]!.details.coding[0]!.code).toBe(code);
  const issues = publishedContract.validator.validateResponse(publishedContract.operation(operationId), {
    status: r.status,
    headers: r.headers,
    contentType: r.headers.get('content-type'),
    body,
  });
  expect(issues).toEqual([]);
  return body;
}

/** One raw HTTP/1.1 exchange on a fresh socket: what the client reads before the server closes. */
function raw(request: string | Buffer, port = server.port): Promise<{ text: string; reset: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let reset = false;
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ text, reset }));
    socket.write(request, () => socket.end());
  });
}

describe('1. impossible dates are a 400 (or 422 in a body), never a 500', () => {
  const searches = ['/Individual', '/Group', '/Program', '/ProgramMembership'];
  const ops = ['searchIndividuals', 'searchGroups', 'searchPrograms', 'searchProgramMemberships'];
  it.each(['2020-13-45', '2020-12-32', 'gt2020-13-45', 'le2021-02-29'])('_lastUpdated=%s on every search', async (value) => {
    for (const [i, path] of searches.entries()) await expectOutcome(await get(`${path}?_lastUpdated=${value}`), 400, 'MALFORMED_REQUEST', ops[i]!);
  });
  it('birthdate=2020-02-30 and a body birthDate of 2020-12-32', async () => {
    await expectOutcome(await get('/Individual?birthdate=2020-02-30'), 400, 'MALFORMED_REQUEST', 'searchIndividuals');
    const r = await fetch(`${server.baseUrl}/Individual`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(person('PH-HOSTILE-1', 'Date', 'Bad', { birthDate: '2020-12-32' })),
    });
    const body = await expectOutcome(r, 422, 'VALIDATION_ERROR', 'createIndividual');
    expect(JSON.stringify(body)).toContain('birthDate');
  });
});

describe('2. control characters cannot reach the stored text or the text index', () => {
  it('a NUL (or any C0 control) in stored text is refused with 422, in bodies and search parameters', async () => {
    for (const family of ['a\u0000b', 'a\u001fb', 'a\u007fb']) {
      const r = await fetch(`${server.baseUrl}/Individual`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(person(`PH-CTRL-${family.charCodeAt(1)}`, family, 'Maria')),
      });
      const body = await expectOutcome(r, 422, 'VALIDATION_ERROR', 'createIndividual');
      expect(JSON.stringify(body)).toContain('control characters');
    }
    await expectOutcome(await get('/Individual?name=a%00b'), 400, 'MALFORMED_REQUEST', 'searchIndividuals');
    for (const path of ['/Individual?name=ab', '/Group?name=ab', '/Individual?address=qu']) expect((await get(path)).status).toBe(200);
  });

  it('the index stays usable whatever string reaches it (the registry below the contract)', async () => {
    // Responses are not checked here: the record itself breaks the contract (it could only have been stored below it).
    const h = makeRegistry(undefined, { validateResponses: false });
    const access = { organizationId: 1, consentBound: false, now: new Date(), today: '2026-03-02', source: 'urn:test', basePath: '/api/v2/spp' };
    createRecord(h.db, access, 'Individual', person('PH-NUL', 'a\u0000b', 'c\u0001d') as never);
    expect(h.db.prepare("SELECT count(*) FROM registry_text_chars WHERE CAST(ch AS BLOB) < x'20'").pluck().get()).toBe(0);
    for (const path of ['/Individual?name=ab', '/Group?name=ab', '/Individual?address=qu', '/Individual?name=a%20b']) {
      expect((await h.call('dswd', 'GET', path)).status, path).toBe(200);
    }
  });

  it('an existing database that already holds a NUL in the index is repaired on start (migration 101)', async () => {
    const db = openDatabase(':memory:');
    db.prepare('DELETE FROM schema_migrations WHERE id = 101').run();
    for (const ch of ['\u0000', '\u001f', 'a', 'ñ']) db.prepare('INSERT OR IGNORE INTO registry_text_chars (ch) VALUES (?)').run(ch);
    expect(migrate(db, migrations)).toEqual([101]);
    expect((db.prepare('SELECT ch FROM registry_text_chars ORDER BY ch').pluck().all() as string[]).sort()).toEqual(['a', 'ñ']);
  });

  it('records stored with control characters before the fix are repaired on start (migration 102) and served within the contract', async () => {
    const h = makeRegistry();
    const access = { organizationId: 1, consentBound: false, now: new Date(), today: '2026-03-02', source: 'urn:test', basePath: '/api/v2/spp' };
    createRecord(h.db, access, 'Individual', person('PH-OLD\u0007', 'Old\u0000school', 'Ana', { address: [{ city: 'Quezon\u001fCity' }] }) as never);
    h.db.prepare('DELETE FROM schema_migrations WHERE id = 102').run();
    expect(migrate(h.db, migrations)).toEqual([102]);
    const r = await h.call('dswd', 'GET', '/Individual/urn:gov:ph:psa:national-id|PH-OLD\uFFFD');
    expect(r.status, r.text).toBe(200);
    expect(r.body.name.family).toBe('Old\uFFFDschool');
    expect(r.body.address[0].city).toBe('Quezon\uFFFDCity');
    expect((await h.call('dswd', 'GET', '/Individual?name=schoo')).body.total).toBe(1);
    expect(h.violations).toEqual([]);
  });
});

describe('3. no bare framework answers: malformed paths, long URLs and header blocks', () => {
  it('a backslash in the path gets a 400 OperationOutcome with X-API-Version', async () => {
    const { text } = await raw(
      `GET /api/v2/spp/Individual/urn:x%7Ca\\b HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text.toLowerCase()).toContain('x-api-version: 2.0.0');
    expect(text).toContain('"code":"MALFORMED_REQUEST"');
  });

  it('a URL over 8 KiB gets 414, header fields over 16 KiB get 431, as OperationOutcomes on a usable connection', async () => {
    await expectOutcome(await get(`/metadata?x=${'y'.repeat(9000)}`), 414, 'URI_TOO_LONG', 'getMetadata');
    await expectOutcome(await get('/metadata', { 'x-big': 'x'.repeat(20_000) }), 431, 'HEADERS_TOO_LARGE', 'getMetadata');
  });

  it('a 100 KB header block is answered 431 before the connection closes — no reset, every time', async () => {
    for (let i = 0; i < 5; i++) {
      const { text, reset } = await raw(`GET /api/v2/spp/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`);
      expect(reset, 'connection reset').toBe(false);
      expect(text).toMatch(/^HTTP\/1\.1 431 /);
      expect(text.toLowerCase()).toContain('x-api-version: 2.0.0');
      expect(text).toContain('"code":"HEADERS_TOO_LARGE"');
    }
    expect((await get('/metadata')).status).toBe(200);
  });

  it('garbage that is not HTTP gets a 400 OperationOutcome', async () => {
    const { text } = await raw('NOT-HTTP\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('"resourceType":"OperationOutcome"');
  });
});

describe('4. the token endpoint never echoes what it was sent', () => {
  const tokenRequest = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(`${server.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': type }, body });

  it('invalid_scope names a requested scope only when it has the catalogue scope shape', async () => {
    const secretish = 'Zk3x9-SECRET-VALUE_q7';
    const creds = `grant_type=client_credentials&client_id=${demo.reader.clientId}&client_secret=${encodeURIComponent(demo.reader.clientSecret)}`;
    const r1 = await tokenRequest(`${creds}&scope=${secretish}`);
    const b1 = (await r1.json()) as { error: string; error_description: string };
    expect([r1.status, b1.error]).toEqual([400, 'invalid_scope']);
    expect(b1.error_description).not.toContain('SECRET');
    const r2 = await tokenRequest(`${creds}&scope=individual:create`);
    expect(((await r2.json()) as { error_description: string }).error_description).toContain('individual:create');
  });

  it('a JSON parse error does not quote the body', async () => {
    const r = await tokenRequest(`{"grant_type":"client_credentials","client_id":"x","client_secret": ${demo.full.clientSecret}}`, 'application/json');
    const text = await r.text();
    expect(r.status).toBe(400);
    expect(text).not.toContain(demo.full.clientSecret.slice(0, 10));
    expect(text).toContain('invalid_request');
  });

  it('an unknown parameter whose name is not a parameter name is not repeated back', async () => {
    const r = await get(`/Individual?${encodeURIComponent(demo.full.clientSecret)}=1`);
    const text = await r.text();
    expect(r.status).toBe(400);
    expect(text).not.toContain(demo.full.clientSecret);
  });
});

describe('5. sub must be the client_id (RFC 9068 §2.2)', () => {
  it('a validly signed token whose sub names another client is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: server.config.issuer,
      aud: server.config.audience,
      sub: demo.reader.clientId,
      client_id: demo.full.clientId,
      scope: 'individual:read individual:search',
      iat: now,
      exp: now + 300,
      jti: 'x',
      sver: 1,
    };
    const forged = signHs256({ typ: 'at+jwt' }, claims, createSecretKey(Buffer.from(SECRET, 'utf8')));
    const r = await fetch(`${server.baseUrl}/Individual?_count=1`, { headers: { authorization: `Bearer ${forged}` } });
    const body = await expectOutcome(r, 401, 'INVALID_TOKEN', 'searchIndividuals');
    expect(JSON.stringify(body)).toContain('sub');
    const honest = signHs256({ typ: 'at+jwt' }, { ...claims, sub: demo.full.clientId }, createSecretKey(Buffer.from(SECRET, 'utf8')));
    expect((await fetch(`${server.baseUrl}/Individual?_count=1`, { headers: { authorization: `Bearer ${honest}` } })).status).toBe(200);
  });
});

describe('6. numeric parameters are plain integers', () => {
  it.each(['1e1', '0x10', '%2010', '10.0', '+10', ''])('_count=%s is a 400', async (value) => {
    await expectOutcome(await get(`/Individual?_count=${value}`), 400, 'MALFORMED_REQUEST', 'searchIndividuals');
  });
  it('_count=10 is fine', async () => {
    const r = await get('/Individual?_count=10');
    expect(r.status).toBe(200);
  });
});

describe('3b. the deployed dialect refuses at the socket in its own words', () => {
  let deployed: RunningServer;
  beforeAll(async () => {
    deployed = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:', OPENSPP_JWT_SECRET: SECRET, SPP_DIALECT: 'deployed' }));
  });
  afterAll(() => deployed.close());

  it('a 100 KB header block and garbage get {"detail"} bodies (found by the deployed fuzz tier: they were OperationOutcomes)', async () => {
    const exchange = async (request: string) => (await raw(request, deployed.port)).text;
    const big = await exchange(`GET /api/v2/spp/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))).toEqual({ detail: expect.stringContaining('header fields exceed') });
    const garbage = await exchange('NOT-HTTP\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(Object.keys(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)))).toEqual(['detail']);
  });
});
