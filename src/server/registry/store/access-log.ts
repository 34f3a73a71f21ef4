/**
 * The access log: every read of a registrant by an API client — who, when, which operation, and the consent that
 * allowed it. It is the trail operators audit and what `GET /Consent/{id}/$access-summary` counts.
 *
 * Entries are buffered and written in one statement per flush (at most every FLUSH_MS, or at FLUSH_SIZE entries,
 * and always before they are counted and when the server stops): a write per read would be the most expensive
 * step of a read. A crash can therefore lose the last FLUSH_MS of entries, never more.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import type { ResourceType } from '../types.js';

export type AccessOperation = 'read' | 'search' | 'export';

export interface AccessEntry {
  operation: AccessOperation;
  resourceType: ResourceType;
  recordId: number;
  /** The registrant whose data it is (the beneficiary of an enrolment); undefined for a programme. */
  subject?: { type: 'Individual' | 'Group'; id: number };
}

export interface Accessor {
  clientRowId: number;
  organizationId: number;
}

const FLUSH_MS = 200;
const FLUSH_SIZE = 500;

export class AccessLog {
  private buffer: Array<[string, number, number, AccessOperation, ResourceType, number, string | null, number | null]> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  private lastMs = NaN;
  private lastIso = '';

  record(who: Accessor, at: Date, entries: readonly AccessEntry[]): void {
    // Reads under load share their millisecond: formatting it once per millisecond was ≈3 % of a cached read.
    const ms = at.getTime();
    if (ms !== this.lastMs) {
      this.lastIso = at.toISOString();
      this.lastMs = ms;
    }
    const when = this.lastIso;
    for (const e of entries) {
      this.buffer.push([when, who.clientRowId, who.organizationId, e.operation, e.resourceType, e.recordId, e.subject?.type ?? null, e.subject?.id ?? null]);
    }
    if (this.buffer.length >= FLUSH_SIZE) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is buffered (before counting, and when the server stops). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer.length || !this.db.open) return;
    const rows = this.buffer;
    this.buffer = [];
    const insert = stmt(
      this.db,
      'INSERT INTO access_log (at, client_row_id, organization_id, operation, resource_type, record_id, subject_type, subject_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const r of rows) insert.run(...r);
    })();
  }
}

/** The log entry for a read of a record: its subject is the registrant whose data it is. */
export function accessEntry(db: Db, operation: AccessOperation, resourceType: ResourceType, recordId: number): AccessEntry {
  if (resourceType === 'Individual' || resourceType === 'Group') return { operation, resourceType, recordId, subject: { type: resourceType, id: recordId } };
  if (resourceType === 'Program') return { operation, resourceType, recordId };
  const row = stmt(db, 'SELECT beneficiary_individual_id AS i, beneficiary_group_id AS g FROM program_memberships WHERE id = ?').get(recordId) as {
    i: number | null;
    g: number | null;
  };
  const subject = row.i !== null ? { type: 'Individual' as const, id: row.i } : { type: 'Group' as const, id: row.g! };
  return { operation, resourceType, recordId, subject };
}

const logs = new WeakMap<Db, AccessLog>();

/** The access log of a database (one per connection, so that every writer shares its buffer). */
export function accessLogOf(db: Db): AccessLog {
  let log = logs.get(db);
  if (!log) logs.set(db, (log = new AccessLog(db)));
  return log;
}
