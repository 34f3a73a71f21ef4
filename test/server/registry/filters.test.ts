/**
 * The advanced filter engine: filterMetadata describes exactly what advancedSearch accepts; conditions, compounds,
 * presets, sort and paging; consent-bound clients see what a search shows them; hostile values match literally
 * and never reach the SQL text; every malformed request is refused at its place.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishedContract } from '../../../src/contract/contract.js';
import { shapeOf } from '../../../src/server/registry/elements.js';
import { MAX_FILTER_COMPLEXITY } from '../../../src/server/registry/filters/compile.js';
import { FILTER_FIELDS } from '../../../src/server/registry/filters/fields.js';
import { daysBefore, yearsBefore } from '../../../src/server/registry/filters/presets.js';
import { advancedSearch, filterMetadata } from '../../../src/server/registry/filters/search.js';
import { OPERATORS, type AdvancedSearchRequest, type Condition, type ValueKind } from '../../../src/server/registry/filters/types.js';
import { search } from '../../../src/server/registry/search/execute.js';
import { readRecord } from '../../../src/server/registry/service.js';
import { registryChanged } from '../../../src/server/registry/store/version.js';
import { RESOURCE_TYPES, type ResourceType } from '../../../src/server/registry/types.js';
import { GENDER_SYSTEM, makeEngine, NID, refusal, type Engine } from './engine.js';
import { enrolment, fullScans, household, person, planOf, programme, recordingDb } from './harness.js';

const OLD = new Date('2025-06-01T08:00:00.000Z');
const RECENT = new Date('2026-02-20T08:00:00.000Z');
const gender = (code: string) => ({ coding: [{ system: GENDER_SYSTEM, code }] });
const ind = (v: string) => `Individual/${NID}|${v}`;

/** Eight people, five groups, three programmes, four enrolments, and the ministry's consents. */
function seed(e: Engine): void {
  const people: Array<[string, object, Date?]> = [
    ['PH-1', person('PH-1', 'Santos', 'Maria', { birthDate: '1985-03-15', gender: gender('2'), address: [{ city: 'Quezon City' }] })],
    ['PH-2', person('PH-2', 'Santos', 'Jose', { birthDate: '1982-11-02', gender: gender('1') })],
    ['PH-3', person('PH-3', 'Reyes', 'Niño', { birthDate: '2022-12-12', gender: gender('1') }), RECENT],
    ['PH-4', person('PH-4', 'Go', 'Henry', { birthDate: '1960-05-05', gender: gender('1') })],
    ['PH-5', person('PH-5', 'Bautista', 'Elena', { birthDate: '2021-03-02', gender: gender('2'), active: false })],
    ['PH-6', { resourceType: 'Individual', identifier: [{ system: NID, value: 'PH-6' }] }],
    [
      'PH-7',
      person('PH-7', "D'Souza", 'Ann_Marie', {
        name: { family: "D'Souza", given: 'Ann_Marie', middle: '100%' },
        birthDate: '1990-01-01',
        gender: gender('9'),
        address: [{ line: ["12 O'Connell St., 50% Block"] }],
      }),
    ],
    [
      'PH-8',
      person('PH-8', 'Dsouza', 'AnnXMarie', {
        name: { family: 'Dsouza', given: 'AnnXMarie', middle: '1000' },
        birthDate: '1991-01-01',
        gender: gender('0'),
        address: [{ line: ['Block 500'] }],
      }),
    ],
  ];
  for (const [, p, at] of people) e.create('Individual', p, at ?? OLD);
  e.create('Group', household('HH-1', 'Santos household', ['PH-1', 'PH-2', 'PH-3']), OLD);
  e.create('Group', household('HH-2', 'Reyes family', ['PH-4'], { type: 'family' }), OLD);
  e.create('Group', household('HH-3', 'Big household', ['PH-1', 'PH-2', 'PH-3', 'PH-4', 'PH-5', 'PH-6']), OLD);
  e.create(
    'Group',
    household('HH-4', 'Old household', [{ entity: { reference: ind('PH-8') }, period: { start: '2010-01-01', end: '2020-12-31' } }], { active: false }),
    OLD,
  );
  e.create('Group', household('HH-5', '50%_Club', ['PH-7'], { type: 'organization' }), OLD);
  e.create('Program', programme('P-1', 'Cash Transfer', 'group'), OLD);
  e.create('Program', programme('P-2', 'Senior Pension', 'individual', { period: { start: '2020-01-01', end: '2025-12-31' } }), OLD);
  e.create('Program', programme('P-3', '100% Coverage_Pilot', 'individual'), OLD);
  e.create('ProgramMembership', enrolment('M-1', 'P-2', ind('PH-4'), { status: 'active', enrollmentDate: '2024-01-01' }), OLD);
  e.create('ProgramMembership', enrolment('M-2', 'P-1', 'Group/urn:openspp:group|HH-1', { status: 'enrolled' }), OLD);
  e.create('ProgramMembership', enrolment('M-3', 'P-2', ind('PH-2'), { status: 'exited', enrollmentDate: '2023-05-01' }), OLD);
  e.create('ProgramMembership', enrolment('M-4', 'P-3', ind('PH-1'), { status: 'suspended', enrollmentDate: '2026-01-10' }), RECENT);
  e.consent(ind('PH-1'), ['Individual', 'ProgramMembership']);
  e.consent(ind('PH-3'), ['Individual'], { fieldAccess: 'basic' });
  e.consent('Group/urn:openspp:group|HH-1', ['Group']);
}

