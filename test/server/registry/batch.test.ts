/** `POST /$batch`: batches, transactions, placeholders, per-entry scopes and all-or-nothing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpRegistry, enrolment, household, makeRegistry, person, programme, type RegistryHarness } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
let h: RegistryHarness;

beforeEach(async () => {
  h = makeRegistry();
  expect((await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'))).status).toBe(201);
  expect((await h.call('dswd', 'POST', '/Program', programme('4Ps', 'Pantawid', 'group'))).status).toBe(201);
});
afterEach(() => {
  expect(h.violations).toEqual([]);
  expect(h.errors).toEqual([]);
});

const bundle = (type: 'batch' | 'transaction', entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const post = (url: string, resource: unknown, fullUrl?: string) => ({ ...(fullUrl ? { fullUrl } : {}), request: { method: 'POST', url }, resource });
const get = (url: string) => ({ request: { method: 'GET', url } });
const put = (url: string, resource: unknown, ifMatch?: string) => ({ request: { method: 'PUT', url, ...(ifMatch ? { ifMatch } : {}) }, resource });
const A = 'urn:uuid:6a3f0c52-8a5c-4e0b-9d43-0f6f8a1e2b11';
const B = 'urn:uuid:6a3f0c52-8a5c-4e0b-9d43-0f6f8a1e2b12';
const G = 'urn:uuid:6a3f0c52-8a5c-4e0b-9d43-0f6f8a1e2b13';
const codes = (outcome: any) => outcome.issue.map((i: any) => i.details.coding[0].code);

describe('transaction', () => {
  it('creates a household and its members in one go, resolving urn:uuid placeholders', async () => {
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [
        post('Individual', person('PH-10', 'Reyes', 'Ana'), A),
        post('Individual', person('PH-11', 'Reyes', 'Ben'), B),
        post('Group', household('HH-10', 'Reyes household', [{ entity: { reference: A } }, { entity: { reference: B } }]), G),
        post('ProgramMembership', enrolment('4PS-10', '4Ps', G)),
      ]),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.type).toBe('transaction-response');
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
    expect(r.body.entry[0]).toMatchObject({
      fullUrl: A,
      response: { location: `/api/v2/spp/Individual/${NID}%7CPH-10`, etag: '"1"', lastModified: '2026-03-02T09:15:00.000Z' },
    });
    expect(r.body.entry[2].resource.member.map((m: any) => m.entity.reference)).toEqual([`Individual/${NID}|PH-10`, `Individual/${NID}|PH-11`]);
    expect(r.body.entry[3].resource.beneficiary.reference).toBe('Group/urn:openspp:group|HH-10');
    expect((await h.call('dswd', 'GET', `/Individual/${NID}|PH-11`)).body.groupMembership[0].group.reference).toBe('Group/urn:openspp:group|HH-10');
  });

  it('fails at entry N: nothing at all is written, and the answer names the entry and its error', async () => {
    const before = dumpRegistry(h.db);
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [
        post('Individual', person('PH-20', 'Cruz', 'Lito'), A),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mariah')),
        post('Individual', person('PH-1', 'Duplicate', 'Person')),
        post('Individual', person('PH-21', 'Cruz', 'Lita')),
      ]),
    );
    expect(r.status).toBe(422);
    expect(codes(r.body)).toEqual(['TRANSACTION_FAILED', 'DUPLICATE_IDENTIFIER']);
    expect(r.body.issue[0]).toMatchObject({
      code: 'processing',
      expression: ['entry[2]'],
      details: { text: 'Transaction failed at entry[2] (POST Individual): nothing was written.' },
    });
    expect(r.body.issue[1].expression).toEqual(['entry[2].resource.identifier[0]']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it("answers with the failing entry's status: 404, 409, 400, 403", async () => {
    const before = dumpRegistry(h.db);
    const cases: Array<[unknown[], number, string]> = [
      [[post('Individual', person('PH-30', 'a', 'b')), put(`Individual/${NID}|NOPE`, person('NOPE', 'a', 'b'))], 404, 'RESOURCE_NOT_FOUND'],
      [[post('Individual', person('PH-30', 'a', 'b')), put(`Individual/${NID}|PH-1`, person('PH-1', 'a', 'b'), '"7"')], 409, 'VERSION_CONFLICT'],
      [[post('Individual', person('PH-30', 'a', 'b')), get('Individual?foo=bar')], 400, 'MALFORMED_REQUEST'],
    ];
    for (const [entries, status, code] of cases) {
      const r = await h.call('dswd', 'POST', '/$batch', bundle('transaction', entries));
      expect([r.status, codes(r.body)]).toEqual([status, ['TRANSACTION_FAILED', code]]);
    }
    const scope = await h.call(
      'few',
      'POST',
      '/$batch',
      bundle('transaction', [post('Individual', person('PH-30', 'a', 'b')), post('Group', household('HH-30', 'x', []))]),
    );
    expect([scope.status, codes(scope.body), scope.body.issue[0].expression]).toEqual([403, ['TRANSACTION_FAILED', 'SCOPE_INSUFFICIENT'], ['entry[1]']]);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('a placeholder may only name an earlier entry', async () => {
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [post('Group', household('HH-40', 'x', [{ entity: { reference: A } }])), post('Individual', person('PH-40', 'a', 'b'), A)]),
    );
    expect([r.status, codes(r.body), r.body.issue[1].expression]).toEqual([
      422,
      ['TRANSACTION_FAILED', 'INVALID_REFERENCE'],
      ['entry[0].resource.member[0].entity'],
    ]);
  });
});

describe('batch', () => {
  it('runs each entry on its own and reports each result', async () => {
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('batch', [
        get(`Individual/${NID}|PH-1`),
        get(`Individual/${NID}|NOPE`),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mia'), '"1"'),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Max'), '"1"'),
        post('Individual', person('PH-1', 'Dup', 'Licate')),
        get('Individual?name=santos'),
        put(`Individual?identifier=${encodeURIComponent(`${NID}|PH-50`)}`, person('PH-50', 'Lim', 'Ana')),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mae'), '2'),
        get('Individual/no-bar'),
        post('Individual', household('HH-1', 'x', [])),
      ]),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.type).toBe('batch-response');
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual([
      '200 OK',
      '404 Not Found',
      '200 OK',
      '409 Conflict',
      '422 Unprocessable Entity',
      '200 OK',
      '201 Created',
      '200 OK',
      '422 Unprocessable Entity',
      '422 Unprocessable Entity',
    ]);
    expect(r.body.entry[0].response.etag).toBe('"1"');
    expect(codes(r.body.entry[1].response.outcome)).toEqual(['RESOURCE_NOT_FOUND']);
    expect(r.body.entry[2].response.etag).toBe('"2"');
    expect(codes(r.body.entry[3].response.outcome)).toEqual(['VERSION_CONFLICT']);
    expect(r.body.entry[5].resource).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(r.body.entry[6].response.location).toBe(`/api/v2/spp/Individual/${NID}%7CPH-50`);
    expect(codes(r.body.entry[8].response.outcome)).toEqual(['INVALID_IDENTIFIER']);
    expect(codes(r.body.entry[9].response.outcome)).toEqual(['VALIDATION_ERROR']);
    expect((await h.call('dswd', 'GET', `/Individual/${NID}|PH-1`)).body.name.given).toBe('Mae');
  });

  it('checks the scope of each entry against its own operation', async () => {
    const r = await h.call(
      'few',
      'POST',
      '/$batch',
      bundle('batch', [
        post('Individual', person('PH-60', 'a', 'b')),
        post('Group', household('HH-60', 'x', [])),
        get(`Individual/${NID}|PH-1`),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'a', 'b')),
        get('Individual?name=santos'),
        get('Group/urn:openspp:group|HH-60'),
      ]),
    );
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual([
      '201 Created',
      '403 Forbidden',
      '200 OK',
      '403 Forbidden',
      '403 Forbidden',
      '404 Not Found',
    ]);
    // The very refusal a single POST /Group would get.
    expect(r.body.entry[1].response.outcome.issue[0].details.text).toMatch(/^Required scope: group:create or group:all\. Granted: /);
  });

  it('a placeholder made by a failed entry resolves to nothing', async () => {
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('batch', [post('Individual', person('PH-1', 'Dup', 'Licate'), A), post('Group', household('HH-70', 'x', [{ entity: { reference: A } }]))]),
    );
    expect(r.body.entry.map((e: any) => codes(e.response.outcome)[0])).toEqual(['DUPLICATE_IDENTIFIER', 'INVALID_REFERENCE']);
  });

  it('reads inside a batch follow the consent rules of the client', async () => {
    const r = await h.call('consent', 'POST', '/$batch', bundle('batch', [get(`Individual/${NID}|PH-1`), get(`Individual/${NID}|NOPE`), get('Individual')]));
    expect(r.body.entry[0].response).toEqual(r.body.entry[1].response);
    expect(r.body.entry[0].response.status).toBe('403 Forbidden');
    expect(r.body.entry[2].resource.total).toBe(0);
  });
});

describe('invalid bundles are refused whole, writing nothing', () => {
  it('wrong type, too many transaction entries, repeated fullUrl, bad JSON', async () => {
    const before = dumpRegistry(h.db);
    const many = Array.from({ length: 51 }, (_, i) => post('Individual', person(`PH-M${i}`, 'a', 'b')));
    const cases: Array<[unknown, number, string]> = [
      [{ resourceType: 'Bundle', type: 'searchset', entry: [get('Individual')] }, 422, 'VALIDATION_ERROR'],
      [bundle('transaction', many), 422, 'VALIDATION_ERROR'],
      [bundle('transaction', [post('Individual', person('PH-80', 'a', 'b'), A), post('Individual', person('PH-81', 'a', 'b'), A)]), 422, 'VALIDATION_ERROR'],
      ['{"resourceType":"Bundle",', 400, 'MALFORMED_REQUEST'],
    ];
    for (const [body, status, code] of cases) {
      const r = await h.call('dswd', 'POST', '/$batch', body);
      expect([r.status, r.body.issue[0].details.coding[0].code]).toEqual([status, code]);
    }
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('a batch of 500 entries is accepted', async () => {
    const entries = Array.from({ length: 500 }, (_, i) => post('Individual', person(`PH-B${i}`, 'Bulk', 'Person')));
    const r = await h.call('dswd', 'POST', '/$batch', bundle('batch', entries));
    expect(r.status).toBe(200);
    expect(r.body.entry.every((e: any) => e.response.status === '201 Created')).toBe(true);
  });
});

describe('entries are served by the same operations as single requests', () => {
  it('a batch with valid and invalid entries: the invalid ones get their own 4xx and OperationOutcome, the others succeed', async () => {
    const before = dumpRegistry(h.db);
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('batch', [
        post('Individual', person('PH-90', 'Garcia', 'Ana')),
        post('Individual', person('PH-91', 'Garcia', 'Ben', { birthDate: 'not-a-date' })),
        { request: { method: 'POST', url: 'Individual' } },
        { request: { method: 'GET', url: `Individual/${NID}|PH-1` }, resource: person('PH-1', 'a', 'b') },
        post('Individual', { ...person('PH-92', 'Garcia', 'Cy'), resourceType: 'Group' }),
        post('Individual', person('PH-93', 'Garcia', 'Dee')),
      ]),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.type).toBe('batch-response');
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual([
      '201 Created',
      '422 Unprocessable Entity',
      '400 Bad Request',
      '400 Bad Request',
      '422 Unprocessable Entity',
      '201 Created',
    ]);
    expect(codes(r.body.entry[1].response.outcome)).toEqual(['VALIDATION_ERROR']);
    expect(r.body.entry[1].response.outcome.issue[0].expression).toEqual(['entry[1].resource.birthDate']);
    expect(r.body.entry[2].response.outcome.issue[0].details.text).toBe('A request body is required.');
    expect(r.body.entry[3].response.outcome.issue[0].expression).toEqual(['entry[3].resource']);
    // Only the Individual schema's complaint, not every resource type's (the operation decides the schema).
    expect(r.body.entry[4].response.outcome.issue[0].details.text).not.toMatch(/targetType|member\b/);
    const after = dumpRegistry(h.db);
    expect(after.individuals!.length - before.individuals!.length).toBe(2);
    for (const value of ['PH-90', 'PH-93']) expect((await h.call('dswd', 'GET', `/Individual/${NID}|${value}`)).status).toBe(200);
    for (const value of ['PH-91', 'PH-92']) expect((await h.call('dswd', 'GET', `/Individual/${NID}|${value}`)).status).toBe(404);
  });

  it('a transaction whose 3rd entry breaks the contract leaves nothing behind and names entry 3', async () => {
    const before = dumpRegistry(h.db);
    const r = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [
        post('Individual', person('PH-94', 'Tan', 'Ana'), A),
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mariah')),
        post('Individual', person('PH-95', 'Tan', 'Ben', { birthDate: 'not-a-date' })),
        post('Group', household('HH-94', 'Tan household', [{ entity: { reference: A } }])),
      ]),
    );
    expect(r.status).toBe(422);
    expect(codes(r.body)).toEqual(['TRANSACTION_FAILED', 'VALIDATION_ERROR']);
    expect(r.body.issue[0]).toMatchObject({
      expression: ['entry[2]'],
      details: { text: 'Transaction failed at entry[2] (POST Individual): nothing was written.' },
    });
    expect(r.body.issue[1].expression).toEqual(['entry[2].resource.birthDate']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  /** Two registries in the same state: one answers single requests, the other the same calls as bundle entries. */
  it('every entry method the contract allows answers exactly as the single request does', async () => {
    const twin = makeRegistry();
    for (const [method, path, body] of [
      ['POST', '/Individual', person('PH-1', 'Santos', 'Maria')],
      ['POST', '/Program', programme('4Ps', 'Pantawid', 'group')],
    ] as const) {
      expect((await twin.call('dswd', method, path, body)).status).toBe(201);
    }
    const calls: Array<{ as: 'dswd' | 'few' | 'consent'; method: 'GET' | 'POST' | 'PUT'; url: string; body?: unknown; ifMatch?: string }> = [
      { as: 'dswd', method: 'GET', url: `Individual/${NID}|PH-1` },
      { as: 'dswd', method: 'GET', url: `Individual/${NID}|PH-1?_elements=name` },
      { as: 'dswd', method: 'GET', url: `Individual/${NID}|NOPE` },
      { as: 'consent', method: 'GET', url: `Individual/${NID}|PH-1` },
      { as: 'dswd', method: 'GET', url: 'Individual?name=santos&_count=5' },
      { as: 'dswd', method: 'GET', url: 'Individual?foo=bar' },
      { as: 'dswd', method: 'GET', url: 'Program?status=active' },
      { as: 'dswd', method: 'POST', url: 'Individual', body: person('PH-70', 'Lim', 'Ana') },
      { as: 'dswd', method: 'POST', url: 'Individual', body: person('PH-71', 'Lim', 'Ben', { birthDate: '2020-02-30' }) },
      { as: 'dswd', method: 'POST', url: 'Individual', body: person('PH-1', 'Dup', 'Licate') },
      { as: 'few', method: 'POST', url: 'Group', body: household('HH-70', 'x', []) },
      { as: 'dswd', method: 'PUT', url: `Individual/${NID}|PH-70`, body: person('PH-70', 'Lim', 'Anna'), ifMatch: '"1"' },
      { as: 'dswd', method: 'PUT', url: `Individual/${NID}|PH-70`, body: person('PH-70', 'Lim', 'Anne'), ifMatch: '"1"' },
      { as: 'dswd', method: 'PUT', url: `Individual?identifier=${encodeURIComponent(`${NID}|PH-72`)}`, body: person('PH-72', 'Ong', 'Cy') },
      { as: 'dswd', method: 'PUT', url: `Individual?identifier=${encodeURIComponent(`${NID}|PH-72`)}`, body: person('PH-72', 'Ong', 'Cyd') },
      { as: 'dswd', method: 'POST', url: 'ProgramMembership', body: enrolment('4PS-70', '4Ps', 'HH-NONE') },
    ];
    for (const c of calls) {
      const single = await h.call(c.as, c.method, `/${c.url}`, c.body, c.ifMatch ? { 'if-match': c.ifMatch } : {});
      const entry = { request: { method: c.method, url: c.url, ...(c.ifMatch ? { ifMatch: c.ifMatch } : {}) }, ...(c.body ? { resource: c.body } : {}) };
      const batched = await twin.call(c.as, 'POST', '/$batch', bundle('batch', [entry]));
      expect(batched.status, batched.text).toBe(200);
      const e = batched.body.entry[0];
      const where = `${c.as} ${c.method} ${c.url}`;
      expect(Number(e.response.status.split(' ')[0]), where).toBe(single.status);
      if (single.status >= 400) {
        expect(codes(e.response.outcome), where).toEqual(codes(single.body));
        expect(e.response.outcome.issue[0].details.text, where).toBe(single.body.issue[0].details.text);
      } else {
        expect(e.resource, where).toEqual(single.body);
        expect(e.response.etag, where).toBe(single.headers.get('etag') ?? undefined);
        expect(e.response.location, where).toBe(single.headers.get('location') ?? undefined);
      }
    }
    expect(twin.violations).toEqual([]);
    expect(twin.errors).toEqual([]);
  });
});
