/**
 * What every resource type stores the same way: its identifiers, its version columns and its JSON document.
 * Row ids are returned to the rest of the registry but never rendered.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { formatIdentifier, type IdentifierKey } from '../identifiers.js';
import { ApiError } from '../../../contract/errors.js';
import { registryChanged } from './version.js';
import type { Identifier, Meta, ResourceType } from '../types.js';

export const TABLES: Readonly<Record<ResourceType, { table: string; docs: string }>> = {
  Individual: { table: 'individuals', docs: 'individual_docs' },
  Group: { table: 'groups', docs: 'group_docs' },
  Program: { table: 'programs', docs: 'program_docs' },
  ProgramMembership: { table: 'program_memberships', docs: 'program_membership_docs' },
};

export function findRecordId(db: Db, type: ResourceType, id: IdentifierKey): number | undefined {
  return stmt(db, 'SELECT record_id FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?').pluck().get(type, id.system, id.value) as
    number | undefined;
}

interface IdentifierRow {
  system: string;
  value: string;
  period_start: string | null;
  period_end: string | null;
}

export function identifiersOf(db: Db, type: ResourceType, recordId: number): Identifier[] {
  const rows = stmt(db, 'SELECT system, value, period_start, period_end FROM identifiers WHERE resource_type = ? AND record_id = ? ORDER BY position').all(
    type,
    recordId,
  ) as IdentifierRow[];
  return rows.map((r) => {
    const period = { ...(r.period_start ? { start: r.period_start } : {}), ...(r.period_end ? { end: r.period_end } : {}) };
    return { system: r.system, value: r.value, ...(r.period_start || r.period_end ? { period } : {}) };
  });
}

/** The first identifier: the one references and URLs use. */
export function primaryIdentifier(db: Db, type: ResourceType, recordId: number): IdentifierKey {
  const row = stmt(db, 'SELECT system, value FROM identifiers WHERE resource_type = ? AND record_id = ? ORDER BY position LIMIT 1').get(type, recordId) as
    IdentifierKey | undefined;
  if (!row) throw new Error(`${type} record without identifiers`);
  return row;
}

/**
 * The identifiers a body may take: no pair twice in the body, none used by another record of the type.
 * `selfId` is the record being replaced, whose own identifiers are no conflict.
 */
export function checkIdentifiers(db: Db, type: ResourceType, list: readonly Identifier[], selfId?: number): void {
  const seen = new Map<string, number>();
  for (const [i, id] of list.entries()) {
    const key = formatIdentifier(id);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ApiError('VALIDATION_ERROR', `identifier[${i}] repeats identifier[${first}] (${key}).`, { expression: `identifier[${i}]` });
    }
    seen.set(key, i);
    if (id.period?.start && id.period.end && id.period.start > id.period.end) {
      throw new ApiError('VALIDATION_ERROR', `identifier[${i}].period ends before it starts.`, { expression: `identifier[${i}].period` });
    }
    const owner = findRecordId(db, type, id);
    if (owner !== undefined && owner !== selfId) {
      throw new ApiError('DUPLICATE_IDENTIFIER', `Another ${type} already has the identifier ${key}.`, { expression: `identifier[${i}]` });
    }
  }
}

export function writeIdentifiers(db: Db, type: ResourceType, recordId: number, list: readonly Identifier[]): void {
  // Deleted by primary key: a DELETE filtered on record_id is planned as a walk of the type's whole key range.
  const remove = stmt(db, 'DELETE FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?');
  for (const old of stmt(db, 'SELECT system, value FROM identifiers WHERE resource_type = ? AND record_id = ?').all(type, recordId) as IdentifierKey[]) {
    remove.run(type, old.system, old.value);
  }
  const insert = stmt(db, 'INSERT INTO identifiers (resource_type, system, value, record_id, position, period_start, period_end) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const [i, id] of list.entries()) insert.run(type, id.system, id.value, recordId, i, id.period?.start ?? null, id.period?.end ?? null);
}

export interface VersionRow {
  version_id: number;
  last_updated: string;
  source: string | null;
}

export function versionOf(db: Db, type: ResourceType, recordId: number): VersionRow {
  const row = stmt(db, `SELECT version_id, last_updated, source FROM ${TABLES[type].table} WHERE id = ?`).get(recordId) as VersionRow | undefined;
  if (!row) throw new Error(`${type} ${recordId} vanished`);
  return row;
}

export function metaOf(row: VersionRow): Meta {
  return { versionId: String(row.version_id), lastUpdated: row.last_updated, ...(row.source ? { source: row.source } : {}) };
}

export function readDoc<T>(db: Db, type: ResourceType, recordId: number): T {
  const doc = stmt(db, `SELECT doc FROM ${TABLES[type].docs} WHERE id = ?`).pluck().get(recordId) as string | undefined;
  if (doc === undefined) throw new Error(`${type} ${recordId} has no document`);
  return JSON.parse(doc) as T;
}

export function writeDoc(db: Db, type: ResourceType, recordId: number, doc: object): void {
  stmt(db, `INSERT INTO ${TABLES[type].docs} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`).run(recordId, JSON.stringify(doc));
}

/**
 * Runs `fn` in a transaction (a savepoint when nested, as inside a `$batch` transaction): anything thrown inside
 * — an ApiError refusing the write, or a bug — undoes everything `fn` wrote and is thrown on.
 */
export function transact<T>(db: Db, fn: () => T): T {
  const result = db.transaction(fn)();
  registryChanged(db);
  return result;
}
