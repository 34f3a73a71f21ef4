/**
 * Group membership operations on the demo registry, at the engine level: what each function returns, what it
 * leaves stored (the Group's new version, its members, the membership history), what it refuses — and that a
 * refusal writes nothing. The history is also checked for the other paths that change memberships (create,
 * replace, the member patch, `$batch`).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadDemoRegistry } from '../../../src/server/registry/demo.js';
import {
  addGroupMember,
  groupsOfIndividual,
  membershipHistory,
  mergeGroups,
  parseSince,
  removeGroupMember,
  splitGroup,
  updateGroupMember,
} from '../../../src/server/registry/group-operations.js';
import { createRecord, patchGroupMember, readRecord, updateRecord } from '../../../src/server/registry/service.js';
import type { AccessEntry } from '../../../src/server/registry/store/access-log.js';
import type { Access, GroupInput } from '../../../src/server/registry/types.js';
import { openDatabase, type Db } from '../../../src/server/store/db.js';
import { thrown } from '../../thrown.js';
import { addOrganizations, dumpRegistry, household, makeRegistry } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
const HH = 'urn:openspp:group';
const REL = 'urn:openspp:vocab:relationship';
const SEEDED = new Date('2026-03-01T08:00:00.000Z');
const NOW = new Date('2026-03-02T09:15:00.000Z');
const TODAY = '2026-03-02';
const DSWD_SOURCE = 'urn:openspp:api-client:dswd-full';

const person = (v: string) => ({ reference: `Individual/${NID}|${v}` });
const group = (v: string) => `${HH}|${v}`;
const role = (code: string) => ({ coding: [{ system: REL, code }] });
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

let db: Db;
let orgs: Record<string, number>;
let logged: AccessEntry[];

/** A public-task client (dswd) or the consent-bound ministry client, at a moment. */
function access(now: Date = NOW, who: 'dswd' | 'consent' = 'dswd'): Access {
  const consent = who === 'consent';
  return {
    organizationId: consent ? orgs['ministry-of-agriculture']! : orgs.dswd!,
    consentBound: consent,
    logAccess: (entries) => logged.push(...entries),
    now,
    today: now.toISOString().slice(0, 10),
    source: consent ? 'urn:openspp:api-client:moa-consent' : DSWD_SOURCE,
    basePath: '/api/v2/spp',
  };
}

const readGroup = (v: string) => readRecord(db, access(), 'Group', group(v)).resource;
const history = (v: string, opts: { since?: string; count?: number; offset?: number } = {}) =>
  membershipHistory(db, access(), group(v), { count: 500, offset: 0, ...opts });
/** The history entries written after the demo load (at the seed moment every member was "added"). */
const changes = (v: string) => history(v).entries.filter((e) => e.timestamp !== SEEDED.toISOString());
const memberOf = (g: { member?: Array<{ entity: { reference: string } }> }, v: string) =>
  (g.member ?? []).filter((m) => m.entity.reference === `Individual/${NID}|${v}`);

beforeEach(() => {
  db = openDatabase(':memory:');
  orgs = addOrganizations(db);
  loadDemoRegistry(db, SEEDED);
  logged = [];
});

