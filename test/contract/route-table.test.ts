import { describe, expect, it } from 'vitest';
import { assertCompleteRouteTable, checkRouteTable, type RouteTable } from '../../src/contract/route-table.js';
import { mountOperations } from '../../src/contract/index.js';
import { operationIndex, type OperationId } from '../../src/contract/index.js';
import { contractValidator } from '../../src/contract/index.js';
import { Hono } from 'hono';
import { ApiError } from '../../src/contract/index.js';
import { BASE, buildApp, example } from './harness.js';

const individual = example<Record<string, unknown>>('individual');
const individualInput = example<Record<string, unknown>>('individual-input');

/** The app with readIndividual/createIndividual answering like a store would. */
function registryApp() {
  return buildApp({
    readIndividual: (req, seen) => {
      seen.requests.push(req as never);
      return { status: 200, body: individual as never, headers: { ETag: '"3"', 'X-Consent-Status': 'legal_basis' } };
    },
    searchIndividuals: (req, seen) => {
      seen.requests.push(req as never);
      return { status: 200, body: example('individual-search-bundle'), headers: { 'X-Consent-Status': 'legal_basis' } };
    },
    createIndividual: (req, seen) => {
      seen.requests.push(req as never);
      return {
        status: 201,
        body: { ...(req.body as object), meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z' } } as never,
        headers: { Location: '/api/v2/spp/Individual/urn:gov:ph:psa:national-id%7CPH-123456789', ETag: '"1"' },
      };
    },
    issueToken: (req, seen) => {
      seen.requests.push(req as never);
      return {
        status: 200,
        body: { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 60, scope: '' },
        headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      };
    },
  });
}

async function call(app: Hono, path: string, init?: RequestInit) {
  const res = await app.request(`${BASE}${path}`, init);
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, any>) : undefined;
  return { res, body };
}

