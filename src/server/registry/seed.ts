/**
 * Writes a synthetic registry (seed-people.ts) for scale work: 1,000,000 individuals in about half a minute.
 *
 * One transaction; prepared statements; row ids assigned here; secondary indexes dropped and rebuilt after the
 * load (a sort beats a million random inserts); the FTS term buffer sized so the text indexes come out as one
 * segment. Rows are built by the code the API writes with (the Individual kind's prepare and text helpers), so a
 * seeded record is indistinguishable from one created through the API.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { sortKey } from './kinds/common.js';
import { individualKind } from './kinds/individual.js';
import { households, pad, type Enrolment, type SeedPerson } from './seed-people.js';
import { BARANGAYS, FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, PLACES, STREETS, TEMPLATE_TEXT } from './seed-vocabulary.js';
import { createRecord } from './service.js';
import { findRecordId } from './store/records.js';
import { charsOf, rememberChars, textField } from './store/text-index.js';
import type { Access, Identifier, IndividualInput } from './types.js';

export interface SeedOptions {
  individuals: number;
  /** PRNG seed (default 1). The same seed gives the same people. */
  seed?: number;
  /** meta.lastUpdated of the records lies in the two years before this (default: now). */
  now?: Date;
  /** Called after each household with the individuals written so far, and once when the indexes are being built. */
  onProgress?: (individuals: number, phase: 'rows' | 'indexes') => void;
}

export interface SeedReport {
  individuals: number;
  groups: number;
  groupMembers: number;
  programMemberships: number;
  ms: number;
}

export const SEED_SOURCE = 'urn:openspp:seed';
const NATIONAL_ID = 'urn:gov:ph:psa:national-id';
const PHILHEALTH = 'urn:openspp:vocab:id-type#philhealth';
const RELATIONSHIP = 'urn:openspp:vocab:relationship';
const REGISTRY_TABLES = [
  'individuals',
  'individual_docs',
  'groups',
  'group_docs',
  'group_members',
  'program_memberships',
  'program_membership_docs',
  'identifiers',
];
const FTS_TABLES = ['individual_text', 'group_text'];
const SEED_PROGRAMS = {
  cashTransfer: { value: 'SEED-CCT', name: 'Conditional Cash Transfer (synthetic)', targetType: 'group' as const },
  pension: { value: 'SEED-PENSION', name: 'Social Pension (synthetic)', targetType: 'individual' as const },
};

function individualInput(p: SeedPerson, identifier: Identifier[], address: IndividualInput['address']): IndividualInput {
  const male = p.sex === 'M';
  return {
    resourceType: 'Individual',
    identifier,
    active: p.active,
    name: { family: p.family, given: p.given, middle: p.middle },
    birthDate: p.birthDate,
    ...(p.birthDateEstimated ? { birthDateEstimated: true } : {}),
    gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: male ? '1' : '2', display: male ? 'Male' : 'Female' }] },
    ...(p.mobile ? { telecom: [{ system: 'phone', value: p.mobile, use: 'mobile' }] } : {}),
    address,
  };
}

function ensureProgram(db: Db, access: Access, p: { value: string; name: string; targetType: 'group' | 'individual' }): number {
  const key = { system: 'urn:openspp:program', value: p.value };
  const found = findRecordId(db, 'Program', key);
  if (found !== undefined) return found;
  createRecord(db, access, 'Program', { resourceType: 'Program', identifier: [key], name: p.name, targetType: p.targetType, active: true });
  return findRecordId(db, 'Program', key)!;
}

/**
 * Rows of the text indexes, written a little late. The bulk load leaves each index as one large segment; FTS5
 * then merges that segment with the next small ones written — the first after 14 single-row writes, the next
 * after some 450 — which, left to the API, made one request in a freshly seeded registry take seconds (a 500-entry
 * batch: 7-10 s at 1M rows). The last TAIL rows are therefore written after the optimize, each flushed on its own
 * like an API write, so that those merges happen here, during the seed, and not on the first requests.
 */