describe('groupsOfIndividual', () => {
  it("lists the person's active memberships with role display, dates and status", () => {
    const r = groupsOfIndividual(db, access(), `${NID}|PH-123456789`, { status: 'active', count: 100 });
    expect(r).toEqual({
      total: 1,
      memberships: [
        {
          group: { reference: `Group/${HH}|HH-2024-001`, display: 'Santos household' },
          entity: { reference: `Individual/${NID}|PH-123456789`, display: 'SANTOS, Maria Dela Cruz' },
          role: { coding: [{ system: REL, code: 'head', display: 'Head of household' }] },
          startDate: '2024-01-10',
          status: 'active',
        },
      ],
    });
  });

  it('status=inactive lists memberships that ended; status=active then finds none', () => {
    const inactive = groupsOfIndividual(db, access(), `${NID}|PH-200000003`, { status: 'inactive', count: 100 });
    expect(inactive.total).toBe(1);
    expect(inactive.memberships[0]).toMatchObject({ group: { reference: `Group/${HH}|HH-2024-002` }, endedDate: '2023-08-31', status: 'inactive' });
    expect(groupsOfIndividual(db, access(), `${NID}|PH-200000003`, { status: 'active', count: 100 })).toEqual({ total: 0, memberships: [] });
  });

  it('without status lists every membership, past and present; count cuts the page, not the total', () => {
    addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-200000003') });
    const all = groupsOfIndividual(db, access(), `${NID}|PH-200000003`, { count: 100 });
    expect(all.memberships.map((m) => [m.group.reference, m.status])).toEqual([
      [`Group/${HH}|HH-2024-002`, 'inactive'],
      [`Group/${HH}|HH-2024-003`, 'active'],
    ]);
    expect(groupsOfIndividual(db, access(), `${NID}|PH-200000003`, { count: 1 })).toMatchObject({ total: 2, memberships: [all.memberships[0]] });
  });

  it('an unknown individual is RESOURCE_NOT_FOUND; a malformed identifier INVALID_IDENTIFIER', () => {
    expect(thrown(() => groupsOfIndividual(db, access(), `${NID}|PH-000000000`, { count: 100 }))).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(thrown(() => groupsOfIndividual(db, access(), 'PH-123456789', { count: 100 }))).toMatchObject({ code: 'INVALID_IDENTIFIER' });
  });

  it('a consent-bound client: a consented person is listed; unconsented and unknown give the same CONSENT_REQUIRED', () => {
    expect(groupsOfIndividual(db, access(NOW, 'consent'), `${NID}|PH-123456789`, { count: 100 }).total).toBe(1);
    const unconsented = thrown(() => groupsOfIndividual(db, access(NOW, 'consent'), `${NID}|PH-300000001`, { count: 100 }));
    const unknown = thrown(() => groupsOfIndividual(db, access(NOW, 'consent'), `${NID}|PH-000000000`, { count: 100 }));
    expect(unconsented).toMatchObject({ code: 'CONSENT_REQUIRED' });
    expect([(unknown as Error).message, (unknown as { code: string }).code]).toEqual([(unconsented as Error).message, 'CONSENT_REQUIRED']);
  });

  it("records the read of the person's data in the access log", () => {
    groupsOfIndividual(db, access(), `${NID}|PH-123456789`, { count: 100 });
    expect(logged).toEqual([
      expect.objectContaining({ operation: 'read', resourceType: 'Individual', subject: expect.objectContaining({ type: 'Individual' }) }),
    ]);
  });
});

