/**
 * patchRecord: JSON Merge Patch (RFC 7396) of an Individual or a Group through the PUT write path. Each test
 * checks the result and what is stored; a refused patch leaves the registry as it was.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { publishedContract } from '../../../src/contract/contract.js';
import { mergePatch, patchRecord } from '../../../src/server/registry/patch.js';
import { search } from '../../../src/server/registry/search/execute.js';
import { readRecord } from '../../../src/server/registry/service.js';
import { GENDER_SYSTEM, makeEngine, NID, refusal, type Engine } from './engine.js';
import { dumpRegistry, household, person } from './harness.js';

const MARIA = `${NID}|PH-1`;
const HH = 'urn:openspp:group|HH-1';
const HEAD = { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head' }] };
let e: Engine;

const individual = () => readRecord(e.db, e.as('dswd'), 'Individual', MARIA, { extensions: '*' }).resource;
const group = () => readRecord(e.db, e.as('dswd'), 'Group', HH, { extensions: '*' }).resource;
const patchMaria = (patch: Record<string, unknown>, ifMatch?: string) => patchRecord(e.db, e.as('dswd'), 'Individual', MARIA, patch, ifMatch);
const patchHousehold = (patch: Record<string, unknown>, ifMatch?: string) => patchRecord(e.db, e.as('dswd'), 'Group', HH, patch, ifMatch);
const found = (type: 'Individual' | 'Group', query: Record<string, unknown>) =>
  search(e.db, e.as('dswd'), {
    type,
    op: publishedContract.operation(type === 'Individual' ? 'searchIndividuals' : 'searchGroups'),
    query: { _count: 20, _sort: 'name', ...query },
  }).total;

/** Asserts that `fn` is refused with `code` (at `expression`) and that nothing in the registry changed. */
function refusedUnchanged(fn: () => unknown, code: string, expression?: string[]) {
  const before = dumpRegistry(e.db);
  const err = refusal(fn);
  expect(err.code).toBe(code);
  if (expression) expect(err.expression).toEqual(expression);
  expect(dumpRegistry(e.db)).toEqual(before);
  return err;
}

beforeEach(() => {
  e = makeEngine();
  e.create(
    'Individual',
    person('PH-1', 'Santos', 'Maria', {
      birthDate: '1985-03-15',
      birthDateEstimated: false,
      gender: { coding: [{ system: GENDER_SYSTEM, code: '2' }] },
      telecom: [{ system: 'phone', value: '+63 912 345 6789' }],
      address: [{ city: 'Quezon City' }],
      extension: {
        farmer: { url: 'urn:openspp:extension:farmer', farmSize: 2.5 },
        disability: { url: 'urn:openspp:extension:disability', severity: 'mild' },
      },
    }),
  );
  e.create('Individual', person('PH-2', 'Santos', 'Jose'));
  e.create(
    'Group',
    household('HH-1', 'Santos household', [{ entity: { reference: `Individual/${MARIA}` }, role: HEAD }, 'PH-2'], {
      address: [{ city: 'Quezon City' }],
      characteristic: [{ code: { coding: [{ system: 'urn:openspp:vocab:household-char', code: 'dwelling-concrete' }] } }],
    }),
  );
});