let e: Engine;
beforeAll(() => {
  e = makeEngine();
  seed(e);
});
beforeEach(() => {
  e.logged.length = 0;
});

function run<T extends ResourceType = 'Individual'>(request: AdvancedSearchRequest, type: T = 'Individual' as T, who: 'dswd' | 'consent' = 'dswd') {
  return advancedSearch(e.db, e.as(who), type, request);
}
const values = (r: { rows: Array<{ identifier: Array<{ value: string }> }> }) => r.rows.map((x) => x.identifier[0]!.value);
const matching = (type: ResourceType, ...filters: Condition[]) => values(run({ filters, pagination: { count: 100 } }, type)).sort();
const individuals = (...filters: Condition[]) => matching('Individual', ...filters);
/** The place a refused request names (its code must be VALIDATION_ERROR). */
function refusedAt(request: AdvancedSearchRequest, type: ResourceType = 'Individual'): string[] | undefined {
  const err = refusal(() => run(request, type));
  expect(err.code).toBe('VALIDATION_ERROR');
  return err.expression;
}

/** A well-formed value of a kind (it need not match anything). */
function sample(kind: ValueKind): unknown {
  switch (kind.kind) {
    case 'identifier':
      return 'urn:example|x';
    case 'reference':
      return `${kind.types[0]}/urn:example|x`;
    case 'code':
      return kind.codes[0];
    case 'text':
      return 'ab';
    case 'date':
    case 'instant':
      return '2020-01-01';
    case 'boolean':
      return true;
    case 'count':
      return 1;
  }
}

describe('filterMetadata', () => {
  it('describes the fields, presets and limits of a type in the deployed module’s terms', () => {
    const m = filterMetadata('Individual');
    expect(m).toMatchObject({ resource: 'Individual', allow_custom_filters: false, max_filter_complexity: 10 });
    expect(m.filters.map((f) => f.name)).toEqual(['identifier', 'name', 'address', 'birthDate', 'gender', 'active', 'lastUpdated', 'group']);
    expect(m.filters.find((f) => f.name === 'birthDate')).toEqual({
      name: 'birthDate',
      field_path: 'birthDate',
      filter_type: 'range',
      label: 'Date of birth',
      description: expect.any(String),
      allowed_operators: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'null'],
      required: false,
      is_indexed: true,
    });
    expect(m.presets.map((p) => p.name)).toEqual(['children_under_5', 'elderly_60_plus', 'active_individuals', 'recently_updated']);
  });

  it('gives max_values exactly to the fields that take in or nin lists', () => {
    for (const type of RESOURCE_TYPES) {
      for (const f of filterMetadata(type).filters) {
        const lists = f.allowed_operators.includes('in') || f.allowed_operators.includes('nin');
        expect(f.max_values, `${type}.${f.name}`).toBe(lists ? 100 : undefined);
      }
    }
  });

  it('every operator it lists for a field is accepted, every other one refused at the operator', () => {
    for (const type of RESOURCE_TYPES) {
      const fields = new Map(filterMetadata(type).filters.map((f) => [f.name, f]));
      for (const [name, meta] of fields) {
        const kind = FILTER_FIELDS[type].find((f) => f.name === name)!.value;
        for (const operator of OPERATORS) {
          const value = operator === 'null' ? true : operator === 'in' || operator === 'nin' ? [sample(kind)] : sample(kind);
          const request = { filters: [{ field: name, operator, value }] };
          if (meta.allowed_operators.includes(operator)) expect(() => run(request, type), `${type}.${name} ${operator}`).not.toThrow();
          else expect(refusedAt(request, type), `${type}.${name} ${operator}`).toEqual(['filters[0].operator']);
        }
      }
    }
  });

  it('every preset of every type runs', () => {
    for (const type of RESOURCE_TYPES) {
      for (const p of filterMetadata(type).presets) expect(() => run({ preset: p.name }, type), `${type} ${p.name}`).not.toThrow();
    }
  });
});