describe('addGroupMember', () => {
  it('returns the new membership, starting today, with the role display filled in', () => {
    const m = addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), role: role('spouse') });
    expect(m).toEqual({
      group: { reference: `Group/${HH}|HH-2024-003`, display: 'Bautista household' },
      entity: { reference: `Individual/${NID}|PH-120000001`, display: expect.any(String) },
      role: { coding: [{ system: REL, code: 'spouse', display: 'Spouse' }] },
      startDate: TODAY,
      status: 'active',
    });
  });

  it('stores a new version of the Group: versionId + 1, lastUpdated and source of the writer, the member appended', () => {
    addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), startDate: '2026-01-15' });
    const g = readGroup('HH-2024-003');
    expect(g.meta).toEqual({ versionId: '2', lastUpdated: NOW.toISOString(), source: DSWD_SOURCE });
    expect(g.quantity).toBe(3);
    expect(g.member!.at(-1)).toMatchObject({ entity: person('PH-120000001'), period: { start: '2026-01-15' }, inactive: false });
  });

  it('writes an "added" history entry with the new role and the writer', () => {
    addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), role: role('other') });
    expect(changes('HH-2024-003')).toEqual([
      {
        timestamp: NOW.toISOString(),
        action: 'added',
        member: expect.objectContaining(person('PH-120000001')),
        newRole: { coding: [{ system: REL, code: 'other', display: 'Other' }] },
        changedBy: DSWD_SOURCE,
      },
    ]);
  });

  it('someone whose membership ended joins again as a new membership; the ended one stays', () => {
    const m = addGroupMember(db, access(), group('HH-2024-002'), { entity: person('PH-200000003') });
    expect(m.status).toBe('active');
    const rows = memberOf(readGroup('HH-2024-002'), 'PH-200000003');
    expect(rows.map((r: any) => r.period)).toEqual([{ start: '2019-05-20', end: '2023-08-31' }, { start: TODAY }]);
  });

  it('an active member is refused with STATE_CONFLICT and nothing is written', () => {
    const before = dumpRegistry(db);
    expect(thrown(() => addGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-123456790') }))).toMatchObject({ code: 'STATE_CONFLICT' });
    expect(dumpRegistry(db)).toEqual(before);
  });

  it('an unknown Group or Individual is RESOURCE_NOT_FOUND ("Individual not found")', () => {
    expect(thrown(() => addGroupMember(db, access(), group('HH-0'), { entity: person('PH-120000001') }))).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(thrown(() => addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-0') }))).toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      message: 'Individual not found',
    });
    expect(readGroup('HH-2024-003').meta.versionId).toBe('1');
  });

  it('an unknown code of the relationship system is a VALIDATION_ERROR at role; a code of another system passes', () => {
    expect(thrown(() => addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), role: role('cousin') }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      expression: ['role.coding[0].code'],
    });
    const local = { coding: [{ system: 'urn:lgu:qc:roles', code: 'boarder' }] };
    expect(addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), role: local }).role).toEqual(local);
  });

  it('refuses malformed references and identifiers as the registry does', () => {
    const add = (g: string, reference: string) => thrown(() => addGroupMember(db, access(), g, { entity: { reference } }));
    expect(add(group('HH-2024-003'), 'PH-120000001')).toMatchObject({ code: 'INVALID_REFERENCE', expression: ['entity'] });
    expect(add(group('HH-2024-003'), `Group/${HH}|HH-2024-001`)).toMatchObject({ code: 'INVALID_REFERENCE' });
    expect(add(group('HH-2024-003'), 'urn:uuid:0b9c5e2e-6d4c-4bb4-9d2a-1f0e8f7d6c5b')).toMatchObject({ code: 'INVALID_REFERENCE' });
    expect(add('HH-2024-003', `Individual/${NID}|PH-120000001`)).toMatchObject({ code: 'INVALID_IDENTIFIER' });
  });

  it('a startDate that is not a calendar date is a VALIDATION_ERROR', () => {
    const r = thrown(() => addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), startDate: '2026-02-30' }));
    expect(r).toMatchObject({ code: 'VALIDATION_ERROR', expression: ['startDate'] });
  });
});

