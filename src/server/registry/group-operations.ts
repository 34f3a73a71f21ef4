/**
 * Group membership operations, as OpenSPP's `spp_api_v2` module serves them (GET /Individual/{id}/groups, the
 * Group `$add-member`, `$remove-member`, member update, `$merge`, `$split`, membership history): engine functions
 * on the store returning the registry's own shapes; the HTTP edge translates them to the wire.
 *
 * Every write runs in one transaction (a savepoint inside `$batch`) and goes through the Group write path
 * (rewriteGroup, createRecord): each Group touched gets a new version, its member rows, text index and membership
 * history stay consistent, and a refusal anywhere leaves nothing written. Writes check existence only (scopes
 * are checked at the edge; the module does not gate writes on consent); the two reads follow readRecord's
 * consent rule.
 *
 * Dates: a member's `startDate`/`endedDate` are its `period.start`/`period.end`, and `period.end` is the last day
 * of membership (the registry's rule, isActiveMember). A removal without `endedDate` takes effect at once: the
 * end is today and the member is also marked `inactive`, so it is no longer active today already. An explicit
 * `endedDate` follows the period rule (the member stays active through that day).
 */
import { ApiError } from '../../contract/errors.js';
import { publishedContract } from '../../contract/contract.js';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { formatIdentifier, formatReference, parseIdentifier, parseReference, type IdentifierKey } from './identifiers.js';
import { compact, referenceTo, withDisplays } from './kinds/common.js';
import { isActiveMember } from './kinds/group.js';
import { createRecord, openForRead, rewriteGroup, stored, type Stored } from './service.js';
import { ACTIVE_MEMBER } from './store/consent.js';
import { annotateVersion, historyPage, type HistoryAction, type HistoryRow } from './store/membership-history.js';
import { findRecordId, primaryIdentifier, transact, versionOf } from './store/records.js';
import type { Access, CodeableConcept, GroupInput, GroupMember, Identifier, Reference } from './types.js';

export interface Membership {
  group: Reference;
  entity: Reference;
  role?: CodeableConcept;
  startDate?: string;
  endedDate?: string;
  status: 'active' | 'inactive';
}

export interface MembershipHistoryEntry {
  timestamp: string;
  action: HistoryAction;
  member: Reference;
  oldRole?: CodeableConcept;
  newRole?: CodeableConcept;
  changedBy?: string;
  /** Why: the reason a removal gave, or the merge or split that moved the member. */
  reason?: string;
}

/** The code system of member roles (RoleConcept); a split's new head gets its `head`. */
const RELATIONSHIP = 'urn:openspp:vocab:relationship';
const HEAD: CodeableConcept = { coding: [{ system: RELATIONSHIP, code: 'head' }] };

// ---------------------------------------------------------------------------------------------------------------
// Checks on the request (before anything is looked up)

/** A role's codings of a code system the contract enumerates must use one of its codes (RoleConcept). */
function checkRole(role: CodeableConcept | null | undefined, expression: string): void {
  for (const [i, c] of (role?.coding ?? []).entries()) {
    const system = publishedContract.codeSystems.get(c.system);
    if (system && !system.codes.includes(c.code)) {
      const at = `${expression}.coding[${i}].code`;
      throw new ApiError('VALIDATION_ERROR', `${at} must be one of ${system.codes.join(', ')} (${c.system}).`, { expression: at });
    }
  }
}

/** roleMapping's targets must be roles (its keys may name anything: a key no member has maps nothing). */
function checkRoleMapping(mapping: Readonly<Record<string, string>> | undefined): void {
  const roles = publishedContract.codeSystems.get(RELATIONSHIP)!;
  for (const [from, to] of Object.entries(mapping ?? {})) {
    if (!roles.codes.includes(to)) {
      throw new ApiError('VALIDATION_ERROR', `roleMapping.${from} must be one of ${roles.codes.join(', ')} (${RELATIONSHIP}).`, {
        expression: `roleMapping.${from}`,
      });
    }
  }
}