describe('query plans', () => {
  it('a field marked is_indexed is counted from an index, never by a scan of its table', () => {
    // "In no group" is an anti-join: it reads every person, as the search parameter group=none does.
    const scans = new Set(['Individual.group null']);
    const statements: Array<{ sql: string; args: unknown[] }> = [];
    const recorded = makeEngine(
      undefined,
      recordingDb(':memory:', (sql, args) => void (sql.startsWith('EXPLAIN') || statements.push({ sql, args }))),
    );
    seed(recorded);
    for (const type of RESOURCE_TYPES) {
      for (const f of FILTER_FIELDS[type].filter((x) => x.indexed)) {
        for (const operator of f.operators.filter((o) => o !== 'ne' && o !== 'nin' && !scans.has(`${type}.${f.name} ${o}`))) {
          registryChanged(recorded.db); // counts are cached while the registry is unchanged
          statements.length = 0;
          const value = operator === 'null' ? true : operator === 'in' ? [sample(f.value)] : sample(f.value);
          advancedSearch(recorded.db, recorded.as('dswd'), type, { filters: [{ field: f.name, operator, value }] });
          const counts = statements.filter((x) => x.sql.startsWith('SELECT count(*)'));
          expect(counts, `${type}.${f.name} ${operator}`).toHaveLength(1);
          const [{ sql, args }] = counts as [{ sql: string; args: unknown[] }];
          expect(fullScans(planOf(recorded.db, sql, args), sql), `${type}.${f.name} ${operator}: ${sql}`).toEqual([]);
        }
      }
    }
  });
});