describe('removeGroupMember', () => {
  it('without endedDate ends the membership at once: endedDate today, inactive today already', () => {
    const m = removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321') });
    expect(m).toMatchObject({ entity: person('PH-987654321'), startDate: '2024-01-10', endedDate: TODAY, status: 'inactive' });
    const g = readGroup('HH-2024-001');
    expect(memberOf(g, 'PH-987654321')).toEqual([expect.objectContaining({ period: { start: '2024-01-10', end: TODAY }, inactive: true })]);
    expect([g.quantity, g.meta.versionId]).toEqual([3, '2']);
    const ind = readRecord(db, access(), 'Individual', `${NID}|PH-987654321`).resource;
    expect(ind.groupMembership).toBeUndefined();
  });

  it('with a later endedDate the member stays active until that day (end inclusive)', () => {
    const m = removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321'), endedDate: '2026-03-31' });
    expect([m.endedDate, m.status]).toEqual(['2026-03-31', 'active']);
    const april = groupsOfIndividual(db, access(new Date('2026-04-01T00:00:00Z')), `${NID}|PH-987654321`, { status: 'active', count: 10 });
    expect(april.total).toBe(0);
  });

  it('keeps the reason, the removed role and the writer in the history entry', () => {
    removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321'), reason: 'Moved to Cebu for work' });
    expect(changes('HH-2024-001')).toEqual([
      {
        timestamp: NOW.toISOString(),
        action: 'removed',
        member: expect.objectContaining(person('PH-987654321')),
        oldRole: { coding: [{ system: REL, code: 'child', display: 'Child' }] },
        changedBy: DSWD_SOURCE,
        reason: 'Moved to Cebu for work',
      },
    ]);
  });

  it('someone who is not an active member is RESOURCE_NOT_FOUND, and nothing is written', () => {
    const before = dumpRegistry(db);
    for (const v of ['PH-200000003', 'PH-120000001']) {
      expect(
        thrown(() => removeGroupMember(db, access(), group('HH-2024-002'), { entity: person(v) })),
        v,
      ).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    }
    expect(thrown(() => removeGroupMember(db, access(), group('HH-2024-002'), { entity: person('PH-0') }))).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(dumpRegistry(db)).toEqual(before);
  });

  it('removing twice: the second time the person is no longer an active member', () => {
    removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321') });
    expect(thrown(() => removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321') }))).toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
    });
  });

  it('an endedDate before the membership started is a VALIDATION_ERROR at endedDate', () => {
    const r = thrown(() => removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321'), endedDate: '2023-12-31' }));
    expect(r).toMatchObject({ code: 'VALIDATION_ERROR', expression: ['endedDate'] });
    expect(readGroup('HH-2024-001').meta.versionId).toBe('1');
  });

  it('a membership that starts later and is removed at once ends on its start day, inactive', () => {
    addGroupMember(db, access(), group('HH-2024-003'), { entity: person('PH-120000001'), startDate: '2026-06-01' });
    const m = removeGroupMember(db, access(later(1)), group('HH-2024-003'), { entity: person('PH-120000001') });
    expect(m).toMatchObject({ startDate: '2026-06-01', endedDate: '2026-06-01', status: 'inactive' });
  });
});

describe('updateGroupMember', () => {
  it('changes the role; the history says role_changed with both roles', () => {
    const m = updateGroupMember(db, access(), group('HH-2024-001'), `${NID}|PH-123456790`, { role: role('head') });
    expect(m.role).toEqual({ coding: [{ system: REL, code: 'head', display: 'Head of household' }] });
    expect(changes('HH-2024-001')).toEqual([
      expect.objectContaining({
        action: 'role_changed',
        oldRole: { coding: [{ system: REL, code: 'spouse', display: 'Spouse' }] },
        newRole: { coding: [{ system: REL, code: 'head', display: 'Head of household' }] },
      }),
    ]);
    expect(readGroup('HH-2024-001').meta.versionId).toBe('2');
  });

  it('null clears the role and the start date', () => {
    const m = updateGroupMember(db, access(), group('HH-2024-001'), `${NID}|PH-123456790`, { role: null, startDate: null });
    expect(m).toEqual({ group: expect.anything(), entity: expect.anything(), status: 'active' });
    expect(memberOf(readGroup('HH-2024-001'), 'PH-123456790')).toEqual([{ entity: expect.objectContaining(person('PH-123456790')), inactive: false }]);
  });

  it('endedDate: null re-opens a membership removed at once (status_changed)', () => {
    removeGroupMember(db, access(), group('HH-2024-001'), { entity: person('PH-987654321') });
    const m = updateGroupMember(db, access(later(5)), group('HH-2024-001'), `${NID}|PH-987654321`, { endedDate: null });
    expect(m).toMatchObject({ status: 'active', startDate: '2024-01-10' });
    expect(m.endedDate).toBeUndefined();
    expect(changes('HH-2024-001').map((e) => e.action)).toEqual(['removed', 'status_changed']);
  });

  it('a past endedDate on an active member ends it (removed)', () => {
    const m = updateGroupMember(db, access(), group('HH-2024-001'), `${NID}|PH-987654321`, { endedDate: '2026-02-28' });
    expect([m.endedDate, m.status]).toEqual(['2026-02-28', 'inactive']);
    expect(changes('HH-2024-001').map((e) => e.action)).toEqual(['removed']);
  });

  it('the person may be named by any of their identifiers', () => {
    const m = updateGroupMember(db, access(), group('HH-2024-001'), 'urn:openspp:vocab:id-type#philhealth|12-345678901-2', { startDate: '2024-02-01' });
    expect(m).toMatchObject({ entity: person('PH-123456789'), startDate: '2024-02-01' });
  });

  it('not a member, or no such person, is RESOURCE_NOT_FOUND', () => {
    for (const v of ['PH-120000001', 'PH-0']) {
      expect(
        thrown(() => updateGroupMember(db, access(), group('HH-2024-001'), `${NID}|${v}`, { role: role('child') })),
        v,
      ).toMatchObject({
        code: 'RESOURCE_NOT_FOUND',
      });
    }
  });

  it('an ended membership can still be corrected (the latest one of the person)', () => {
    const m = updateGroupMember(db, access(), group('HH-2024-002'), `${NID}|PH-200000003`, { endedDate: '2023-09-30' });
    expect([m.endedDate, m.status]).toEqual(['2023-09-30', 'inactive']);
  });

  it('an end before the start is a VALIDATION_ERROR and nothing is written', () => {
    const before = dumpRegistry(db);
    const r = thrown(() => updateGroupMember(db, access(), group('HH-2024-001'), `${NID}|PH-987654321`, { endedDate: '2020-01-01' }));
    expect(r).toMatchObject({ code: 'VALIDATION_ERROR', expression: ['endedDate'] });
    expect(dumpRegistry(db)).toEqual(before);
  });
});

describe('mergeGroups', () => {
  const merge = (source: string, target: string, roleMapping?: Record<string, string>, at = NOW) =>
    mergeGroups(db, access(at), {
      sourceGroup: { reference: `Group/${group(source)}` },
      targetGroup: { reference: `Group/${group(target)}` },
      ...(roleMapping ? { roleMapping } : {}),
    });

  it("moves the source's active members into the target from today, renaming roles through roleMapping", () => {
    const r = merge('HH-2024-003', 'HH-2024-005', { head: 'other' });
    expect(r.location).toBe(`/api/v2/spp/Group/${HH}%7CHH-2024-005`);
    expect(r.etag).toBe('"2"');
    expect(r.resource.quantity).toBe(5);
    expect(r.resource.member!.slice(3)).toEqual([
      {
        entity: expect.objectContaining(person('PH-300000001')),
        role: { coding: [{ system: REL, code: 'other', display: 'Other' }] },
        period: { start: TODAY },
        inactive: false,
      },
      {
        entity: expect.objectContaining(person('PH-300000002')),
        role: { coding: [{ system: REL, code: 'child', display: 'Child' }] },
        period: { start: TODAY },
        inactive: false,
      },
    ]);
  });

  it('deactivates the source and ends its memberships at once; both Groups get a new version', () => {
    merge('HH-2024-003', 'HH-2024-005');
    const source = readGroup('HH-2024-003');
    expect([source.active, source.quantity, source.meta.versionId, readGroup('HH-2024-005').meta.versionId]).toEqual([false, 0, '2', '2']);
    expect(source.member!.map((m) => [m.period?.end, m.inactive])).toEqual([
      [TODAY, true],
      [TODAY, true],
    ]);
  });

  it('a person already active in the target is not duplicated', () => {
    addGroupMember(db, access(), group('HH-2024-005'), { entity: person('PH-300000002') });
    const r = merge('HH-2024-003', 'HH-2024-005', undefined, later(1));
    expect(memberOf(r.resource, 'PH-300000002')).toHaveLength(1);
    expect(r.resource.quantity).toBe(5);
  });

  it('members who had already left the source stay behind', () => {
    const r = merge('HH-2024-007', 'HH-2024-005');
    expect(memberOf(r.resource, 'PH-700000003')).toEqual([]);
    expect(r.resource.quantity).toBe(5);
  });

  it('history: "removed" in the source and "added" in the target, each with the merge as reason', () => {
    merge('HH-2024-003', 'HH-2024-005');
    expect(changes('HH-2024-003').map((e) => [e.action, e.reason])).toEqual([
      ['removed', `Merged into Group/${HH}|HH-2024-005`],
      ['removed', `Merged into Group/${HH}|HH-2024-005`],
    ]);
    expect(changes('HH-2024-005').map((e) => [e.action, e.member.reference, e.reason])).toEqual([
      ['added', person('PH-300000001').reference, `Merged from Group/${HH}|HH-2024-003`],
      ['added', person('PH-300000002').reference, `Merged from Group/${HH}|HH-2024-003`],
    ]);
  });

  it.each([
    ['an unknown source', () => merge('HH-0', 'HH-2024-005'), { code: 'RESOURCE_NOT_FOUND', message: 'Source group not found' }],
    ['an unknown target', () => merge('HH-2024-003', 'HH-0'), { code: 'RESOURCE_NOT_FOUND', message: 'Target group not found' }],
    ['the same group twice', () => merge('HH-2024-003', 'HH-2024-003'), { code: 'MALFORMED_REQUEST', message: 'Source and target groups must be different' }],
    ['a roleMapping onto no role', () => merge('HH-2024-003', 'HH-2024-005', { head: 'boss' }), { code: 'VALIDATION_ERROR', expression: ['roleMapping.head'] }],
    [
      'a reference that is not a Group',
      () => mergeGroups(db, access(), { sourceGroup: person('PH-300000001'), targetGroup: { reference: `Group/${group('HH-2024-005')}` } }),
      { code: 'INVALID_REFERENCE', expression: ['sourceGroup'] },
    ],
  ])('%s is refused and nothing is written', (_name, run, error) => {
    const before = dumpRegistry(db);
    expect(thrown(run)).toMatchObject(error);
    expect(dumpRegistry(db)).toEqual(before);
  });

  it('a source already merged (inactive) is a STATE_CONFLICT and nothing more is written', () => {
    merge('HH-2024-003', 'HH-2024-005');
    const before = dumpRegistry(db);
    expect(thrown(() => merge('HH-2024-003', 'HH-2024-006', undefined, later(1)))).toMatchObject({
      code: 'STATE_CONFLICT',
      message: 'Source group is already inactive and cannot be merged',
    });
    expect(dumpRegistry(db)).toEqual(before);
  });
});

describe('splitGroup', () => {
  const split = (members: string[], extra: { newHead?: string; identifier?: string } = {}, g = 'HH-2024-004') =>
    splitGroup(db, access(), group(g), {
      newGroupIdentifier: [{ system: HH, value: extra.identifier ?? 'HH-2026-100' }],
      membersToMove: members.map(person),
      ...(extra.newHead ? { newHead: person(extra.newHead) } : {}),
    });

  it('creates the new Group with the moved members from today, newHead as its head', () => {
    const r = split(['PH-400000003', 'PH-400000004'], { newHead: 'PH-400000003' });
    expect(r.location).toBe(`/api/v2/spp/Group/${HH}%7CHH-2026-100`);
    expect(r.resource).toMatchObject({
      identifier: [{ system: HH, value: 'HH-2026-100' }],
      active: true,
      type: 'household',
      name: 'Garcia household (split)',
      quantity: 2,
      meta: { versionId: '1', lastUpdated: NOW.toISOString(), source: DSWD_SOURCE },
    });
    expect(r.resource.member!.map((m) => [m.entity.reference, m.role?.coding[0]?.code, m.period])).toEqual([
      [person('PH-400000003').reference, 'head', { start: TODAY }],
      [person('PH-400000004').reference, 'child', { start: TODAY }],
    ]);
    expect(readRecord(db, access(), 'Group', `${HH}|HH-2026-100`).resource).toEqual(r.resource);
  });

  it('ends the moved memberships in the old Group at once (a new version)', () => {
    split(['PH-400000003', 'PH-400000004']);
    const old = readGroup('HH-2024-004');
    expect([old.quantity, old.meta.versionId, old.active]).toEqual([3, '2', true]);
    expect(memberOf(old, 'PH-400000003')).toEqual([expect.objectContaining({ period: { start: '2018-07-01', end: TODAY }, inactive: true })]);
  });

  it('history: "removed" in the old Group, "added" in the new one, each naming the split', () => {
    split(['PH-400000003']);
    expect(changes('HH-2024-004').map((e) => [e.action, e.reason])).toEqual([['removed', `Moved to Group/${HH}|HH-2026-100 (split)`]]);
    expect(history('HH-2026-100').entries.map((e) => [e.action, e.reason, e.changedBy])).toEqual([
      ['added', `Split from Group/${HH}|HH-2024-004`, DSWD_SOURCE],
    ]);
  });

  it.each([
    ['no members to move', () => split([]), { code: 'MALFORMED_REQUEST' }],
    ['an unknown person', () => split(['PH-400000003', 'PH-0']), { code: 'RESOURCE_NOT_FOUND', message: `Individual not found: ${NID}|PH-0` }],
    ['a person who is not a member', () => split(['PH-120000001']), { code: 'RESOURCE_NOT_FOUND' }],
    ['a person whose membership ended', () => split(['PH-400000006']), { code: 'RESOURCE_NOT_FOUND' }],
    ['a newHead not among those moved', () => split(['PH-400000003'], { newHead: 'PH-400000004' }), { code: 'MALFORMED_REQUEST', expression: ['newHead'] }],
    [
      'a malformed newHead',
      () =>
        splitGroup(db, access(), group('HH-2024-004'), {
          newGroupIdentifier: [{ system: HH, value: 'X' }],
          membersToMove: [person('PH-400000003')],
          newHead: { reference: 'nobody' },
        }),
      { code: 'INVALID_REFERENCE' },
    ],
    ['moving every active member', () => split(['PH-400000001', 'PH-400000002', 'PH-400000003', 'PH-400000004', 'PH-400000005']), { code: 'STATE_CONFLICT' }],
    [
      'an identifier in use',
      () => split(['PH-400000003'], { identifier: 'HH-2024-001' }),
      { code: 'DUPLICATE_IDENTIFIER', expression: ['newGroupIdentifier[0]'] },
    ],
    ['an unknown group', () => split(['PH-400000003'], {}, 'HH-0'), { code: 'RESOURCE_NOT_FOUND' }],
  ])('%s is refused and nothing is written', (_name, run, error) => {
    const before = dumpRegistry(db);
    expect(thrown(run)).toMatchObject(error);
    expect(dumpRegistry(db)).toEqual(before);
  });

  it('a person named twice (by two identifiers) moves once', () => {
    const r = splitGroup(db, access(), group('HH-2024-001'), {
      newGroupIdentifier: [{ system: HH, value: 'HH-2026-101' }],
      membersToMove: [person('PH-123456789'), { reference: 'Individual/urn:openspp:vocab:id-type#philhealth|12-345678901-2' }],
    });
    expect(r.resource.member).toHaveLength(1);
  });
});

describe('membershipHistory', () => {
  it('the demo registry starts with an "added" entry per member at the load, by the demo source', () => {
    const h = history('HH-2024-002');
    expect(h.total).toBe(5);
    expect(h.entries[0]).toEqual({
      timestamp: SEEDED.toISOString(),
      action: 'added',
      member: { reference: `Individual/${NID}|PH-200000001`, display: expect.any(String) },
      newRole: { coding: [{ system: REL, code: 'head', display: 'Head of household' }] },
      changedBy: 'urn:openspp:demo',
    });
  });

  it('lists oldest first, pages by count and offset, with the exact total', () => {
    removeGroupMember(db, access(later(1)), group('HH-2024-003'), { entity: person('PH-300000002') });
    addGroupMember(db, access(later(2)), group('HH-2024-003'), { entity: person('PH-120000001') });
    const all = history('HH-2024-003');
    expect(all.entries.map((e) => [e.action, e.timestamp])).toEqual([
      ['added', SEEDED.toISOString()],
      ['added', SEEDED.toISOString()],
      ['removed', later(1).toISOString()],
      ['added', later(2).toISOString()],
    ]);
    expect(history('HH-2024-003', { count: 2, offset: 1 })).toEqual({ total: 4, entries: all.entries.slice(1, 3) });
    expect(history('HH-2024-003', { count: 2, offset: 4 })).toEqual({ total: 4, entries: [] });
  });

  it('since keeps entries at or after the instant (Z, offsets, date only); the total follows', () => {
    removeGroupMember(db, access(later(1)), group('HH-2024-003'), { entity: person('PH-300000002') });
    const at = later(1).toISOString();
    expect(history('HH-2024-003', { since: at }).entries.map((e) => e.action)).toEqual(['removed']);
    expect(history('HH-2024-003', { since: '2026-03-02T17:16:00+08:00' }).total).toBe(1);
    expect(history('HH-2024-003', { since: '2026-03-02T09:16:00.001Z' }).total).toBe(0);
    expect(history('HH-2024-003', { since: '2026-03-02' }).total).toBe(1);
    expect(history('HH-2024-003', { since: '2026-03-01' }).total).toBe(3);
  });

  it('an invalid since is MALFORMED_REQUEST at _since', () => {
    for (const since of ['yesterday', '2026-02-30', '2026-03-02T24:00:00Z', '2026-03-02T10:00:00+25:00', '2026-03-02 10:00']) {
      expect(
        thrown(() => history('HH-2024-003', { since })),
        since,
      ).toMatchObject({ code: 'MALFORMED_REQUEST', expression: ['_since'] });
    }
  });

  it('an unknown group is RESOURCE_NOT_FOUND', () => {
    expect(thrown(() => history('HH-0'))).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('a consent-bound client reads a consented Group; unconsented and unknown give the same CONSENT_REQUIRED', () => {
    const read = (v: string) => () => membershipHistory(db, access(NOW, 'consent'), group(v), { count: 10, offset: 0 });
    expect(read('HH-2024-004')().total).toBe(6);
    const unconsented = thrown(read('HH-2024-001'));
    expect(unconsented).toMatchObject({ code: 'CONSENT_REQUIRED' });
    expect((thrown(read('HH-0')) as Error).message).toBe((unconsented as Error).message);
  });

  it('is written by a plain replace (updateRecord): added, removed and role_changed, by the writer', () => {
    const current = readGroup('HH-2024-003');
    const input = {
      ...current,
      member: [
        { ...current.member![0]!, role: role('other') },
        { entity: person('PH-120000001'), role: role('spouse') },
      ],
    } as unknown as GroupInput;
    updateRecord(db, access(), 'Group', group('HH-2024-003'), input);
    expect(changes('HH-2024-003').map((e) => [e.action, e.member.reference, e.changedBy])).toEqual([
      ['role_changed', person('PH-300000001').reference, DSWD_SOURCE],
      ['added', person('PH-120000001').reference, DSWD_SOURCE],
      ['removed', person('PH-300000002').reference, DSWD_SOURCE],
    ]);
  });

  it('a replace that changes no membership writes no entry; dropping a membership that had ended writes none either', () => {
    const current = readGroup('HH-2024-002') as unknown as GroupInput;
    updateRecord(db, access(), 'Group', group('HH-2024-002'), current);
    updateRecord(db, access(later(1)), 'Group', group('HH-2024-002'), { ...current, member: current.member!.filter((_m, i) => i !== 2) });
    expect(readGroup('HH-2024-002').meta.versionId).toBe('3');
    expect(changes('HH-2024-002')).toEqual([]);
  });

  it('is written by patchGroupMember: inactive is a status change, a new role a role change', () => {
    patchGroupMember(db, access(), group('HH-2024-001'), `${NID}|PH-987654321`, { inactive: true });
    patchGroupMember(db, access(later(1)), group('HH-2024-001'), `${NID}|PH-987654321`, { role: role('sibling') });
    expect(changes('HH-2024-001').map((e) => [e.action, e.timestamp])).toEqual([
      ['status_changed', NOW.toISOString()],
      ['role_changed', later(1).toISOString()],
    ]);
  });

  it('is written by createRecord: every member "added"', () => {
    const input = household('HH-2026-200', 'Ramos household', ['PH-120000001', 'PH-120000002']) as unknown as GroupInput;
    createRecord(db, access(), 'Group', input);
    expect(history('HH-2026-200').entries.map((e) => [e.action, e.changedBy])).toEqual([
      ['added', DSWD_SOURCE],
      ['added', DSWD_SOURCE],
    ]);
  });
});

describe('membership history through $batch', () => {
  it('a transaction bundle records its changes; a failed one records nothing', async () => {
    const h = makeRegistry(db);
    const head = { entity: person('PH-300000001'), role: role('head'), period: { start: '2020-02-01' } };
    const put = (value: string, members: Array<string | Record<string, unknown>>) => ({
      request: { method: 'PUT', url: `Group/${HH}|${value}` },
      resource: household(value, 'Bautista household', members),
    });
    const ok = await h.call('dswd', 'POST', '/$batch', { resourceType: 'Bundle', type: 'transaction', entry: [put('HH-2024-003', [head])] });
    expect(ok.status).toBe(200);
    expect(changes('HH-2024-003').map((e) => [e.action, e.member.reference, e.changedBy])).toEqual([
      ['removed', person('PH-300000002').reference, DSWD_SOURCE],
    ]);
    const before = dumpRegistry(db);
    const failed = await h.call('dswd', 'POST', '/$batch', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [put('HH-2024-003', [head, 'PH-120000001']), put('HH-0', ['PH-120000002'])],
    });
    expect(failed.status).toBe(404);
    expect(dumpRegistry(db)).toEqual(before);
    expect([h.violations, h.errors]).toEqual([[], []]);
  });
});

describe('parseSince', () => {
  it('normalises to the stored UTC form; a naive date-time is UTC; digits beyond milliseconds round up', () => {
    expect(parseSince('2026-03-02T17:15+08:00')).toBe('2026-03-02T09:15:00.000Z');
    expect(parseSince('2026-03-02T09:15:00')).toBe('2026-03-02T09:15:00.000Z');
    expect(parseSince('2026-03-02T09:15:00.1234Z')).toBe('2026-03-02T09:15:00.124Z');
    expect(parseSince('2026-03-02T09:15:00.1230Z')).toBe('2026-03-02T09:15:00.123Z');
    expect(parseSince('2026-03-02')).toBe('2026-03-02T00:00:00.000Z');
  });
});