/** YYYY-MM-DD naming a day that exists (Date would roll 2026-02-30 over into March). */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** A calendar date (the contract's `date` format; checked again here for callers other than the edge). */
function checkDate(text: string, expression: string): void {
  if (!isCalendarDate(text)) throw new ApiError('VALIDATION_ERROR', `${expression} must be a calendar date (YYYY-MM-DD).`, { expression });
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * `_since` → the stored form of instants (`Date.toISOString()`). ISO 8601: a date (its midnight), or a date-time
 * with or without seconds, fraction and offset; without an offset it is UTC (the registry's clock). Digits
 * beyond milliseconds round up, so that `at >= since` is exact against millisecond timestamps.
 */
export function parseSince(text: string): string {
  const m = INSTANT.exec(text);
  const refuse = () => new ApiError('MALFORMED_REQUEST', `_since=${text} is not an ISO 8601 date-time.`, { expression: '_since', target: 'parameters' });
  if (!m || !isCalendarDate(m[1]!)) throw refuse();
  const [, date, hh = '00', mm = '00', ss = '00', frac = '', zone = 'Z'] = m;
  const offset = /^[+-](\d{2}):(\d{2})$/.exec(zone);
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59 || (offset && (Number(offset[1]) > 23 || Number(offset[2]) > 59))) throw refuse();
  const ms = Date.parse(`${date}T${hh}:${mm}:${ss}.${frac.slice(0, 3).padEnd(3, '0')}${zone}`);
  if (Number.isNaN(ms)) throw refuse();
  return new Date(ms + (/[1-9]/.test(frac.slice(3)) ? 1 : 0)).toISOString();
}

/** A reference that must name an Individual; malformed (or naming another type) is refused as the registry does. */
function individualKey(ref: Reference, expression: string): IdentifierKey {
  if (ref.reference.startsWith('urn:uuid:')) {
    throw new ApiError('INVALID_REFERENCE', `${ref.reference} names no earlier entry of this $batch bundle (urn:uuid references only work there).`, {
      expression,
    });
  }
  const { type, identifier } = parseReference(ref.reference, expression);
  if (type !== 'Individual') throw new ApiError('INVALID_REFERENCE', `${ref.reference} must name an Individual.`, { expression });
  return identifier;
}

function groupKey(ref: Reference, expression: string): IdentifierKey {
  const { type, identifier } = parseReference(ref.reference, expression);
  if (type !== 'Group') throw new ApiError('INVALID_REFERENCE', `${ref.reference} must name a Group.`, { expression });
  return identifier;
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups (inside the transaction)

function requireGroup(db: Db, key: IdentifierKey, text = `No Group has the identifier ${formatIdentifier(key)}.`): number {
  const id = findRecordId(db, 'Group', key);
  if (id === undefined) throw new ApiError('RESOURCE_NOT_FOUND', text);
  return id;
}

function requireIndividual(db: Db, key: IdentifierKey, text: string): number {
  const id = findRecordId(db, 'Individual', key);
  if (id === undefined) throw new ApiError('RESOURCE_NOT_FOUND', text);
  return id;
}

/** How a member names the person inside a Group as a client sees it: by the person's first identifier. */
const memberReference = (db: Db, individualId: number) => formatReference('Individual', primaryIdentifier(db, 'Individual', individualId));

const isActive = (m: GroupMember, today: string) => isActiveMember({ inactive: m.inactive ?? false, end: m.period?.end ?? null }, today);

/** Positions of the person's active memberships in a member list. */
function activePositions(members: readonly GroupMember[], reference: string, today: string): number[] {
  return members.flatMap((m, i) => (m.entity.reference === reference && isActive(m, today) ? [i] : []));
}

/** The membership an update edits: the person's active one, else their latest (an ended one can be corrected). */
function currentPosition(members: readonly GroupMember[], reference: string, today: string): number {
  const active = activePositions(members, reference, today);
  if (active.length) return active[0]!;
  return members.map((m) => m.entity.reference).lastIndexOf(reference);
}

const notAMember = (member: string, group: IdentifierKey) =>
  new ApiError('RESOURCE_NOT_FOUND', `${member} is not a member of the Group ${formatIdentifier(group)}.`);

// ---------------------------------------------------------------------------------------------------------------
// Member edits (on a Group as a client would send it)

/**
 * Ends a membership. With a date: that is its last day. Without: at once — today, and `inactive`, because a
 * period ending today still counts today (isActiveMember). A membership that has not started yet ends on its
 * start day, so that the period stays well-formed.
 */
function endMember(m: GroupMember, endedDate: string | undefined, today: string): void {
  const start = m.period?.start;
  if (endedDate !== undefined) {
    if (start && endedDate < start)
      throw new ApiError('VALIDATION_ERROR', `endedDate is before the membership's start (${start}).`, { expression: 'endedDate' });
    m.period = { ...m.period, end: endedDate };
    return;
  }
  m.period = { ...m.period, end: start && start > today ? start : today };
  m.inactive = true;
}

/** A role with the relationship codes renamed through a merge's roleMapping (displays are filled in again on render). */
function mappedRole(role: CodeableConcept, mapping: Readonly<Record<string, string>>): CodeableConcept {
  const coding = role.coding.map((c) => {
    const to = c.system === RELATIONSHIP && Object.hasOwn(mapping, c.code) ? mapping[c.code]! : undefined;
    return to === undefined || to === c.code ? c : { system: c.system, code: to };
  });
  return { ...role, coding };
}

/** A new membership in another group starting today, keeping the person and (unless given) their role. */
function joiningMember(m: GroupMember, today: string, role: CodeableConcept | undefined = m.role): GroupMember {
  return compact({ entity: { reference: m.entity.reference }, role, period: { start: today } });
}

/** Records the reason of the version a write just stored (see annotateVersion). */
function giveReason(db: Db, groupId: number, reason: string | undefined): void {
  if (reason) annotateVersion(db, groupId, versionOf(db, 'Group', groupId).version_id, reason);
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

interface MemberRow {
  group_id: number;
  individual_id: number;
  role: string | null;
  period_start: string | null;
  period_end: string | null;
  inactive: number;
}

function membershipOf(db: Db, r: MemberRow, today: string): Membership {
  return compact({
    group: referenceTo(db, 'Group', r.group_id),
    entity: referenceTo(db, 'Individual', r.individual_id),
    role: r.role ? withDisplays(JSON.parse(r.role) as CodeableConcept) : undefined,
    startDate: r.period_start ?? undefined,
    endedDate: r.period_end ?? undefined,
    status: isActiveMember({ inactive: r.inactive === 1, end: r.period_end }, today) ? 'active' : 'inactive',
  });
}

const MEMBER_COLUMNS = 'group_id, individual_id, role, period_start, period_end, inactive';

/** The stored membership at a position of a Group's member list (positions are the list's order). */
function membershipAt(db: Db, groupId: number, position: number, today: string): Membership {
  const row = stmt(db, `SELECT ${MEMBER_COLUMNS} FROM group_members WHERE group_id = ? AND position = ?`).get(groupId, position) as MemberRow;
  return membershipOf(db, row, today);
}

function historyEntry(db: Db, r: HistoryRow): MembershipHistoryEntry {
  const role = (json: string | null) => (json ? withDisplays(JSON.parse(json) as CodeableConcept) : undefined);
  return compact({
    timestamp: r.at,
    action: r.action,
    member: referenceTo(db, 'Individual', r.individual_id),
    oldRole: role(r.old_role),
    newRole: role(r.new_role),
    changedBy: r.changed_by ?? undefined,
    reason: r.reason ?? undefined,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reads

/**
 * `GET /Individual/{identifier}/groups`: the person's memberships — every one, or those active today (`active`)
 * or not (`inactive`) — in the order the groups were created, at most `count`, with the exact total. A person
 * with two memberships of one group (an ended one and a current one) has two entries.
 */
export function groupsOfIndividual(
  db: Db,
  access: Access,
  individual: string,
  opts: { status?: 'active' | 'inactive'; count: number },
): { total: number; memberships: Membership[] } {
  const { id } = openForRead(db, access, 'Individual', parseIdentifier(individual));
  const filter = opts.status === 'active' ? ACTIVE_MEMBER('m') : opts.status === 'inactive' ? `NOT (${ACTIVE_MEMBER('m')})` : '1';
  const args = opts.status ? [id, access.today] : [id];
  const total = stmt(db, `SELECT count(*) FROM group_members m WHERE m.individual_id = ? AND ${filter}`)
    .pluck()
    .get(...args) as number;
  const rows = stmt(db, `SELECT ${MEMBER_COLUMNS} FROM group_members m WHERE m.individual_id = ? AND ${filter} ORDER BY m.group_id, m.position LIMIT ?`).all(
    ...args,
    opts.count,
  ) as MemberRow[];
  return { total, memberships: rows.map((r) => membershipOf(db, r, access.today)) };
}

/**
 * `GET /Group/{identifier}/membership-history`: the changes of the Group's memberships, oldest first (new entries
 * only append, so an `_offset` page stays put while the history grows), from `since` on (inclusive), one page of
 * `count` at `offset`, with the exact total.
 */
export function membershipHistory(
  db: Db,
  access: Access,
  group: string,
  opts: { since?: string; count: number; offset: number },
): { total: number; entries: MembershipHistoryEntry[] } {
  const key = parseIdentifier(group);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const { id } = openForRead(db, access, 'Group', key);
  const { total, rows } = historyPage(db, id, since, opts.count, opts.offset);
  return { total, entries: rows.map((r) => historyEntry(db, r)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Writes

/** `$add-member`: a new membership, starting on `startDate` (default today). Refused while the person is an active member. */
export function addGroupMember(db: Db, access: Access, group: string, req: { entity: Reference; role?: CodeableConcept; startDate?: string }): Membership {
  const key = parseIdentifier(group);
  const person = individualKey(req.entity, 'entity');
  checkRole(req.role, 'role');
  if (req.startDate !== undefined) checkDate(req.startDate, 'startDate');
  return transact(db, () => {
    const groupId = requireGroup(db, key);
    const reference = memberReference(db, requireIndividual(db, person, 'Individual not found'));
    let position = -1;
    rewriteGroup(db, access, groupId, (input) => {
      const members = (input.member ??= []);
      if (activePositions(members, reference, access.today).length) {
        // "already a member": the module's wording, which its router (and clients such as OpenFn's adaptor) match on.
        throw new ApiError('STATE_CONFLICT', `${formatIdentifier(person)} is already a member of the Group ${formatIdentifier(key)}.`);
      }
      position = members.push(compact({ entity: { reference }, role: req.role, period: { start: req.startDate ?? access.today } })) - 1;
    });
    return membershipAt(db, groupId, position, access.today);
  });
}

/** `$remove-member`: ends the person's active membership (see endMember for the date); `reason` goes to the history. */
export function removeGroupMember(db: Db, access: Access, group: string, req: { entity: Reference; endedDate?: string; reason?: string }): Membership {
  const key = parseIdentifier(group);
  const person = individualKey(req.entity, 'entity');
  if (req.endedDate !== undefined) checkDate(req.endedDate, 'endedDate');
  return transact(db, () => {
    const groupId = requireGroup(db, key);
    const reference = memberReference(db, requireIndividual(db, person, 'Individual not found'));
    let positions: number[] = [];
    rewriteGroup(db, access, groupId, (input) => {
      const members = input.member ?? [];
      positions = activePositions(members, reference, access.today);
      if (!positions.length) throw notAMember(formatIdentifier(person), key);
      // A person listed twice as active (a replace may do that) leaves the group entirely.
      for (const i of positions) endMember(members[i]!, req.endedDate, access.today);
    });
    giveReason(db, groupId, req.reason);
    return membershipAt(db, groupId, positions[0]!, access.today);
  });
}

/** Applies an update's fields to one membership; `null` clears. Any explicit end re-opens what an immediate removal closed. */
function applyUpdate(m: GroupMember, req: { role?: CodeableConcept | null; startDate?: string | null; endedDate?: string | null }): void {
  if (req.role === null) delete m.role;
  else if (req.role !== undefined) m.role = req.role;
  const period = { ...m.period };
  if (req.startDate === null) delete period.start;
  else if (req.startDate !== undefined) period.start = req.startDate;
  if (req.endedDate !== undefined) {
    // The date now says when the membership ends; the flag an immediate removal set would contradict it.
    if (req.endedDate === null) delete period.end;
    else period.end = req.endedDate;
    m.inactive = false;
  }
  if (period.start && period.end && period.start > period.end) {
    const expression = req.endedDate ? 'endedDate' : 'startDate';
    throw new ApiError('VALIDATION_ERROR', `The membership would end (${period.end}) before it starts (${period.start}).`, { expression });
  }
  if (period.start || period.end) m.period = period;
  else delete m.period;
}

/** `PATCH /Group/{identifier}/member/{member}` (the module's form): role and dates of the person's current membership. */
export function updateGroupMember(
  db: Db,
  access: Access,
  group: string,
  member: string,
  req: { role?: CodeableConcept | null; startDate?: string | null; endedDate?: string | null },
): Membership {
  const key = parseIdentifier(group);
  const person = parseIdentifier(member, 'member');
  checkRole(req.role, 'role');
  if (req.startDate) checkDate(req.startDate, 'startDate');
  if (req.endedDate) checkDate(req.endedDate, 'endedDate');
  return transact(db, () => {
    const groupId = requireGroup(db, key);
    const individualId = findRecordId(db, 'Individual', person);
    if (individualId === undefined) throw notAMember(formatIdentifier(person), key);
    const reference = memberReference(db, individualId);
    let position = -1;
    rewriteGroup(db, access, groupId, (input) => {
      const members = input.member ?? [];
      position = currentPosition(members, reference, access.today);
      if (position < 0) throw notAMember(formatIdentifier(person), key);
      applyUpdate(members[position]!, req);
    });
    return membershipAt(db, groupId, position, access.today);
  });
}

/**
 * `$merge`: the source's active members join the target today (roles renamed through `roleMapping`; a person
 * already active in the target keeps that membership), then the source is deactivated with its memberships
 * ended at once. Both Groups get a new version. Returns the target.
 */
export function mergeGroups(
  db: Db,
  access: Access,
  req: { sourceGroup: Reference; targetGroup: Reference; roleMapping?: Record<string, string> },
): Stored<'Group'> {
  const sourceKey = groupKey(req.sourceGroup, 'sourceGroup');
  const targetKey = groupKey(req.targetGroup, 'targetGroup');
  checkRoleMapping(req.roleMapping);
  const mapping = req.roleMapping ?? {};
  const today = access.today;
  const targetId = transact(db, () => {
    const sourceId = requireGroup(db, sourceKey, 'Source group not found');
    const targetId = requireGroup(db, targetKey, 'Target group not found');
    if (sourceId === targetId) throw new ApiError('MALFORMED_REQUEST', 'Source and target groups must be different', { expression: 'targetGroup' });
    if (stmt(db, 'SELECT active FROM groups WHERE id = ?').pluck().get(sourceId) !== 1) {
      throw new ApiError('STATE_CONFLICT', 'Source group is already inactive and cannot be merged', { expression: 'sourceGroup' });
    }
    const moving: GroupMember[] = [];
    rewriteGroup(db, access, sourceId, (input) => {
      input.active = false;
      for (const m of input.member ?? []) {
        if (!isActive(m, today)) continue;
        moving.push(joiningMember(m, today, m.role && mappedRole(m.role, mapping)));
        endMember(m, undefined, today);
      }
    });
    rewriteGroup(db, access, targetId, (input) => {
      const members = (input.member ??= []);
      for (const m of moving) if (!activePositions(members, m.entity.reference, today).length) members.push(m);
    });
    giveReason(db, sourceId, `Merged into ${formatReference('Group', primaryIdentifier(db, 'Group', targetId))}`);
    giveReason(db, targetId, `Merged from ${formatReference('Group', primaryIdentifier(db, 'Group', sourceId))}`);
    return targetId;
  });
  return stored(db, access, 'Group', targetId);
}

interface MovingPerson {
  /** As the request named them. */
  key: IdentifierKey;
  /** As the Group's member list names them. */
  reference: string;
}

/** The persons a split moves, in the request's order, each once (the same person may be named by two identifiers). */
function movingPersons(db: Db, refs: readonly Reference[]): Map<number, MovingPerson> {
  const out = new Map<number, MovingPerson>();
  for (const [i, r] of refs.entries()) {
    const key = individualKey(r, `membersToMove[${i}]`);
    const id = requireIndividual(db, key, `Individual not found: ${formatIdentifier(key)}`);
    if (!out.has(id)) out.set(id, { key, reference: memberReference(db, id) });
  }
  return out;
}

/**
 * Ends the moving persons' active memberships in a split's old Group (at once) and returns their memberships of
 * the new one: from today, their role kept, the new head's role `head`. The old Group must keep an active member.
 */
function moveOut(
  members: GroupMember[],
  persons: Iterable<MovingPerson>,
  headReference: string | undefined,
  group: IdentifierKey,
  today: string,
): GroupMember[] {
  const joining: GroupMember[] = [];
  for (const p of persons) {
    const positions = activePositions(members, p.reference, today);
    if (!positions.length) throw notAMember(formatIdentifier(p.key), group);
    const current = members[positions[0]!]!;
    joining.push(joiningMember(current, today, p.reference === headReference ? HEAD : current.role));
    for (const i of positions) endMember(members[i]!, undefined, today);
  }
  if (!members.some((m) => isActive(m, today))) {
    throw new ApiError('STATE_CONFLICT', 'The group must keep at least one member: membersToMove names every active member.', { expression: 'membersToMove' });
  }
  return joining;
}

/**
 * `$split`: a new Group (the old one's type, its name + " (split)", the given identifiers) whose members — from
 * today — are `membersToMove`, each of whom must be an active member; their memberships in the old Group end
 * at once, and the old Group must keep at least one active member. `newHead` (one of them) is the new Group's
 * head. Returns the new Group.
 */
export function splitGroup(
  db: Db,
  access: Access,
  group: string,
  req: { newGroupIdentifier: Identifier[]; membersToMove: Reference[]; newHead?: Reference },
): Stored<'Group'> & { location: string } {
  const key = parseIdentifier(group);
  const newKey = req.newGroupIdentifier[0];
  if (!newKey) throw new ApiError('VALIDATION_ERROR', 'newGroupIdentifier must hold at least one identifier.', { expression: 'newGroupIdentifier' });
  if (!req.membersToMove.length) throw new ApiError('MALFORMED_REQUEST', 'No members specified to move.', { expression: 'membersToMove' });
  const headKey = req.newHead && individualKey(req.newHead, 'newHead');
  return transact(db, () => {
    const groupId = requireGroup(db, key);
    const persons = movingPersons(db, req.membersToMove);
    const headId = headKey && findRecordId(db, 'Individual', headKey);
    if (headKey && (headId === undefined || !persons.has(headId))) {
      throw new ApiError('MALFORMED_REQUEST', 'newHead must be in the list of membersToMove.', { expression: 'newHead' });
    }
    const headReference = headId === undefined ? undefined : persons.get(headId)!.reference;
    let old: GroupInput | undefined;
    let joining: GroupMember[] = [];
    rewriteGroup(db, access, groupId, (input) => {
      old = input;
      joining = moveOut(input.member ?? [], persons.values(), headReference, key, access.today);
    });
    const created = createSplitGroup(db, access, old!, req.newGroupIdentifier, joining);
    giveReason(db, groupId, `Moved to ${formatReference('Group', newKey)} (split)`);
    giveReason(db, findRecordId(db, 'Group', newKey)!, `Split from ${formatReference('Group', primaryIdentifier(db, 'Group', groupId))}`);
    return created;
  });
}

/** The new Group of a split; identifier errors point at `newGroupIdentifier`. */
function createSplitGroup(db: Db, access: Access, old: GroupInput, identifier: Identifier[], member: GroupMember[]): Stored<'Group'> {
  const input: GroupInput = { resourceType: 'Group', identifier, active: true, type: old.type, name: `${old.name} (split)`, member };
  try {
    return createRecord(db, access, 'Group', input);
  } catch (e) {
    throw e instanceof ApiError ? e.relocated((x) => x.replace(/^identifier/, 'newGroupIdentifier')) : e;
  }
}