describe('field conditions on Individuals', () => {
  it('eq, in and nin on a code', () => {
    expect(individuals({ field: 'gender', operator: 'eq', value: '2' })).toEqual(['PH-1', 'PH-5']);
    expect(individuals({ field: 'gender', operator: 'in', value: ['0', '9'] })).toEqual(['PH-7', 'PH-8']);
    expect(individuals({ field: 'gender', operator: 'nin', value: ['1', '2'] })).toEqual(['PH-7', 'PH-8']);
  });

  it('ne and nin do not match a record without the field; null does', () => {
    expect(individuals({ field: 'gender', operator: 'ne', value: '1' })).toEqual(['PH-1', 'PH-5', 'PH-7', 'PH-8']);
    expect(individuals({ field: 'gender', operator: 'null', value: true })).toEqual(['PH-6']);
    expect(individuals({ field: 'gender', operator: 'null', value: false })).toHaveLength(7);
  });

  it('date comparisons and the null test on the date of birth', () => {
    expect(individuals({ field: 'birthDate', operator: 'lt', value: '1983-01-01' })).toEqual(['PH-2', 'PH-4']);
    expect(individuals({ field: 'birthDate', operator: 'gte', value: '2021-03-02' })).toEqual(['PH-3', 'PH-5']);
    expect(individuals({ field: 'birthDate', operator: 'eq', value: '1990-01-01' })).toEqual(['PH-7']);
    expect(individuals({ field: 'birthDate', operator: 'null', value: true })).toEqual(['PH-6']);
  });

  it('ilike on the name ignores case and diacritics', () => {
    expect(individuals({ field: 'name', operator: 'ilike', value: 'NINO' })).toEqual(['PH-3']);
    expect(individuals({ field: 'name', operator: 'ilike', value: 'sant' })).toEqual(['PH-1', 'PH-2']);
  });

  it('ilike on the address', () => {
    expect(individuals({ field: 'address', operator: 'ilike', value: 'quezon' })).toEqual(['PH-1']);
  });

  it('identifier eq and in', () => {
    expect(individuals({ field: 'identifier', operator: 'eq', value: `${NID}|PH-4` })).toEqual(['PH-4']);
    expect(individuals({ field: 'identifier', operator: 'in', value: [`${NID}|PH-4`, `${NID}|PH-2`, `${NID}|PH-404`] })).toEqual(['PH-2', 'PH-4']);
  });

  it('active members of a group, and people in no group (an ended membership does not count)', () => {
    expect(individuals({ field: 'group', operator: 'eq', value: 'urn:openspp:group|HH-1' })).toEqual(['PH-1', 'PH-2', 'PH-3']);
    expect(individuals({ field: 'group', operator: 'null', value: true })).toEqual(['PH-8']);
    expect(individuals({ field: 'group', operator: 'null', value: false })).toHaveLength(7);
  });

  it('active and lastUpdated', () => {
    expect(individuals({ field: 'active', operator: 'eq', value: false })).toEqual(['PH-5']);
    expect(individuals({ field: 'lastUpdated', operator: 'gte', value: '2026-01-01' })).toEqual(['PH-3']);
    expect(individuals({ field: 'lastUpdated', operator: 'lt', value: '2025-06-01T08:00:01Z' })).toHaveLength(7);
  });

  it('the operator defaults to eq', () => {
    expect(individuals({ field: 'gender', value: '9' })).toEqual(['PH-7']);
  });
});

describe('field conditions on Groups, Programs and ProgramMemberships', () => {
  it('Group type in, and the number of active members', () => {
    expect(matching('Group', { field: 'type', operator: 'in', value: ['family', 'organization'] })).toEqual(['HH-2', 'HH-5']);
    expect(matching('Group', { field: 'quantity', operator: 'gte', value: 6 })).toEqual(['HH-3']);
    expect(matching('Group', { field: 'quantity', operator: 'eq', value: 0 })).toEqual(['HH-4']);
  });

  it('Group member: groups the person is an active member of', () => {
    expect(matching('Group', { field: 'member', operator: 'eq', value: ind('PH-4') })).toEqual(['HH-2', 'HH-3']);
    expect(matching('Group', { field: 'member', operator: 'eq', value: ind('PH-8') })).toEqual([]);
  });

  it('Group name: ilike ignores case, like does not', () => {
    expect(matching('Group', { field: 'name', operator: 'ilike', value: 'SANTOS' })).toEqual(['HH-1']);
    expect(matching('Group', { field: 'name', operator: 'like', value: 'SANTOS' })).toEqual([]);
    expect(matching('Group', { field: 'name', operator: 'like', value: 'Santos' })).toEqual(['HH-1']);
  });

  it('Program status follows the request date; targetType', () => {
    expect(matching('Program', { field: 'status', operator: 'eq', value: 'active' })).toEqual(['P-1', 'P-3']);
    expect(matching('Program', { field: 'status', operator: 'eq', value: 'ended' })).toEqual(['P-2']);
    expect(matching('Program', { field: 'targetType', operator: 'ne', value: 'group' })).toEqual(['P-2', 'P-3']);
  });

  it('ProgramMembership by programme, beneficiary, status and enrolment date', () => {
    expect(
      matching('ProgramMembership', { field: 'program', operator: 'in', value: ['Program/urn:openspp:program|P-2', 'Program/urn:openspp:program|P-3'] }),
    ).toEqual(['M-1', 'M-3', 'M-4']);
    expect(matching('ProgramMembership', { field: 'beneficiary', operator: 'eq', value: 'Group/urn:openspp:group|HH-1' })).toEqual(['M-2']);
    expect(matching('ProgramMembership', { field: 'status', operator: 'nin', value: ['exited', 'suspended'] })).toEqual(['M-1', 'M-2']);
    expect(matching('ProgramMembership', { field: 'enrollmentDate', operator: 'null', value: true })).toEqual(['M-2']);
  });
});