describe('mergePatch (RFC 7396 appendix A)', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('merge(%j, %j) = %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('does not let a __proto__ key set a prototype', () => {
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<string, unknown>;
    expect(merged).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('patching an Individual', () => {
  it('changes only the keys present and stores the next version', () => {
    const before = individual();
    const r = patchMaria({ birthDate: '1985-04-01' });
    expect(r.resource.birthDate).toBe('1985-04-01');
    expect(r.resource.meta.versionId).toBe('2');
    expect(r.etag).toBe('"2"');
    const after = individual();
    const { birthDate: _b1, meta: _m1, ...restBefore } = before;
    const { birthDate: _b2, meta: _m2, ...restAfter } = after;
    expect(restAfter).toEqual(restBefore);
  });

  it('returns the stored record, as a PUT does', () => {
    const r = patchMaria({ active: false });
    expect(r.resource).toEqual(readRecord(e.db, e.as('dswd'), 'Individual', MARIA).resource);
    expect(r.location).toBe('/api/v2/spp/Individual/urn:gov:ph:psa:national-id%7CPH-1');
    expect(r.resource.active).toBe(false);
  });

  it('records who wrote the version, and when', () => {
    const later = new Date('2026-03-05T10:00:00.000Z');
    const r = patchRecord(e.db, e.as('dswd', later), 'Individual', MARIA, { birthDateEstimated: true });
    expect(r.resource.meta).toEqual({ versionId: '2', lastUpdated: later.toISOString(), source: 'urn:openspp:api-client:dswd' });
  });

  it('null removes gender, telecom, address and birthDate', () => {
    patchMaria({ gender: null, telecom: null, address: null, birthDate: null });
    const r = individual();
    for (const field of ['gender', 'telecom', 'address', 'birthDate']) expect(r, field).not.toHaveProperty(field);
    const row = e.db.prepare("SELECT birth_date, gender FROM individuals i JOIN identifiers x ON x.record_id = i.id WHERE x.value = 'PH-1'").get();
    expect(row).toEqual({ birth_date: null, gender: null });
  });

  it('merges name member by member and composes a new text from the parts', () => {
    patchMaria({ name: { given: 'Ana', middle: 'Dela Cruz' } });
    expect(individual().name).toEqual({ family: 'Santos', given: 'Ana', middle: 'Dela Cruz', text: 'SANTOS, Ana Dela Cruz' });
  });

  it('keeps a name text the client wrote when the parts change', () => {
    patchMaria({ name: { text: 'Maria S.' } });
    patchMaria({ name: { given: 'Ana' } });
    expect(individual().name).toEqual({ family: 'Santos', given: 'Ana', text: 'Maria S.' });
  });

  it('a name text set to null is composed again', () => {
    patchMaria({ name: { text: 'Maria S.' } });
    patchMaria({ name: { text: null } });
    expect(individual().name?.text).toBe('SANTOS, Maria');
  });

  it('null clears the name: gone from the record, the name index and the sort key', () => {
    expect(found('Individual', { name: 'maria' })).toBe(1);
    const r = patchMaria({ name: null });
    expect(r.resource).not.toHaveProperty('name');
    expect(found('Individual', { name: 'maria' })).toBe(0);
    expect(e.db.prepare("SELECT name_key FROM individuals i JOIN identifiers x ON x.record_id = i.id WHERE x.value = 'PH-1'").pluck().get()).toBe('');
  });

  it('removing every part of the name removes the name', () => {
    patchMaria({ name: { family: null, given: null, text: null } });
    expect(individual()).not.toHaveProperty('name');
  });

  it('a new name is found by name search and the old one is not', () => {
    patchMaria({ name: { family: 'Villanueva' } });
    expect(found('Individual', { name: 'villanueva' })).toBe(1);
    expect(found('Individual', { name: 'santos' })).toBe(1); // Jose only
  });

  it('the new name becomes the display of references to the person', () => {
    patchMaria({ name: { family: 'Villanueva' } });
    expect(group().member?.[0]?.entity.display).toBe('VILLANUEVA, Maria');
  });

  it('merges extension blocks: a block given is merged, a block set to null removed, others kept', () => {
    patchMaria({ extension: { farmer: { farmSize: 3 }, disability: null } });
    expect(individual().extension).toEqual({ farmer: { url: 'urn:openspp:extension:farmer', farmSize: 3 } });
  });

  it('replaces arrays whole', () => {
    patchMaria({ address: [{ city: 'Tacloban City' }, { city: 'Cebu City' }] });
    expect(individual().address).toEqual([{ city: 'Tacloban City' }, { city: 'Cebu City' }]);
  });

  it('ignores identifier, read-only fields and unknown keys', () => {
    const r = patchMaria({
      identifier: [{ system: NID, value: 'PH-OTHER' }],
      resourceType: 'Group',
      meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z' },
      groupMembership: [],
      photo: 'aGVsbG8=',
      active: false,
    });
    expect(r.resource.identifier).toEqual([{ system: NID, value: 'PH-1' }]);
    expect(r.resource.resourceType).toBe('Individual');
    expect(r.resource.meta.versionId).toBe('2');
    expect(r.resource).not.toHaveProperty('photo');
    expect(r.resource.groupMembership).toHaveLength(1);
  });

  it('an empty patch still stores a new version', () => {
    expect(patchMaria({}).resource.meta.versionId).toBe('2');
  });

  it('If-Match with the current version is accepted, in its quoted and weak forms', () => {
    expect(patchMaria({ active: false }, '"1"').resource.meta.versionId).toBe('2');
    expect(patchMaria({ active: true }, 'W/"2"').resource.meta.versionId).toBe('3');
  });
});

describe('refused Individual patches change nothing', () => {
  it('a stale If-Match: VERSION_CONFLICT', () => {
    patchMaria({ active: false });
    refusedUnchanged(() => patchMaria({ active: true }, '"1"'), 'VERSION_CONFLICT');
  });

  it('an unknown identifier: RESOURCE_NOT_FOUND', () => {
    refusedUnchanged(() => patchRecord(e.db, e.as('dswd'), 'Individual', `${NID}|PH-404`, { active: false }), 'RESOURCE_NOT_FOUND');
  });

  it('a malformed identifier: INVALID_IDENTIFIER', () => {
    refusedUnchanged(() => patchRecord(e.db, e.as('dswd'), 'Individual', 'PH-1', { active: false }), 'INVALID_IDENTIFIER');
  });

  it('a gender code outside ISO/IEC 5218 (a business rule of the kind)', () => {
    refusedUnchanged(() => patchMaria({ gender: { coding: [{ system: GENDER_SYSTEM, code: '7' }] } }), 'VALIDATION_ERROR', ['gender.coding[0].code']);
  });

  it('a value of the wrong type, named where it is', () => {
    refusedUnchanged(() => patchMaria({ telecom: 'call me' }), 'VALIDATION_ERROR', ['telecom']);
    refusedUnchanged(() => patchMaria({ name: { family: 42 } }), 'VALIDATION_ERROR', ['name.family']);
    refusedUnchanged(() => patchMaria({ birthDate: '1985-02-30' }), 'VALIDATION_ERROR', ['birthDate']);
  });

  it('control characters in text', () => {
    const err = refusedUnchanged(() => patchMaria({ name: { family: 'San\u0000tos' } }), 'VALIDATION_ERROR', ['name.family']);
    expect(err.message).toContain('control characters');
  });

  it('removing active', () => {
    refusedUnchanged(() => patchMaria({ active: null }), 'VALIDATION_ERROR', ['active']);
  });

  it('a patch that is not an object', () => {
    refusedUnchanged(() => patchMaria([{ op: 'replace', path: '/active', value: false }] as never), 'VALIDATION_ERROR');
  });
});

describe('patching a Group', () => {
  const memberRows = () => e.db.prepare('SELECT * FROM group_members ORDER BY group_id, position').all();

  it('changes name, type and active, and keeps the members exactly as stored', () => {
    const rows = memberRows();
    const r = patchHousehold({ name: 'Santos family', type: 'family', active: false });
    expect([r.resource.name, r.resource.type, r.resource.active, r.resource.meta.versionId]).toEqual(['Santos family', 'family', false, '2']);
    expect(memberRows()).toEqual(rows);
    expect(r.resource.quantity).toBe(2);
  });

  it('the new name is in the group name index', () => {
    patchHousehold({ name: 'Villanueva family' });
    expect(found('Group', { name: 'villanueva' })).toBe(1);
    expect(found('Group', { name: 'santos' })).toBe(0);
  });

  it('null removes address and characteristic; a new characteristic list replaces the old', () => {
    patchHousehold({ address: null, characteristic: null });
    expect(group()).not.toHaveProperty('address');
    expect(group()).not.toHaveProperty('characteristic');
    const water = [{ code: { coding: [{ system: 'urn:openspp:vocab:household-char', code: 'water-piped' }] } }];
    patchHousehold({ characteristic: water });
    expect(group().characteristic).toEqual(water);
  });

  it('ignores members in the patch', () => {
    const rows = memberRows();
    patchHousehold({ member: [], quantity: 0 });
    expect(memberRows()).toEqual(rows);
  });

  it('refuses removing the name or the type, and an unknown type, changing nothing', () => {
    refusedUnchanged(() => patchHousehold({ name: null }), 'VALIDATION_ERROR', ['name']);
    refusedUnchanged(() => patchHousehold({ type: null }), 'VALIDATION_ERROR', ['type']);
    refusedUnchanged(() => patchHousehold({ type: 'clan' }), 'VALIDATION_ERROR', ['type']);
  });

  it('a stale If-Match: VERSION_CONFLICT, nothing changed', () => {
    refusedUnchanged(() => patchHousehold({ name: 'x' }, '"7"'), 'VERSION_CONFLICT');
  });

  it('patches Groups only by their own identifiers', () => {
    refusedUnchanged(() => patchRecord(e.db, e.as('dswd'), 'Group', MARIA, { name: 'x' }), 'RESOURCE_NOT_FOUND');
  });
});