class TextRows {
  static readonly TAIL = 512;
  private readonly queue: Array<{ table: string; rowid: number; columns: string[] }> = [];
  private readonly insert: Record<string, Statement>;

  constructor(private readonly db: Db) {
    this.insert = {
      individual_text: db.prepare('INSERT INTO individual_text (rowid, name, address) VALUES (?, ?, ?)'),
      group_text: db.prepare('INSERT INTO group_text (rowid, name) VALUES (?, ?)'),
    };
  }

  add(table: string, rowid: number, ...columns: string[]): void {
    this.queue.push({ table, rowid, columns });
    if (this.queue.length > TextRows.TAIL) this.write(this.queue.shift()!);
  }

  /** The deferred rows, one flush (and whatever merge it triggers) each. */
  settle(): void {
    for (const row of this.queue.splice(0)) {
      this.write(row);
      this.db.exec(`INSERT INTO ${row.table} (${row.table}, rank) VALUES ('merge', 0)`);
    }
  }

  private write({ table, rowid, columns }: { table: string; rowid: number; columns: string[] }): void {
    this.insert[table]!.run(rowid, ...columns);
  }
}

/** Runs `load` with what makes a bulk load fast, and puts everything back afterwards. */
function bulkLoad<T>(db: Db, individuals: number, load: (text: TextRows) => T): T {
  // Every reference the generator writes points at a row it wrote just before; checking each would double the
  // cost of the load. (Both pragmas are no-ops inside a transaction.)
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  // A rollback journal writes each new page once, WAL twice (log, then checkpoint). Another open connection
  // keeps the database in WAL, which is merely slower.
  const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
  if (wal) db.pragma('journal_mode = DELETE');
  try {
    return db.transaction(() => {
      const indexes = db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${REGISTRY_TABLES.map(() => '?').join(', ')})`)
        .all(...REGISTRY_TABLES) as Array<{ name: string; sql: string }>;
      for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
      // A term buffer that holds the whole load leaves one segment per text index: nothing to merge later.
      const hashSize = Math.min(512, Math.max(1, Math.ceil((individuals * 600) / 2 ** 20))) * 2 ** 20;
      for (const t of FTS_TABLES) {
        db.exec(`INSERT INTO ${t} (${t}, rank) VALUES ('automerge', 0); INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', ${hashSize});`);
      }
      const text = new TextRows(db);
      const result = load(text);
      for (const i of indexes) db.exec(i.sql);
      for (const t of FTS_TABLES) {
        db.exec(`INSERT INTO ${t} (${t}) VALUES ('optimize');
                 INSERT INTO ${t} (${t}, rank) VALUES ('automerge', 4); INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', ${2 ** 20});`);
      }
      text.settle();
      return result;
    })();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    if (wal) db.pragma('journal_mode = WAL');
  }
}