describe('hostile values match literally', () => {
  it('_ is not a wildcard', () => {
    expect(individuals({ field: 'name', operator: 'ilike', value: 'Ann_Marie' })).toEqual(['PH-7']);
    expect(matching('Group', { field: 'name', operator: 'like', value: '%_' })).toEqual(['HH-5']);
  });

  it('% is not a wildcard', () => {
    expect(individuals({ field: 'name', operator: 'ilike', value: '100%' })).toEqual(['PH-7']);
    expect(individuals({ field: 'address', operator: 'ilike', value: '50%' })).toEqual(['PH-7']);
    expect(matching('Program', { field: 'name', operator: 'ilike', value: '100% coverage_' })).toEqual(['P-3']);
    expect(matching('Program', { field: 'name', operator: 'like', value: '%_' })).toEqual([]);
  });

  it('quotes match themselves', () => {
    expect(individuals({ field: 'name', operator: 'ilike', value: "d'souza" })).toEqual(['PH-7']);
    expect(individuals({ field: 'address', operator: 'ilike', value: "O'Connell" })).toEqual(['PH-7']);
    expect(individuals({ field: 'name', operator: 'ilike', value: '"Souza' })).toEqual([]);
  });

  it('SQL fragments match nothing and change nothing', () => {
    const hostile = ["' OR '1'='1", "x') OR 1=1 --", "'; DROP TABLE individuals; --", 'NEAR(a b)', 'name:*', ') OR (1'];
    for (const value of hostile) {
      expect(individuals({ field: 'name', operator: 'ilike', value }), value).toEqual([]);
      expect(matching('Group', { field: 'name', operator: 'like', value }), value).toEqual([]);
      expect(matching('Program', { field: 'name', operator: 'ilike', value }), value).toEqual([]);
    }
    expect(individuals({ field: 'identifier', operator: 'eq', value: "urn:x|' OR 1=1 --" })).toEqual([]);
    expect(e.db.prepare('SELECT count(*) FROM individuals').pluck().get()).toBe(8);
  });

  it('values are bound as parameters, never written into the SQL', () => {
    const statements: Array<{ sql: string; args: unknown[] }> = [];
    const recorded = makeEngine(
      undefined,
      recordingDb(':memory:', (sql, args) => statements.push({ sql, args })),
    );
    seed(recorded);
    statements.length = 0;
    const value = "zz' OR 1=1 --";
    advancedSearch(recorded.db, recorded.as('dswd'), 'Group', { filters: [{ field: 'name', operator: 'like', value }] });
    advancedSearch(recorded.db, recorded.as('dswd'), 'Individual', {
      filters: [{ field: 'identifier', operator: 'in', value: [`urn:x|${value}`] }],
      additional_filters: [{ field: 'gender', operator: 'nin', value: ['1'] }],
    });
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect(s.sql).not.toContain('OR 1=1');
    expect(statements.some((s) => s.args.includes(value))).toBe(true);
  });
});

describe('compound conditions and filter_logic', () => {
  it('filters are joined by AND by default', () => {
    expect(individuals({ field: 'gender', operator: 'eq', value: '1' }, { field: 'birthDate', operator: 'lt', value: '1983-01-01' })).toEqual(['PH-2', 'PH-4']);
  });

  it('filter_logic OR joins the top-level filters', () => {
    const r = run({
      filter_logic: 'OR',
      filters: [
        { field: 'gender', operator: 'eq', value: '9' },
        { field: 'birthDate', operator: 'null', value: true },
      ],
    });
    expect(values(r).sort()).toEqual(['PH-6', 'PH-7']);
  });

  it('compounds nest: AND inside OR', () => {
    const r = run({
      filters: [
        {
          logic: 'OR',
          conditions: [
            { field: 'gender', operator: 'eq', value: '0' },
            {
              logic: 'AND',
              conditions: [
                { field: 'gender', operator: 'eq', value: '2' },
                { field: 'active', operator: 'eq', value: true },
              ],
            },
          ],
        },
      ],
    });
    expect(values(r).sort()).toEqual(['PH-1', 'PH-8']);
  });

  it('a compound with an OR between arguments of different fields keeps each value with its own condition', () => {
    const r = run({
      filters: [
        {
          logic: 'OR',
          conditions: [
            { field: 'identifier', operator: 'in', value: [`${NID}|PH-1`, `${NID}|PH-2`] },
            { field: 'name', operator: 'ilike', value: 'henry' },
          ],
        },
        { field: 'gender', operator: 'eq', value: '1' },
      ],
    });
    expect(values(r).sort()).toEqual(['PH-2', 'PH-4']);
  });
});