/** The response also conforms to the contract (status declared, headers, body). */
function expectConforms(id: OperationId, res: Response, body: unknown) {
  const issues = contractValidator.validateResponse(operationIndex.get(id)!, {
    status: res.status,
    headers: res.headers,
    contentType: res.headers.get('content-type'),
    body,
  });
  expect(issues).toEqual([]);
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('route table: requests that conform reach the handler, validated and coerced', () => {
  it('reads an identifier sent with a raw |, with %7C, and with %23 for a # in the system', async () => {
    const { app, seen } = registryApp();
    for (const path of [
      '/Individual/urn:gov:ph:psa:national-id|PH-1',
      '/Individual/urn%3Agov%3Aph%3Apsa%3Anational-id%7CPH-1',
      '/Individual/urn:openspp:vocab:id-type%23national_id|IND-001',
    ]) {
      const { res, body } = await call(app, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-api-version')).toBe('2.0.0');
      expectConforms('readIndividual', res, body);
    }
    expect(seen.requests.map((r) => (r.params as { identifier: string }).identifier)).toEqual([
      'urn:gov:ph:psa:national-id|PH-1',
      'urn:gov:ph:psa:national-id|PH-1',
      'urn:openspp:vocab:id-type#national_id|IND-001',
    ]);
  });

  it('coerces query values to their declared types, applies defaults, and collects repeatable parameters', async () => {
    const { app, seen } = registryApp();
    const { res } = await call(app, '/Individual?_count=5&active=false&birthdate=ge1980-01-01&birthdate=le1989-12-31');
    expect(res.status).toBe(200);
    expect(seen.requests[0]!.query).toEqual({ _count: 5, active: false, birthdate: ['ge1980-01-01', 'le1989-12-31'], _sort: 'name' });
    await call(app, '/Individual?birthdate=1985-03-15');
    expect((seen.requests[1]!.query as { birthdate: string[] }).birthdate).toEqual(['1985-03-15']);
  });

  it('passes a valid body, parsed, with its media type', async () => {
    const { app, seen } = registryApp();
    const { res, body } = await call(app, '/Individual', json(individualInput));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toContain('PH-123456789');
    expectConforms('createIndividual', res, body);
    expect(seen.requests[0]!.body).toEqual(individualInput);
    expect(seen.requests[0]!.mediaType).toBe('application/json');
  });

  it('accepts both declared media types on the token endpoint', async () => {
    const { app, seen } = registryApp();
    const form = await app.request(`${BASE}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: 'grant_type=client_credentials&client_id=a&client_secret=b&extra=ignored',
    });
    expect(form.status).toBe(200);
    const asJson = await app.request(`${BASE}/oauth/token`, json({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' }));
    expect(asJson.status).toBe(200);
    expect(seen.requests.map((r) => r.mediaType)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(seen.requests[0]!.body).toEqual({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b', extra: 'ignored' });
  });
});

describe('route table: requests that break the contract get a contract-conformant error and never reach the handler', () => {
  const cases: Array<[string, OperationId, string, RequestInit | undefined, number, string, string[]?]> = [
    ['malformed identifier in the path', 'readIndividual', '/Individual/not-an-identifier', undefined, 422, 'INVALID_IDENTIFIER', ['identifier']],
    ['unknown query parameter', 'searchIndividuals', '/Individual?foo=1', undefined, 400, 'MALFORMED_REQUEST', ['foo']],
    ['scalar parameter given twice', 'searchIndividuals', '/Individual?_count=1&_count=2', undefined, 400, 'MALFORMED_REQUEST', ['_count']],
    ['_count out of range', 'searchIndividuals', '/Individual?_count=1000', undefined, 400, 'MALFORMED_REQUEST', ['_count']],
    ['_count not a number', 'searchIndividuals', '/Individual?_count=ten', undefined, 400, 'MALFORMED_REQUEST', ['_count']],
    ['unknown _elements field', 'readIndividual', '/Individual/urn:a:b|c?_elements=name,secret', undefined, 400, 'MALFORMED_REQUEST', ['_elements']],
    ['malformed search identifier', 'searchIndividuals', '/Individual?identifier=a%20b', undefined, 400, 'MALFORMED_REQUEST', ['identifier']],
    [
      'malformed identifier of a conditional update',
      'conditionalUpdateIndividual',
      '/Individual?identifier=nope',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' },
      422,
      'INVALID_IDENTIFIER',
      ['identifier'],
    ],
    [
      'malformed If-Match',
      'updateIndividual',
      '/Individual/urn:a:b|c',
      { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': '3' }, body: '{}' },
      400,
      'MALFORMED_REQUEST',
      ['If-Match'],
    ],
    [
      'body breaking the schema',
      'createIndividual',
      '/Individual',
      json({ ...individualInput, birthDate: '1985-13-45' }),
      422,
      'VALIDATION_ERROR',
      ['birthDate'],
    ],
    ['unknown field in a closed body', 'createIndividual', '/Individual', json({ ...individualInput, nickname: 'x' }), 422, 'VALIDATION_ERROR', []],
    [
      'missing required field',
      'createIndividual',
      '/Individual',
      json({ resourceType: 'Individual', name: { family: 'x' } }),
      422,
      'VALIDATION_ERROR',
      ['identifier'],
    ],
    [
      'deep field',
      'createIndividual',
      '/Individual',
      json({ ...individualInput, identifier: [{ system: 'urn:a', value: 'has space' }] }),
      422,
      'VALIDATION_ERROR',
      ['identifier[0].value'],
    ],
    [
      'malformed JSON',
      'createIndividual',
      '/Individual',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceType": ' },
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'wrong content type',
      'createIndividual',
      '/Individual',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['missing body', 'createIndividual', '/Individual', { method: 'POST' }, 400, 'MALFORMED_REQUEST'],
    ['body over 1 MiB', 'createIndividual', '/Individual', json({ ...individualInput, padding: 'x'.repeat(1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE'],
    [
      'transaction over 50 entries',
      'processBatch',
      '/$batch',
      json({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: 51 }, () => ({ request: { method: 'GET', url: 'Individual/urn:a:b|c' } })),
      }),
      422,
      'VALIDATION_ERROR',
    ],
  ];

  it.each(cases)('%s', async (_name, id, path, init, status, code, expression) => {
    const { app, seen } = registryApp();
    const { res, body } = await call(app, path, init);
    expect(res.status).toBe(status);
    expect(body!.resourceType).toBe('OperationOutcome');
    expect(body!.issue[0].details.coding[0].code).toBe(code);
    expect(body!.issue[0].details.text.length).toBeGreaterThan(10);
    if (expression?.length) expect(body!.issue[0].expression).toEqual(expect.arrayContaining(expression));
    expectConforms(id, res, body);
    expect(seen.requests).toHaveLength(0);
  });

  it('answers the token endpoint in RFC 6749 form (invalid_request), with no-store', async () => {
    const { app, seen } = registryApp();
    const attempts: RequestInit[] = [
      json({ grant_type: 'client_credentials', client_id: 42 }),
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=client_credentials' },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' },
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
      json({ client_id: 'a' }),
    ];
    for (const init of attempts) {
      const { res, body } = await call(app, '/oauth/token', init);
      expect(res.status).toBe(400);
      expect(body!.error).toBe('invalid_request');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expectConforms('issueToken', res, body);
    }
    expect(seen.requests).toHaveLength(0);
  });

  it('runs the edge steps first, so an unauthenticated malformed request learns only that it is unauthenticated', async () => {
    const refuse = () => {
      throw new ApiError('AUTHENTICATION_REQUIRED', 'no');
    };
    const { app, seen } = buildApp({}, { edge: (op) => (op.security.length ? [refuse] : []) });
    const res = await app.request(`${BASE}/Individual?foo=1`);
    expect(res.status).toBe(401);
    expect(seen.requests).toHaveLength(0);
  });
});

describe('route table: what handlers return is checked against the contract', () => {
  it('turns a response that breaks the contract into a 500, and reports the violation', async () => {
    const { app, seen } = buildApp({
      readProgram: () => ({ status: 200, body: { resourceType: 'Program', identifier: [] } as never, headers: { ETag: '"1"' } }),
    });
    const { res, body } = await call(app, '/Program/urn:openspp:program|4Ps');
    expect(res.status).toBe(500);
    expect(body!.issue[0].details.coding[0].code).toBe('INTERNAL_ERROR');
    expect(seen.violations).toHaveLength(1);
    expect(seen.violations[0]!.issues.map((i) => i.message).join(' ')).toMatch(/identifier|meta/);
  });

  it('catches an undeclared status from a handler that escaped the type checker (JavaScript)', async () => {
    const { app, seen } = buildApp({ readGroup: (() => ({ status: 201, body: {} })) as never });
    const res = await app.request(`${BASE}/Group/urn:openspp:group|HH-1`);
    expect(res.status).toBe(500);
    expect(seen.violations[0]!.issues[0]!.message).toMatch(/status 201 is not declared for readGroup/);
  });

  it('catches a missing required header (ETag on a read)', async () => {
    const { app, seen } = buildApp({ readIndividual: () => ({ status: 200, body: individual as never, headers: { 'X-Consent-Status': 'active' } }) });
    const res = await app.request(`${BASE}/Individual/urn:a:b|c`);
    expect(res.status).toBe(500);
    expect(seen.violations[0]!.issues[0]!.message).toMatch(/ETag/);
  });

  it('catches a header the contract does not declare for that response', async () => {
    const { app, seen } = buildApp({
      readIndividual: () => ({ status: 200, body: individual as never, headers: { ETag: '"3"', 'X-Consent-Status': 'active', 'Etag-Value': '1' } as never }),
    });
    const res = await app.request(`${BASE}/Individual/urn:a:b|c`);
    expect(res.status).toBe(500);
    expect(seen.violations[0]!.issues[0]!.message).toMatch(/header Etag-Value is not declared/);
  });

  it('answers 500 with an error id when a handler throws, without leaking the error', async () => {
    const { app, seen } = buildApp({
      getMetadata: () => {
        throw new Error('secret database detail');
      },
    });
    const { res, body } = await call(app, '/metadata');
    expect(res.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secret database detail');
    expect(body!.issue[0].diagnostics).toMatch(/^Error id: [0-9a-f-]{36}$/);
    expect(seen.errors).toHaveLength(1);
    expectConforms('getMetadata', res, body);
  });
});

describe('route table completeness', () => {
  const full = Object.fromEntries([...operationIndex.keys()].map((id) => [id, () => ({ status: 500, body: {} })]));

  it('reports operations without a handler and handlers without an operation', () => {
    const { readIndividual: _dropped, ...partial } = full;
    expect(checkRouteTable({ ...partial, deleteIndividual: () => null })).toEqual({ missing: ['readIndividual'], unknown: ['deleteIndividual'] });
    expect(checkRouteTable(full)).toEqual({ missing: [], unknown: [] });
  });

  it('refuses to mount an incomplete table, naming what is missing', () => {
    const { searchPrograms: _dropped, ...partial } = full;
    expect(() => assertCompleteRouteTable(partial)).toThrow(/operation searchPrograms has no handler/);
    expect(() => mountOperations(new Hono(), partial as unknown as RouteTable<unknown>, { context: () => undefined })).toThrow(/searchPrograms/);
  });
});
