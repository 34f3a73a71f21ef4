/**
 * The membership history's rules on their own (which change of a member row is which action), and migration 104
 * on a database that already holds groups.
 */
import { describe, expect, it } from 'vitest';
import { loadDemoRegistry } from '../../../src/server/registry/demo.js';
import { addGroupMember, membershipHistory } from '../../../src/server/registry/group-operations.js';
import { membershipChanges, type MemberState } from '../../../src/server/registry/store/membership-history.js';
import type { Access } from '../../../src/server/registry/types.js';
import { migrate, openDatabase } from '../../../src/server/store/db.js';
import { migrations } from '../../../src/server/store/migrations/index.js';
import { addOrganizations } from './harness.js';

const HEAD = JSON.stringify({ coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head' }] });
const HEAD_WITH_DISPLAY = JSON.stringify({ coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head', display: 'Head of household' }] });
const row = (individualId: number, extra: Partial<MemberState> = {}): MemberState => ({
  individualId,
  role: HEAD,
  end: null,
  inactive: false,
  active: true,
  ...extra,
});
const actions = (before: MemberState[], after: MemberState[]) => membershipChanges(before, after).map((c) => [c.action, c.individualId]);

describe('membershipChanges', () => {
  it('an end date given to an active membership is a removal, even when it lies ahead', () => {
    expect(actions([row(1)], [row(1, { end: '2099-12-31' })])).toEqual([['removed', 1]]);
  });

  it('the inactive flag alone is a status change, either way', () => {
    expect(actions([row(1)], [row(1, { inactive: true, active: false })])).toEqual([['status_changed', 1]]);
    expect(actions([row(1, { inactive: true, active: false })], [row(1)])).toEqual([['status_changed', 1]]);
  });

  it('a display filled in is no role change; another code is', () => {
    expect(actions([row(1)], [row(1, { role: HEAD_WITH_DISPLAY })])).toEqual([]);
    expect(actions([row(1)], [row(1, { role: null })])).toEqual([['role_changed', 1]]);
  });

  it("rows are matched per person in order: a person's second row is added, a later one dropped is removed", () => {
    const ended = row(1, { end: '2020-01-01', active: false });
    expect(actions([ended], [ended, row(1)])).toEqual([['added', 1]]);
    expect(actions([ended, row(1)], [ended])).toEqual([['removed', 1]]);
  });

  it('members reordered: no change', () => {
    expect(actions([row(1), row(2)], [row(2), row(1)])).toEqual([]);
  });
});

describe('migration 104', () => {
  it('a database with groups gets an empty history, which the next change writes to', () => {
    const db = openDatabase(':memory:');
    const now = new Date('2026-03-02T09:15:00.000Z');
    addOrganizations(db);
    loadDemoRegistry(db, now);
    // The database as it was before 104: groups and members, no history table.
    db.exec('DROP TABLE group_membership_history');
    db.prepare('DELETE FROM schema_migrations WHERE id = 104').run();
    expect(migrate(db, migrations)).toEqual([104]);
    expect(db.prepare('SELECT count(*) FROM group_membership_history').pluck().get()).toBe(0);

    const access: Access = { organizationId: 0, consentBound: false, now, today: '2026-03-02', source: 'urn:test', basePath: '' };
    addGroupMember(db, access, 'urn:openspp:group|HH-2024-003', { entity: { reference: 'Individual/urn:gov:ph:psa:national-id|PH-120000001' } });
    const h = membershipHistory(db, access, 'urn:openspp:group|HH-2024-003', { count: 10, offset: 0 });
    expect(h.entries.map((e) => [e.action, e.changedBy])).toEqual([['added', 'urn:test']]);
  });
});