describe('presets', () => {
  it('yearsBefore keeps the day, or takes the last day of a shorter month', () => {
    expect(yearsBefore('2026-03-02', 5)).toBe('2021-03-02');
    expect(yearsBefore('2028-02-29', 5)).toBe('2023-02-28');
    expect(yearsBefore('2028-02-29', 4)).toBe('2024-02-29');
    expect(daysBefore('2026-03-02', 30)).toBe('2026-01-31');
  });

  it('children_under_5: born after the day 5 years before the request (not one who turns 5 that day)', () => {
    expect(values(run({ preset: 'children_under_5' }))).toEqual(['PH-3']);
  });

  it('children_under_5 follows the request date, not the clock', () => {
    const earlier = advancedSearch(e.db, e.as('dswd', new Date('2026-03-01T12:00:00Z')), 'Individual', { preset: 'children_under_5' });
    expect(values(earlier).sort()).toEqual(['PH-3', 'PH-5']);
  });

  it('elderly_60_plus and recently_updated', () => {
    expect(values(run({ preset: 'elderly_60_plus' }))).toEqual(['PH-4']);
    expect(values(run({ preset: 'recently_updated' }))).toEqual(['PH-3']);
  });

  it('active_households and large_households', () => {
    expect(values(run({ preset: 'active_households' }, 'Group')).sort()).toEqual(['HH-1', 'HH-3']);
    expect(values(run({ preset: 'large_households' }, 'Group'))).toEqual(['HH-3']);
  });

  it('active_programs and currently_enrolled', () => {
    expect(values(run({ preset: 'active_programs' }, 'Program')).sort()).toEqual(['P-1', 'P-3']);
    expect(values(run({ preset: 'currently_enrolled' }, 'ProgramMembership')).sort()).toEqual(['M-1', 'M-2']);
  });

  it('additional_filters narrow a preset', () => {
    const r = run({ preset: 'active_households', additional_filters: [{ field: 'name', operator: 'ilike', value: 'big' }] }, 'Group');
    expect(values(r)).toEqual(['HH-3']);
  });

  it("a preset's own conditions do not count towards max_filter_complexity", () => {
    const ten = Array.from({ length: MAX_FILTER_COMPLEXITY }, () => ({ field: 'active', operator: 'eq' as const, value: true }));
    expect(values(run({ preset: 'large_households', additional_filters: ten }, 'Group'))).toEqual(['HH-3']);
  });
});

describe('sort and paging', () => {
  it('sorts by name by default (a person without a name first)', () => {
    expect(values(run({}))).toEqual(['PH-6', 'PH-5', 'PH-7', 'PH-8', 'PH-4', 'PH-3', 'PH-2', 'PH-1']);
  });

  it('sorts by the fields asked for, in their directions', () => {
    const r = run({ filters: [{ field: 'birthDate', operator: 'null', value: false }], sort: [{ field: 'birthDate', direction: 'desc' }] });
    expect(values(r)).toEqual(['PH-3', 'PH-5', 'PH-8', 'PH-7', 'PH-1', 'PH-2', 'PH-4']);
    const two = run({
      filters: [{ field: 'name', operator: 'ilike', value: 'santos' }],
      sort: [{ field: 'lastUpdated' }, { field: 'name', direction: 'desc' }],
    });
    expect(values(two)).toEqual(['PH-1', 'PH-2']);
  });

  it('pages by offset: total, the page, whether another follows, the page size asked for', () => {
    const first = run({ pagination: { count: 3 } });
    expect([first.total, values(first), first.offset, first.count, first.hasNext]).toEqual([8, ['PH-6', 'PH-5', 'PH-7'], 0, 3, true]);
    const last = run({ pagination: { count: 3, offset: 6 } });
    expect([values(last), last.hasNext]).toEqual([['PH-2', 'PH-1'], false]);
    const beyond = run({ pagination: { count: 3, offset: 8 } });
    expect([beyond.total, beyond.rows, beyond.hasNext]).toEqual([8, [], false]);
  });

  it('a full last page has no next', () => {
    expect(run({ pagination: { count: 4, offset: 4 } }).hasNext).toBe(false);
  });
});

