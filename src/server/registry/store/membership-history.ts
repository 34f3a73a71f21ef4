/**
 * The history of group memberships (table `group_membership_history`). The Group kind's write computes it from
 * the member rows before and after the write, so that every path that changes a membership — create, replace,
 * the member patch, the member operations, `$batch` entries — records the change the same way, and none can
 * forget to. Entries are listed oldest first: new entries only ever append, so `_offset` pages stay put while
 * the history grows.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import type { CodeableConcept } from '../types.js';
import type { VersionRow } from './records.js';

export type HistoryAction = 'added' | 'removed' | 'role_changed' | 'status_changed';

/** One member row as the diff sees it; `active` is decided by the caller (the Group kind's rule, on the write's day). */
export interface MemberState {
  individualId: number;
  /** The role as stored: CodeableConcept JSON. */
  role: string | null;
  end: string | null;
  inactive: boolean;
  active: boolean;
}

export interface MembershipChange {
  action: HistoryAction;
  individualId: number;
  oldRole: string | null;
  newRole: string | null;
}

/** What makes two roles the same: their codings' system and code, and their text (displays are filled in on render). */
function roleKey(role: string | null): string {
  if (role === null) return '';
  const concept = JSON.parse(role) as CodeableConcept;
  const codes = (concept.coding ?? []).map((c) => `${c.system}|${c.code}`).sort();
  return JSON.stringify([codes, concept.text ?? null]);
}

/** Rows grouped by person, in the order of the list (a person may have several rows: an ended and a current one). */
function byPerson(rows: readonly MemberState[]): Map<number, MemberState[]> {
  const out = new Map<number, MemberState[]>();
  for (const r of rows) {
    const list = out.get(r.individualId);
    if (list) list.push(r);
    else out.set(r.individualId, [r]);
  }
  return out;
}

/**
 * The change between one row before and the same row after a write (at most a role change and one status entry).
 * "removed": an active membership was ended — given an end date (today, or a later day: the removal is recorded
 * when it is made) or no longer active. "status_changed": any other change of whether the member is active, or
 * of the `inactive` flag alone (set, or cleared to re-open a membership).
 */
function rowChanges(before: MemberState, after: MemberState): MembershipChange[] {
  const out: MembershipChange[] = [];
  const id = after.individualId;
  // Roles are given where they are the news: both for a role change, the role left behind for a removal.
  if (roleKey(before.role) !== roleKey(after.role)) out.push({ action: 'role_changed', individualId: id, oldRole: before.role, newRole: after.role });
  const ended = before.active && before.end === null && after.end !== null;
  if (ended || (before.active && !after.active && before.end !== after.end))
    out.push({ action: 'removed', individualId: id, oldRole: before.role, newRole: null });
  else if (before.active !== after.active || before.inactive !== after.inactive)
    out.push({ action: 'status_changed', individualId: id, oldRole: null, newRole: null });
  return out;
}

/**
 * The membership changes a write makes. Rows are matched per person in list order (the k-th row of a person
 * before with the k-th after); an unmatched row after is "added"; an unmatched row before is "removed" when its
 * membership was still active — dropping the record of a membership that had already ended changes nobody's
 * membership. Pure.
 */
export function membershipChanges(before: readonly MemberState[], after: readonly MemberState[]): MembershipChange[] {
  const old = byPerson(before);
  const now = byPerson(after);
  const out: MembershipChange[] = [];
  for (const id of new Set([...now.keys(), ...old.keys()])) {
    const was = old.get(id) ?? [];
    const is = now.get(id) ?? [];
    for (let k = 0; k < Math.max(was.length, is.length); k++) {
      const b = was[k];
      const a = is[k];
      if (b && a) out.push(...rowChanges(b, a));
      else if (a) out.push({ action: 'added', individualId: id, oldRole: null, newRole: a.role });
      else if (b?.active) out.push({ action: 'removed', individualId: id, oldRole: b.role, newRole: null });
    }
  }
  return out;
}

/** Stores the changes of one Group write, stamped with the version it produced, its moment and its writer. */
export function recordMembershipChanges(db: Db, groupId: number, version: VersionRow, changes: readonly MembershipChange[]): void {
  const insert = stmt(
    db,
    `INSERT INTO group_membership_history (group_id, group_version, at, action, individual_id, old_role, new_role, changed_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const c of changes) insert.run(groupId, version.version_id, version.last_updated, c.action, c.individualId, c.oldRole, c.newRole, version.source);
}

/**
 * Gives every entry of one Group version a reason (why a member was removed, or that a merge or a split moved
 * them). The write path knows the rows, not the request; the operation that knows the reason adds it after
 * its write, inside the same transaction.
 */
export function annotateVersion(db: Db, groupId: number, version: number, reason: string): void {
  stmt(db, 'UPDATE group_membership_history SET reason = ? WHERE group_id = ? AND group_version = ?').run(reason, groupId, version);
}

export interface HistoryRow {
  at: string;
  action: HistoryAction;
  individual_id: number;
  old_role: string | null;
  new_role: string | null;
  changed_by: string | null;
  reason: string | null;
}

/** One page of a Group's history, oldest first, from `since` (an ISO instant in the stored form) on, and the exact total. */
export function historyPage(db: Db, groupId: number, since: string | undefined, count: number, offset: number): { total: number; rows: HistoryRow[] } {
  const from = since ?? '';
  const total = stmt(db, 'SELECT count(*) FROM group_membership_history WHERE group_id = ? AND at >= ?').pluck().get(groupId, from) as number;
  const rows = stmt(
    db,
    `SELECT at, action, individual_id, old_role, new_role, changed_by, reason FROM group_membership_history
     WHERE group_id = ? AND at >= ? ORDER BY at, id LIMIT ? OFFSET ?`,
  ).all(groupId, from, count, offset) as HistoryRow[];
  return { total, rows };
}
