/**
 * Groups: households and other groups of registrants. Members are stored as rows (other queries need them:
 * an Individual's groupMembership, the `group` and `member` searches, consent through a group); `quantity` is
 * the number of members active today and never stored. Every write records the membership changes it makes in
 * the membership history (store/membership-history.ts).
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { identifiersOf, metaOf, readDoc, versionOf, writeDoc } from '../store/records.js';
import { membershipChanges, recordMembershipChanges, type MemberState } from '../store/membership-history.js';
import { indexGroupText, textField } from '../store/text-index.js';
import type { Group, GroupMember } from '../types.js';
import { wants } from '../elements.js';
import { checkPeriod, compact, periodOf, referenceTo, resolveReference, sortKey, withDisplays, type Kind } from './common.js';

type GroupDoc = Pick<Group, 'active' | 'type' | 'name' | 'address' | 'characteristic' | 'extension'>;

interface PreparedMember {
  individualId: number;
  role: string | null;
  start: string | null;
  end: string | null;
  inactive: boolean;
}

interface PreparedGroup {
  doc: GroupDoc;
  active: boolean;
  groupType: string;
  name: string;
  members: PreparedMember[];
  /** The day of the write: whether a member is active, for the history. */
  today: string;
}

export function isActiveMember(m: { inactive: boolean; end: string | null }, today: string): boolean {
  return !m.inactive && (m.end === null || m.end >= today);
}

function memberState(individualId: number, role: string | null, end: string | null, inactive: boolean, today: string): MemberState {
  return { individualId, role, end, inactive, active: isActiveMember({ inactive, end }, today) };
}

/** The member rows of a stored Group, before a write replaces them. */
function storedMembers(db: Db, groupId: number, today: string): MemberState[] {
  const rows = stmt(db, 'SELECT individual_id, role, period_end, inactive FROM group_members WHERE group_id = ? ORDER BY position').all(groupId) as Array<{
    individual_id: number;
    role: string | null;
    period_end: string | null;
    inactive: number;
  }>;
  return rows.map((r) => memberState(r.individual_id, r.role, r.period_end, r.inactive === 1, today));
}

function prepareMembers(db: Db, members: readonly GroupMember[]): PreparedMember[] {
  const out: PreparedMember[] = [];
  for (const [i, m] of members.entries()) {
    const ref = resolveReference(db, m.entity, ['Individual'], `member[${i}].entity`);
    checkPeriod(m.period, `member[${i}].period`);
    out.push({
      individualId: ref.id,
      role: m.role ? JSON.stringify(m.role) : null,
      start: m.period?.start ?? null,
      end: m.period?.end ?? null,
      inactive: m.inactive ?? false,
    });
  }
  return out;
}

export const groupKind: Kind<'Group', PreparedGroup> = {
  type: 'Group',

  prepare(db, input, _selfId, today) {
    const members = prepareMembers(db, input.member ?? []);
    const active = input.active ?? true;
    const doc: GroupDoc = compact({
      active,
      type: input.type,
      name: input.name,
      address: input.address,
      characteristic: input.characteristic,
      extension: input.extension,
    });
    return { doc, active, groupType: input.type, name: input.name, members, today };
  },

  write(db, recordId, p, v) {
    const cols = [v.version_id, v.last_updated, v.source, p.active ? 1 : 0, p.groupType, p.name, sortKey([p.name])];
    let id = recordId;
    if (id === undefined) {
      const sql = 'INSERT INTO groups (version_id, last_updated, source, active, group_type, name, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)';
      id = Number(stmt(db, sql).run(...cols).lastInsertRowid);
    } else {
      const sql = 'UPDATE groups SET version_id = ?, last_updated = ?, source = ?, active = ?, group_type = ?, name = ?, name_key = ? WHERE id = ?';
      stmt(db, sql).run(...cols, id);
    }
    writeDoc(db, 'Group', id, p.doc);
    const before = recordId === undefined ? [] : storedMembers(db, recordId, p.today);
    stmt(db, 'DELETE FROM group_members WHERE group_id = ?').run(id);
    const insert = stmt(
      db,
      'INSERT INTO group_members (group_id, position, individual_id, role, period_start, period_end, inactive) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const [i, m] of p.members.entries()) insert.run(id, i, m.individualId, m.role, m.start, m.end, m.inactive ? 1 : 0);
    const after = p.members.map((m) => memberState(m.individualId, m.role, m.end, m.inactive, p.today));
    recordMembershipChanges(db, id, v, membershipChanges(before, after));
    indexGroupText(db, id, textField([p.name]));
    return id;
  },

  render(db, id, today, shape) {
    const doc = readDoc<GroupDoc>(db, 'Group', id);
    const rows = stmt(db, 'SELECT individual_id, role, period_start, period_end, inactive FROM group_members WHERE group_id = ? ORDER BY position').all(
      id,
    ) as Array<{
      individual_id: number;
      role: string | null;
      period_start: string | null;
      period_end: string | null;
      inactive: number;
    }>;
    const member = wants(shape, 'member')
      ? rows.map((r) =>
          compact({
            entity: referenceTo(db, 'Individual', r.individual_id),
            role: r.role ? withDisplays(JSON.parse(r.role)) : undefined,
            period: periodOf(r.period_start, r.period_end),
            inactive: r.inactive === 1,
          }),
        )
      : [];
    const quantity = rows.filter((r) => isActiveMember({ inactive: r.inactive === 1, end: r.period_end }, today)).length;
    return compact({
      resourceType: 'Group' as const,
      identifier: identifiersOf(db, 'Group', id),
      active: doc.active ?? true,
      type: doc.type,
      name: doc.name,
      member: member.length ? member : undefined,
      quantity,
      address: doc.address,
      characteristic: doc.characteristic,
      extension: doc.extension,
      meta: metaOf(versionOf(db, 'Group', id)),
    });
  },
};