describe('what is returned, and to whom', () => {
  it('rows are the records as a read renders them', () => {
    const [row] = run({ filters: [{ field: 'identifier', value: `${NID}|PH-1` }] }).rows;
    expect(row).toEqual(readRecord(e.db, e.as('dswd'), 'Individual', `${NID}|PH-1`).resource);
  });

  it('a shape narrows the rows', () => {
    const r = advancedSearch(e.db, e.as('dswd'), 'Individual', { filters: [{ field: 'identifier', value: `${NID}|PH-1` }] }, shapeOf({ _elements: 'gender' }));
    expect(Object.keys(r.rows[0]!).sort()).toEqual(['gender', 'identifier', 'meta', 'resourceType']);
  });

  it('a consent-bound client sees, and counts, only the consented records', () => {
    const r = run({ filters: [{ field: 'gender', operator: 'in', value: ['1', '2'] }] }, 'Individual', 'consent');
    expect([r.total, values(r).sort()]).toEqual([2, ['PH-1', 'PH-3']]);
  });

  it('a consent-bound client sees what a search shows it', () => {
    const searched = search(e.db, e.as('consent'), {
      type: 'Individual',
      op: publishedContract.operation('searchIndividuals'),
      query: { _count: 20, _sort: 'name' },
    });
    const filtered = run({}, 'Individual', 'consent');
    expect(filtered.rows).toEqual(searched.entry.map((x) => x.resource));
    expect(filtered.total).toBe(searched.total);
  });

  it('a basic consent shows the basic fields only', () => {
    const [row] = run({ filters: [{ field: 'identifier', value: `${NID}|PH-3` }] }, 'Individual', 'consent').rows;
    expect(Object.keys(row!).sort()).toEqual(['active', 'identifier', 'meta', 'name', 'resourceType']);
  });

  it('a consent-bound client cannot find an unconsented record by a filter on it', () => {
    expect(run({ filters: [{ field: 'name', operator: 'ilike', value: 'henry' }] }, 'Individual', 'consent').total).toBe(0);
  });

  it('enrolments follow their beneficiary’s consent; programmes are not consent-bound', () => {
    expect(values(run({}, 'ProgramMembership', 'consent'))).toEqual(['M-4']);
    expect(run({}, 'Program', 'consent').total).toBe(3);
  });

  it('records each row returned (not each match) in the access log as a search', () => {
    run({ pagination: { count: 2 } });
    expect(e.logged.map((l) => [l.operation, l.resourceType])).toEqual([
      ['search', 'Individual'],
      ['search', 'Individual'],
    ]);
  });
});

