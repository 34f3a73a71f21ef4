/**
 * Create, read, update and conditional update of the four resource types through the mounted route table;
 * every response is checked against the contract (`violations` stays empty).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpRegistry, enrolment, fullScans, household, makeRegistry, person, planOf, programme, recordingDb, type RegistryHarness } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
let h: RegistryHarness;

beforeEach(() => {
  h = makeRegistry();
});
afterEach(() => {
  expect(h.violations).toEqual([]);
  expect(h.errors).toEqual([]);
});

const code = (r: { body: any }) => r.body?.issue?.[0]?.details?.coding?.[0]?.code;

async function seedHousehold() {
  for (const [v, f, g] of [
    ['PH-1', 'Santos', 'Maria'],
    ['PH-2', 'Santos', 'Jose'],
    ['PH-3', 'Santos', 'Juan'],
  ] as const) {
    expect((await h.call('dswd', 'POST', '/Individual', person(v, f, g))).status).toBe(201);
  }
  const g = await h.call(
    'dswd',
    'POST',
    '/Group',
    household('HH-1', 'Santos household', [
      { entity: { reference: `Individual/${NID}|PH-1` }, role: { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head' }] } },
      'PH-2',
      { entity: { reference: `Individual/${NID}|PH-3` }, period: { start: '2010-01-01', end: '2020-12-31' } },
    ]),
  );
  expect(g.status).toBe(201);
  return g;
}

describe('Individual', () => {
  it('creates: 201 with Location, ETag "1", the stored record and a composed name.text', async () => {
    const r = await h.call(
      'dswd',
      'POST',
      '/Individual',
      person('PH-123456789', 'Santos', 'Maria', { name: { family: 'Santos', given: 'Maria', middle: 'Dela Cruz' } }),
    );
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v2/spp/Individual/${NID}%7CPH-123456789`);
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.body.name.text).toBe('SANTOS, Maria Dela Cruz');
    expect(r.body.meta).toEqual({ versionId: '1', lastUpdated: '2026-03-02T09:15:00.000Z', source: 'urn:openspp:api-client:dswd-full' });
    expect(r.body.active).toBe(true);
    expect(JSON.stringify(r.body)).not.toMatch(/"id"/);
  });

  it('keeps a name.text the client sent, and composes it from what there is', async () => {
    expect((await h.call('dswd', 'POST', '/Individual', person('A', 'Reyes', 'Ana', { name: { family: 'Reyes', text: 'Ana R.' } }))).body.name.text).toBe(
      'Ana R.',
    );
    expect((await h.call('dswd', 'POST', '/Individual', person('B', 'x', 'y', { name: { given: 'Lito' } }))).body.name.text).toBe('Lito');
    expect((await h.call('dswd', 'POST', '/Individual', person('C', 'x', 'y', { name: { family: 'Go' } }))).body.name.text).toBe('GO');
  });

  it('reads by identifier with ETag and X-Consent-Status, and _elements narrows the answer', async () => {
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria', { birthDate: '1985-03-15' }));
    const r = await h.call('dswd', 'GET', `/Individual/${NID}|PH-1`);
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.headers.get('x-consent-status')).toBe('legal_basis');
    const narrowed = await h.call('dswd', 'GET', `/Individual/${NID}|PH-1?_elements=birthDate`);
    expect(Object.keys(narrowed.body)).toEqual(['resourceType', 'identifier', 'birthDate', 'meta']);
  });

  it('answers 404 RESOURCE_NOT_FOUND for an unknown identifier (legal-basis client)', async () => {
    const r = await h.call('dswd', 'GET', `/Individual/${NID}|NOPE`);
    expect(r.status).toBe(404);
    expect(code(r)).toBe('RESOURCE_NOT_FOUND');
  });

  it('addresses records whose system holds # and / through the encoded path, raw | or %7C', async () => {
    const system = 'urn:openspp:vocab:id-type#philhealth/v2';
    const created = await h.call('dswd', 'POST', '/Individual', { ...person('x', 'Cruz', 'Ana'), identifier: [{ system, value: '12-3/4' }] });
    expect(created.headers.get('location')).toBe('/api/v2/spp/Individual/urn:openspp:vocab:id-type%23philhealth%2Fv2%7C12-3%2F4');
    expect((await h.call('dswd', 'GET', created.headers.get('location')!)).status).toBe(200);
    expect((await h.call('dswd', 'GET', '/Individual/urn:openspp:vocab:id-type%23philhealth%2Fv2|12-3%2F4')).body.name.family).toBe('Cruz');
  });

  it('refuses an identifier another Individual has: 422 DUPLICATE_IDENTIFIER, nothing written', async () => {
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'));
    const before = dumpRegistry(h.db);
    const r = await h.call('dswd', 'POST', '/Individual', {
      ...person('PH-9', 'Reyes', 'Ana'),
      identifier: [
        { system: NID, value: 'PH-9' },
        { system: NID, value: 'PH-1' },
      ],
    });
    expect(r.status).toBe(422);
    expect(code(r)).toBe('DUPLICATE_IDENTIFIER');
    expect(r.body.issue[0].expression).toEqual(['identifier[1]']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('refuses the same identifier twice in one body, and a gender outside ISO 5218', async () => {
    const twice = await h.call('dswd', 'POST', '/Individual', {
      ...person('PH-1', 'a', 'b'),
      identifier: [
        { system: NID, value: 'PH-1' },
        { system: NID, value: 'PH-1' },
      ],
    });
    expect([twice.status, code(twice)]).toEqual([422, 'VALIDATION_ERROR']);
    const gender = await h.call(
      'dswd',
      'POST',
      '/Individual',
      person('PH-2', 'a', 'b', { gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '3' }] } }),
    );
    expect([gender.status, code(gender), gender.body.issue[0].expression]).toEqual([422, 'VALIDATION_ERROR', ['gender.coding[0].code']]);
  });

  it('updates: every writable field replaced (omitted ones cleared), version +1, read-only fields ignored', async () => {
    await h.call(
      'dswd',
      'POST',
      '/Individual',
      person('PH-1', 'Santos', 'Maria', { birthDate: '1985-03-15', telecom: [{ system: 'phone', value: '+63917' }] }),
    );
    const put = await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, {
      ...person('PH-1', 'Santos', 'María'),
      identifier: [
        { system: NID, value: 'PH-1' },
        { system: 'urn:x:y', value: 'Z' },
      ],
      meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', source: 'forged' },
      groupMembership: [{ group: { reference: 'Group/urn:x|y' } }],
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"2"');
    expect(put.body.birthDate).toBeUndefined();
    expect(put.body.telecom).toBeUndefined();
    expect(put.body.groupMembership).toBeUndefined();
    expect(put.body.meta.versionId).toBe('2');
    expect(put.body.meta.source).toBe('urn:openspp:api-client:dswd-full');
    expect(put.body.identifier).toHaveLength(2);
    expect((await h.call('dswd', 'GET', '/Individual/urn:x:y|Z')).body.name.given).toBe('María');
  });

  it('If-Match: current (strong or weak) succeeds, stale gives 409 VERSION_CONFLICT and writes nothing', async () => {
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'));
    expect((await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mia'), { 'If-Match': '"1"' })).status).toBe(200);
    expect((await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mae'), { 'If-Match': 'W/"2"' })).status).toBe(200);
    const before = dumpRegistry(h.db);
    const stale = await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Max'), { 'If-Match': '"2"' });
    expect(stale.status).toBe(409);
    expect(code(stale)).toBe('VERSION_CONFLICT');
    expect(stale.body.issue[0].details.text).toBe('Resource version mismatch. Expected: 2, current: 3.');
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('update: 404 for an unknown record, 422 when the body lacks the path identifier', async () => {
    expect((await h.call('dswd', 'PUT', `/Individual/${NID}|NOPE`, person('NOPE', 'a', 'b'))).status).toBe(404);
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'));
    const r = await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, person('PH-2', 'Santos', 'Maria'));
    expect([r.status, code(r), r.body.issue[0].expression]).toEqual([422, 'VALIDATION_ERROR', ['identifier']]);
  });

  it('update may not take an identifier another record has', async () => {
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'));
    await h.call('dswd', 'POST', '/Individual', person('PH-2', 'Reyes', 'Ana'));
    const r = await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, {
      ...person('PH-1', 'a', 'b'),
      identifier: [
        { system: NID, value: 'PH-1' },
        { system: NID, value: 'PH-2' },
      ],
    });
    expect([r.status, code(r)]).toEqual([422, 'DUPLICATE_IDENTIFIER']);
  });

  it('conditional update creates (201 + Location) then replaces (200); the body must hold the query identifier', async () => {
    const q = `/Individual?identifier=${encodeURIComponent(`${NID}|PH-7`)}`;
    const created = await h.call('dswd', 'PUT', q, person('PH-7', 'Lim', 'Ana'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v2/spp/Individual/${NID}%7CPH-7`);
    const replaced = await h.call('dswd', 'PUT', q, person('PH-7', 'Lim', 'Anna'), { 'If-Match': '"1"' });
    expect([replaced.status, replaced.headers.get('etag'), replaced.body.name.given]).toEqual([200, '"2"', 'Anna']);
    const stale = await h.call('dswd', 'PUT', q, person('PH-7', 'Lim', 'Ann'), { 'If-Match': '"1"' });
    expect(stale.status).toBe(409);
    const missing = await h.call('dswd', 'PUT', q, person('PH-8', 'Lim', 'Ana'));
    expect([missing.status, code(missing)]).toEqual([422, 'VALIDATION_ERROR']);
    const unknownWithIfMatch = await h.call('dswd', 'PUT', `/Individual?identifier=${encodeURIComponent(`${NID}|PH-9`)}`, person('PH-9', 'a', 'b'), {
      'If-Match': '"1"',
    });
    expect([unknownWithIfMatch.status, code(unknownWithIfMatch)]).toEqual([409, 'VERSION_CONFLICT']);
  });

  it('derives groupMembership from the active memberships of groups', async () => {
    await seedHousehold();
    const maria = await h.call('dswd', 'GET', `/Individual/${NID}|PH-1`);
    expect(maria.body.groupMembership).toEqual([
      {
        group: { reference: 'Group/urn:openspp:group|HH-1', display: 'Santos household' },
        role: { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head', display: 'Head of household' }] },
      },
    ]);
    expect((await h.call('dswd', 'GET', `/Individual/${NID}|PH-3`)).body.groupMembership).toBeUndefined();
  });
});

describe('Group', () => {
  it('creates with members; quantity counts active members; member displays are names', async () => {
    const g = await seedHousehold();
    expect(g.headers.get('location')).toBe('/api/v2/spp/Group/urn:openspp:group%7CHH-1');
    expect(g.body.quantity).toBe(2);
    expect(g.body.member.map((m: any) => [m.entity.reference, m.entity.display, m.inactive])).toEqual([
      [`Individual/${NID}|PH-1`, 'SANTOS, Maria', false],
      [`Individual/${NID}|PH-2`, 'SANTOS, Jose', false],
      [`Individual/${NID}|PH-3`, 'SANTOS, Juan', false],
    ]);
  });

  it('quantity follows the day: a period that ends later still counts until it has passed', async () => {
    await seedHousehold();
    await h.call(
      'dswd',
      'PUT',
      '/Group/urn:openspp:group|HH-1',
      household('HH-1', 'Santos household', [
        'PH-1',
        { entity: { reference: `Individual/${NID}|PH-2` }, period: { end: '2026-03-02' } },
        { entity: { reference: `Individual/${NID}|PH-3` }, inactive: true },
      ]),
    );
    expect((await h.call('dswd', 'GET', '/Group/urn:openspp:group|HH-1')).body.quantity).toBe(2);
    h.clock.now = new Date('2026-03-03T00:00:00Z');
    expect((await h.call('dswd', 'GET', '/Group/urn:openspp:group|HH-1')).body.quantity).toBe(1);
  });

  it('refuses a member that names no Individual (422 INVALID_REFERENCE), writing nothing', async () => {
    await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'));
    const before = dumpRegistry(h.db);
    const r = await h.call('dswd', 'POST', '/Group', household('HH-1', 'x', ['PH-1', 'PH-404']));
    expect([r.status, code(r), r.body.issue[0].expression]).toEqual([422, 'INVALID_REFERENCE', ['member[1].entity']]);
    const outside = await h.call('dswd', 'POST', '/Group', household('HH-2', 'x', [{ entity: { reference: 'urn:uuid:1234' } }]));
    expect([outside.status, code(outside)]).toEqual([422, 'INVALID_REFERENCE']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('PUT replaces the member list and ignores quantity; duplicates are refused', async () => {
    await seedHousehold();
    const r = await h.call('dswd', 'PUT', '/Group/urn:openspp:group|HH-1', {
      ...household('HH-1', 'Santos family', ['PH-2']),
      quantity: 99,
      type: 'family',
    });
    expect([r.status, r.body.quantity, r.body.member.length, r.body.type, r.body.address]).toEqual([200, 1, 1, 'family', undefined]);
    expect((await h.call('dswd', 'GET', `/Individual/${NID}|PH-1`)).body.groupMembership).toBeUndefined();
    await h.call('dswd', 'POST', '/Group', household('HH-2', 'Other', []));
    const dup = await h.call('dswd', 'POST', '/Group', household('HH-2', 'Other', []));
    expect([dup.status, code(dup)]).toEqual([422, 'DUPLICATE_IDENTIFIER']);
  });

  it('conditional update and If-Match work as for Individuals', async () => {
    const q = `/Group?identifier=${encodeURIComponent('urn:openspp:group|HH-9')}`;
    expect((await h.call('dswd', 'PUT', q, household('HH-9', 'Nine', []))).status).toBe(201);
    expect((await h.call('dswd', 'PUT', q, household('HH-9', 'Nine', []), { 'If-Match': '"2"' })).status).toBe(409);
    expect((await h.call('dswd', 'PUT', q, household('HH-9', 'Niner', []), { 'If-Match': '"1"' })).status).toBe(200);
  });
});

describe('Program and ProgramMembership', () => {
  beforeEach(async () => {
    await seedHousehold();
    expect((await h.call('dswd', 'POST', '/Program', programme('4Ps', 'Pantawid Pamilyang Pilipino Program', 'group'))).status).toBe(201);
    expect((await h.call('dswd', 'POST', '/Program', programme('SOCPEN', 'Social Pension', 'individual'))).status).toBe(201);
  });

  it('Program: create, read (no X-Consent-Status), update, conditional update', async () => {
    const r = await h.call('dswd', 'GET', '/Program/urn:openspp:program|4Ps');
    expect([r.status, r.headers.get('etag'), r.headers.get('x-consent-status'), r.body.targetType]).toEqual([200, '"1"', null, 'group']);
    const put = await h.call('dswd', 'PUT', '/Program/urn:openspp:program|4Ps', programme('4Ps', '4Ps', 'group', { period: { start: '2008-01-01' } }));
    expect([put.status, put.body.name, put.body.period]).toEqual([200, '4Ps', { start: '2008-01-01' }]);
    const bad = await h.call(
      'dswd',
      'PUT',
      '/Program/urn:openspp:program|4Ps',
      programme('4Ps', '4Ps', 'group', { period: { start: '2008-01-01', end: '2007-01-01' } }),
    );
    expect([bad.status, code(bad), bad.body.issue[0].expression]).toEqual([422, 'VALIDATION_ERROR', ['period']]);
    const up = await h.call('dswd', 'PUT', `/Program?identifier=${encodeURIComponent('urn:openspp:program|NEW')}`, programme('NEW', 'New', 'individual'));
    expect(up.status).toBe(201);
  });

  it('ProgramMembership: create with displays, read, update with If-Match', async () => {
    const r = await h.call('dswd', 'POST', '/ProgramMembership', enrolment('4PS-1', '4Ps', 'Group/urn:openspp:group|HH-1', { enrollmentDate: '2024-02-01' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/api/v2/spp/ProgramMembership/urn:openspp:program-membership%7C4PS-1');
    expect(r.body.program).toEqual({ reference: 'Program/urn:openspp:program|4Ps', display: 'Pantawid Pamilyang Pilipino Program' });
    expect(r.body.beneficiary).toEqual({ reference: 'Group/urn:openspp:group|HH-1', display: 'Santos household' });
    const read = await h.call('dswd', 'GET', '/ProgramMembership/urn:openspp:program-membership|4PS-1');
    expect([read.status, read.headers.get('x-consent-status')]).toEqual([200, 'legal_basis']);
    const put = await h.call(
      'dswd',
      'PUT',
      '/ProgramMembership/urn:openspp:program-membership|4PS-1',
      enrolment('4PS-1', '4Ps', 'Group/urn:openspp:group|HH-1', { status: 'exited', exitDate: '2025-01-01' }),
      { 'If-Match': '"1"' },
    );
    expect([put.status, put.body.status, put.body.enrollmentDate, put.body.exitDate]).toEqual([200, 'exited', undefined, '2025-01-01']);
  });

  it('refuses references to nothing, and beneficiaries of the wrong kind for the programme', async () => {
    const before = dumpRegistry(h.db);
    const noProgram = await h.call('dswd', 'POST', '/ProgramMembership', enrolment('X-1', 'NOPE', 'Group/urn:openspp:group|HH-1'));
    expect([noProgram.status, code(noProgram), noProgram.body.issue[0].expression]).toEqual([422, 'INVALID_REFERENCE', ['program']]);
    const noOne = await h.call('dswd', 'POST', '/ProgramMembership', enrolment('X-2', '4Ps', 'Group/urn:openspp:group|HH-404'));
    expect([noOne.status, code(noOne), noOne.body.issue[0].expression]).toEqual([422, 'INVALID_REFERENCE', ['beneficiary']]);
    const wrongKind = await h.call('dswd', 'POST', '/ProgramMembership', enrolment('X-3', '4Ps', `Individual/${NID}|PH-1`));
    expect([wrongKind.status, code(wrongKind), wrongKind.body.issue[0].expression]).toEqual([422, 'INVALID_REFERENCE', ['beneficiary']]);
    const wrongKind2 = await h.call('dswd', 'POST', '/ProgramMembership', enrolment('X-4', 'SOCPEN', 'Group/urn:openspp:group|HH-1'));
    expect(wrongKind2.status).toBe(422);
    const dates = await h.call(
      'dswd',
      'POST',
      '/ProgramMembership',
      enrolment('X-5', 'SOCPEN', `Individual/${NID}|PH-1`, { enrollmentDate: '2024-01-01', exitDate: '2023-01-01' }),
    );
    expect([dates.status, code(dates)]).toEqual([422, 'VALIDATION_ERROR']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it("a programme's target type cannot change under its enrolments", async () => {
    await h.call('dswd', 'POST', '/ProgramMembership', enrolment('4PS-1', '4Ps', 'Group/urn:openspp:group|HH-1'));
    const r = await h.call('dswd', 'PUT', '/Program/urn:openspp:program|4Ps', programme('4Ps', '4Ps', 'individual'));
    expect([r.status, code(r), r.body.issue[0].expression]).toEqual([422, 'VALIDATION_ERROR', ['targetType']]);
  });

  it('conditional update of a membership', async () => {
    const q = `/ProgramMembership?identifier=${encodeURIComponent('urn:openspp:program-membership|SP-1')}`;
    const body = enrolment('SP-1', 'SOCPEN', `Individual/${NID}|PH-1`);
    expect((await h.call('dswd', 'PUT', q, body)).status).toBe(201);
    expect((await h.call('dswd', 'PUT', q, { ...body, status: 'suspended' })).body.status).toBe('suspended');
  });
});

describe('bad input gets the contract error and writes nothing', () => {
  it('malformed JSON → 400 MALFORMED_REQUEST', async () => {
    const before = dumpRegistry(h.db);
    const r = await h.call('dswd', 'POST', '/Individual', '{"resourceType": "Individual",');
    expect([r.status, code(r)]).toEqual([400, 'MALFORMED_REQUEST']);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('unknown fields, a missing name, a bad date → 422 VALIDATION_ERROR naming the field', async () => {
    const before = dumpRegistry(h.db);
    const unknown = await h.call('dswd', 'POST', '/Individual', { ...person('PH-1', 'a', 'b'), nickname: 'x' });
    expect([unknown.status, code(unknown)]).toEqual([422, 'VALIDATION_ERROR']);
    const noName = await h.call('dswd', 'POST', '/Individual', { resourceType: 'Individual', identifier: [{ system: NID, value: 'PH-1' }] });
    expect(noName.body.issue[0].expression).toEqual(['name']);
    const date = await h.call('dswd', 'POST', '/Individual', person('PH-1', 'a', 'b', { birthDate: '1985-02-30' }));
    expect([date.status, date.body.issue[0].expression]).toEqual([422, ['birthDate']]);
    const wrongType = await h.call('dswd', 'PUT', `/Individual/${NID}|PH-1`, household('HH-1', 'x', []));
    expect(wrongType.status).toBe(422);
    expect(dumpRegistry(h.db)).toEqual(before);
  });

  it('a malformed identifier in the path → 422 INVALID_IDENTIFIER', async () => {
    const r = await h.call('dswd', 'GET', '/Individual/no-bar-here');
    expect([r.status, code(r)]).toEqual([422, 'INVALID_IDENTIFIER']);
  });
});

describe('query plans of the write path', () => {
  it('creates, updates and conditional updates of every type read and write through indexes only', async () => {
    const runs: Array<{ sql: string; args: unknown[] }> = [];
    const r = makeRegistry(recordingDb(':memory:', (sql, args) => void (sql.startsWith('EXPLAIN') || runs.push({ sql, args }))));
    const calls: Array<[string, string, unknown]> = [
      ['POST', '/Individual', person('PH-1', 'Santos', 'Maria')],
      ['PUT', `/Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mia')],
      ['PUT', `/Individual?identifier=${encodeURIComponent(`${NID}|PH-2`)}`, person('PH-2', 'Reyes', 'Ana')],
      ['POST', '/Group', household('HH-1', 'Santos household', ['PH-1', 'PH-2'])],
      ['PUT', '/Group/urn:openspp:group|HH-1', household('HH-1', 'Santos family', ['PH-1'])],
      ['POST', '/Program', programme('4Ps', '4Ps', 'group')],
      ['PUT', '/Program/urn:openspp:program|4Ps', programme('4Ps', 'Pantawid', 'group')],
      ['POST', '/ProgramMembership', enrolment('M-1', '4Ps', 'Group/urn:openspp:group|HH-1')],
      ['PUT', '/ProgramMembership/urn:openspp:program-membership|M-1', enrolment('M-1', '4Ps', 'Group/urn:openspp:group|HH-1', { status: 'suspended' })],
    ];
    runs.length = 0;
    for (const [method, path, body] of calls) expect((await r.call('dswd', method, path, body)).status, path).toBeLessThan(300);
    const statements = new Map(runs.map((x) => [x.sql, x.args]));
    expect(statements.size).toBeGreaterThan(20);
    for (const [sql, args] of statements) expect(fullScans(planOf(r.db, sql, args), sql), sql).toEqual([]);
  });
});