export function seedRegistry(db: Db, options: SeedOptions): SeedReport {
  const started = performance.now();
  const now = options.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const stamp = (age: number) => new Date(now.getTime() - age).toISOString();
  const access: Access = { organizationId: 0, consentBound: false, now, today, source: SEED_SOURCE, basePath: '' };
  const report = { individuals: 0, groups: 0, groupMembers: 0, programMemberships: 0 };

  bulkLoad(db, options.individuals, (text) => {
    const programs = { cashTransfer: ensureProgram(db, access, SEED_PROGRAMS.cashTransfer), pension: ensureProgram(db, access, SEED_PROGRAMS.pension) };
    const nextId = (table: string) => ((db.prepare(`SELECT max(id) FROM ${table}`).pluck().get() as number | null) ?? 0) + 1;
    let individualId = nextId('individuals');
    let groupId = nextId('groups');
    let membershipId = nextId('program_memberships');

    const insIndividual = db.prepare('INSERT INTO individuals (id, last_updated, source, active, name_key, birth_date, gender) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insIndividualDoc = db.prepare('INSERT INTO individual_docs (id, doc) VALUES (?, ?)');
    const insIdentifier = db.prepare('INSERT INTO identifiers (resource_type, system, value, record_id, position) VALUES (?, ?, ?, ?, ?)');
    const insGroup = db.prepare("INSERT INTO groups (id, last_updated, source, active, group_type, name, name_key) VALUES (?, ?, ?, 1, 'household', ?, ?)");
    const insGroupDoc = db.prepare('INSERT INTO group_docs (id, doc) VALUES (?, ?)');
    const insMember = db.prepare(
      'INSERT INTO group_members (group_id, position, individual_id, role, period_start, period_end, inactive) VALUES (?, ?, ?, ?, ?, ?, 0)',
    );
    const insMembership = db.prepare(
      `INSERT INTO program_memberships (id, last_updated, source, program_id, beneficiary_individual_id, beneficiary_group_id, status, enrollment_date)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insMembershipDoc = db.prepare('INSERT INTO program_membership_docs (id, doc) VALUES (?, ?)');
    const roles = Object.fromEntries(['head', 'spouse', 'child', 'parent'].map((r) => [r, JSON.stringify({ coding: [{ system: RELATIONSHIP, code: r }] })]));

    const enrol = (e: Enrolment, programId: number, individual: number | null, group: number | null) => {
      const id = membershipId++;
      insMembership.run(id, stamp(e.age), SEED_SOURCE, programId, individual, group, e.status, e.enrollmentDate);
      insMembershipDoc.run(id, JSON.stringify({ status: e.status, enrollmentDate: e.enrollmentDate }));
      insIdentifier.run('ProgramMembership', 'urn:openspp:program-membership', `SEED-${pad(id, 9)}`, id, 0);
      report.programMemberships++;
    };

    for (const h of households(options.individuals, options.seed ?? 1, now.getUTCFullYear())) {
      const gid = groupId++;
      insGroup.run(gid, stamp(h.age), SEED_SOURCE, h.name, sortKey([h.name]));
      insGroupDoc.run(gid, JSON.stringify({ active: true, type: 'household', name: h.name, address: [h.address] }));
      text.add('group_text', gid, textField([h.name]));
      insIdentifier.run('Group', 'urn:openspp:group', `HH-S-${pad(gid, 9)}`, gid, 0);
      report.groups++;
      for (const [position, p] of h.members.entries()) {
        const id = individualId++;
        const identifier: Identifier[] = [{ system: NATIONAL_ID, value: `PSN-${pad(id, 12).replace(/(\d{4})(?=\d)/g, '$1-')}` }];
        if (p.philhealth) identifier.push({ system: PHILHEALTH, value: `12-${pad(id, 9)}-${id % 10}` });
        const v = individualKind.prepare(db, individualInput(p, identifier, [h.address]), undefined, today);
        insIndividual.run(id, stamp(p.age), SEED_SOURCE, v.active ? 1 : 0, v.nameKey, v.birthDate, v.gender);
        insIndividualDoc.run(id, JSON.stringify(v.doc));
        text.add('individual_text', id, v.text.name, v.text.address);
        for (const [i, ident] of identifier.entries()) insIdentifier.run('Individual', ident.system, ident.value, id, i);
        insMember.run(gid, position, id, roles[p.role], h.since, p.left ?? null);
        report.individuals++;
        report.groupMembers++;
        if (p.pension) enrol(p.pension, programs.pension, id, null);
      }
      if (h.cashTransfer) enrol(h.cashTransfer, programs.cashTransfer, null, gid);
      options.onProgress?.(report.individuals, 'rows');
    }
    // The characters of every text the generator can produce (see text-index.ts for why they are kept).
    rememberChars(
      db,
      charsOf([...FAMILY_NAMES, ...MALE_GIVEN, ...FEMALE_GIVEN, ...STREETS, ...BARANGAYS, ...PLACES.flat(), TEMPLATE_TEXT, 'household'].join('')),
    );
    options.onProgress?.(report.individuals, 'indexes');
  });
  return { ...report, ms: Math.round(performance.now() - started) };
}