describe('refusals name their place', () => {
  it('an unknown field', () => {
    const request = {
      filters: [
        { field: 'gender', value: '1' },
        { field: 'active', value: true },
        { field: 'password_hash', value: 'x' },
      ],
    };
    expect(refusedAt(request)).toEqual(['filters[2].field']);
    expect(refusal(() => run(request)).message).not.toContain('password_hash');
  });

  it('an operator the field does not allow, or no operator at all', () => {
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'gt', value: '1' }] })).toEqual(['filters[0].operator']);
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'regex' as never, value: '1' }] })).toEqual(['filters[0].operator']);
    expect(refusal(() => run({ filters: [{ field: 'gender', operator: 'gt', value: '1' }] })).message).toBe(
      'filters[0].operator is not allowed for gender (allowed: eq, ne, in, nin, null).',
    );
  });

  it('a value of the wrong kind', () => {
    expect(refusedAt({ filters: [{ field: 'gender', value: 2 }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'gender', value: '3' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'birthDate', operator: 'gt', value: '2020-02-30' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'birthDate', operator: 'gt', value: 'ge2020-01-01' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'active', value: 'true' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'identifier', value: 'PH-1' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'member', value: `${NID}|PH-1` }] }, 'Group')).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'quantity', operator: 'gt', value: 1.5 }] }, 'Group')).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'lastUpdated', operator: 'gt', value: '2026-03-02T09:15' }] })).toEqual(['filters[0].value']);
  });

  it('text shorter than two characters, or with control characters', () => {
    expect(refusedAt({ filters: [{ field: 'name', operator: 'ilike', value: '%' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'name', operator: 'ilike', value: 'ab\u0000' }] })).toEqual(['filters[0].value']);
  });

  it('the null operator takes a boolean; in and nin a list of 1 to 100', () => {
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'null', value: 'yes' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'in', value: '1' }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'in', value: [] }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'in', value: Array.from({ length: 101 }, () => '1') }] })).toEqual(['filters[0].value']);
    expect(refusedAt({ filters: [{ field: 'gender', operator: 'in', value: ['1', 'x'] }] })).toEqual(['filters[0].value[1]']);
  });

  it('inside compounds and additional_filters', () => {
    const nested = {
      logic: 'OR' as const,
      conditions: [
        { field: 'gender', value: '1' },
        { field: 'gender', operator: 'like' as const, value: 'ab' },
      ],
    };
    expect(
      refusedAt({
        filters: [
          { field: 'active', value: true },
          { logic: 'AND', conditions: [nested] },
        ],
      }),
    ).toEqual(['filters[1].conditions[0].conditions[1].operator']);
    expect(refusedAt({ additional_filters: [{ field: 'nope', value: 1 }] })).toEqual(['additional_filters[0].field']);
  });

  it('a malformed compound', () => {
    expect(refusedAt({ filters: [{ logic: 'XOR' as never, conditions: [{ field: 'active', value: true }] }] })).toEqual(['filters[0].logic']);
    expect(refusedAt({ filters: [{ logic: 'AND', conditions: [] }] })).toEqual(['filters[0].conditions']);
    expect(refusedAt({ filters: ['gender=1' as never] })).toEqual(['filters[0]']);
    expect(refusedAt({ filters: { field: 'gender', value: '1' } as never })).toEqual(['filters']);
  });

  it('more conditions than max_filter_complexity, counted across compounds and additional_filters', () => {
    const leaf = { field: 'active', operator: 'eq' as const, value: true };
    expect(() => run({ filters: Array.from({ length: 10 }, () => leaf) })).not.toThrow();
    expect(refusedAt({ filters: Array.from({ length: 11 }, () => leaf) })).toEqual(['filters[10]']);
    expect(
      refusedAt({ filters: [{ logic: 'AND', conditions: Array.from({ length: 6 }, () => leaf) }], additional_filters: Array.from({ length: 5 }, () => leaf) }),
    ).toEqual(['additional_filters[4]']);
  });

  it('compounds nested more than five deep', () => {
    let c: Condition = { field: 'active', value: true };
    for (let i = 0; i < 6; i++) c = { logic: 'AND', conditions: [c] };
    expect(refusedAt({ filters: [c] })).toEqual(['filters[0].conditions[0].conditions[0].conditions[0].conditions[0].conditions[0]']);
  });

  it('an unknown preset, or a bad filter_logic', () => {
    expect(refusedAt({ preset: 'everyone' })).toEqual(['preset']);
    expect(refusedAt({ preset: 'active_households' })).toEqual(['preset']);
    expect(refusedAt({ filter_logic: 'XOR' as never })).toEqual(['filter_logic']);
  });

  it('bad sort or pagination', () => {
    expect(refusedAt({ sort: [{ field: 'gender' }] })).toEqual(['sort[0].field']);
    expect(refusedAt({ sort: [{ field: 'name' }, { field: 'name', direction: 'up' as never }] })).toEqual(['sort[1].direction']);
    expect(refusedAt({ sort: [] })).toEqual(['sort']);
    for (const count of [0, 101, 1.5, '10']) expect(refusedAt({ pagination: { count: count as number } }), String(count)).toEqual(['pagination.count']);
    expect(refusedAt({ pagination: { offset: -1 } })).toEqual(['pagination.offset']);
  });

  it('a refused request writes nothing to the access log', () => {
    refusal(() => run({ filters: [{ field: 'nope', value: 1 }] }));
    expect(e.logged).toEqual([]);
  });
});
