/**
 * Consent records as an administrator manages them (the `spp-kit consent` commands, the demo loader): grant a
 * consent to an organization for a person or a household, withdraw it, list them. Consents are named by a
 * UUID; their row ids stay inside the store.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { formatReference, parseReference, type ParsedReference } from './identifiers.js';
import { findRecordId, primaryIdentifier } from './store/records.js';
import { registryChanged } from './store/version.js';
import type { ConsentedType } from './store/consent.js';

export class ConsentAdminError extends Error {}

export const CONSENT_STATUSES = ['requested', 'given', 'renewed', 'refused', 'withdrawn', 'expired'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export const CONSENT_RESOURCE_TYPES: readonly ConsentedType[] = ['Individual', 'Group', 'ProgramMembership'];

export interface GrantInput {
  /** Default: a new random UUID (the demo registry fixes its consents' ids). */
  consentId?: string;
  organizationCode: string;
  /** `Individual/{system}|{value}` or `Group/{system}|{value}`. */
  subject: string;
  resourceTypes: readonly string[];
  /** YYYY-MM-DD; default: today (UTC). */
  effectiveDate?: string;
  expiryDate: string;
  /** Default `given`; other statuses record consents as they stand elsewhere (e.g. an import). */
  status?: Exclude<ConsentStatus, 'withdrawn'>;
  /** Default `service_delivery`. */
  purpose?: ConsentPurpose;
  /** Default `written`. */
  collectionMethod?: CollectionMethod;
  /** `full` (default) or `basic` (identifier, name, active). */
  fieldAccess?: 'full' | 'basic';
  /** Whether extension blocks are covered (default yes). */
  includeExtensions?: boolean;
}

export const CONSENT_PURPOSES = ['service_delivery', 'eligibility_verification', 'analytics', 'research', 'audit'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export type CollectionMethod = 'written' | 'verbal' | 'electronic' | 'biometric';

/** Appends a version to a consent's history. */
export function recordHistory(
  db: Db,
  consentRowId: number,
  entry: { action: 'created' | 'status_changed' | 'withdrawn'; at: string; by: string; fields: string[]; reason?: string | null },
): void {
  const version = ((db.prepare('SELECT max(version) FROM consent_history WHERE consent_id = ?').pluck().get(consentRowId) as number | null) ?? 0) + 1;
  db.prepare('INSERT INTO consent_history (consent_id, version, action, changed_at, changed_by, changed_fields, reason) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    consentRowId,
    version,
    entry.action,
    entry.at,
    entry.by,
    JSON.stringify(entry.fields),
    entry.reason ?? null,
  );
  registryChanged(db);
}

export interface ConsentView {
  consentId: string;
  organization: string;
  subject: string;
  resourceTypes: ConsentedType[];
  status: ConsentStatus;
  effectiveDate: string;
  expiryDate: string;
  withdrawnAt?: string;
  withdrawalReason?: string;
  createdAt: string;
  updatedAt: string;
  /** Whether it lets the organization read its subject today. */
  validToday: boolean;
}

export interface ListFilters {
  organizationCode?: string;
  subject?: string;
  status?: ConsentStatus;
}

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

function organizationId(db: Db, code: string): number {
  const id = db.prepare('SELECT id FROM organizations WHERE code = ?').pluck().get(code) as number | undefined;
  if (id === undefined) throw new ConsentAdminError(`no organization has the code '${code}'`);
  return id;
}

function subjectOf(db: Db, subject: string): { type: 'Individual' | 'Group'; id: number } {
  const bad = () => new ConsentAdminError(`the subject must be Individual/{system}|{value} or Group/{system}|{value}, got '${subject}'`);
  let ref: ParsedReference;
  try {
    ref = parseReference(subject, 'subject');
  } catch {
    throw bad();
  }
  if (ref.type !== 'Individual' && ref.type !== 'Group') throw bad();
  const id = findRecordId(db, ref.type, ref.identifier);
  if (id === undefined) throw new ConsentAdminError(`${subject} names no ${ref.type}`);
  return { type: ref.type, id };
}

/** Records a consent; returns its id (a UUID). */
export function grant(db: Db, input: GrantInput, now: Date = new Date()): string {
  const today = now.toISOString().slice(0, 10);
  const effective = input.effectiveDate ?? today;
  if (!isDate(effective)) throw new ConsentAdminError(`the effective date must be YYYY-MM-DD, got '${effective}'`);
  if (!isDate(input.expiryDate)) throw new ConsentAdminError(`the expiry date must be YYYY-MM-DD, got '${input.expiryDate}'`);
  if (input.expiryDate < effective) throw new ConsentAdminError('the expiry date is before the effective date');
  const types = [...new Set(input.resourceTypes)];
  if (types.length === 0) throw new ConsentAdminError(`name at least one resource type (${CONSENT_RESOURCE_TYPES.join(', ')})`);
  for (const t of types) {
    if (!(CONSENT_RESOURCE_TYPES as readonly string[]).includes(t)) {
      throw new ConsentAdminError(`'${t}' is not a resource type a consent covers (${CONSENT_RESOURCE_TYPES.join(', ')})`);
    }
  }
  const status = input.status ?? 'given';
  if (!(CONSENT_STATUSES as readonly string[]).includes(status) || status === ('withdrawn' as string)) {
    throw new ConsentAdminError(`a consent cannot be recorded with status '${status}'`);
  }
  return db.transaction(() => {
    const org = organizationId(db, input.organizationCode);
    const subject = subjectOf(db, input.subject);
    if (subject.type === 'Individual' && types.includes('Group')) throw new ConsentAdminError("a person's consent cannot cover Group records");
    const consentId = input.consentId ?? randomUUID();
    const stamp = now.toISOString();
    const row = db
      .prepare(
        `INSERT INTO consents (consent_id, organization_id, subject_individual_id, subject_group_id, status, effective_date, expiry_date, created_at, updated_at,
                               purpose, collection_method, field_access, include_extensions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        consentId,
        org,
        subject.type === 'Individual' ? subject.id : null,
        subject.type === 'Group' ? subject.id : null,
        status,
        effective,
        input.expiryDate,
        stamp,
        stamp,
        input.purpose ?? 'service_delivery',
        input.collectionMethod ?? 'written',
        input.fieldAccess ?? 'full',
        input.includeExtensions === false ? 0 : 1,
      );
    const insertType = db.prepare('INSERT INTO consent_resource_types (consent_id, resource_type) VALUES (?, ?)');
    for (const t of types) insertType.run(row.lastInsertRowid, t);
    recordHistory(db, Number(row.lastInsertRowid), {
      action: 'created',
      at: stamp,
      by: 'system',
      fields: ['status', 'effective_date', 'expiry_date', 'scopes'],
    });
    return consentId;
  })();
}

/** Withdraws a consent at once; only a consent that is requested, given or renewed can be withdrawn. */
export function withdraw(db: Db, consentId: string, reason: string, now: Date = new Date()): ConsentView {
  if (!reason.trim()) throw new ConsentAdminError('give the reason for the withdrawal');
  return db.transaction(() => {
    const row = db.prepare('SELECT id, status FROM consents WHERE consent_id = ?').get(consentId) as { id: number; status: ConsentStatus } | undefined;
    if (!row) throw new ConsentAdminError(`no consent has the id ${consentId}`);
    if (!['requested', 'given', 'renewed'].includes(row.status)) throw new ConsentAdminError(`consent ${consentId} is ${row.status} and cannot be withdrawn`);
    const stamp = now.toISOString();
    db.prepare("UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, withdrawal_reason = ?, updated_at = ? WHERE consent_id = ?").run(
      stamp,
      reason,
      stamp,
      consentId,
    );
    recordHistory(db, row.id, { action: 'withdrawn', at: stamp, by: 'system', fields: ['status'], reason });
    return list(db, {}, now).find((c) => c.consentId === consentId)!;
  })();
}

interface ConsentRow {
  id: number;
  consent_id: string;
  code: string;
  subject_individual_id: number | null;
  subject_group_id: number | null;
  status: ConsentStatus;
  effective_date: string;
  expiry_date: string;
  withdrawn_at: string | null;
  withdrawal_reason: string | null;
  created_at: string;
  updated_at: string;
  types: string;
}

export function list(db: Db, filters: ListFilters = {}, now: Date = new Date()): ConsentView[] {
  const today = now.toISOString().slice(0, 10);
  const where: string[] = [];
  const args: unknown[] = [];
  if (filters.organizationCode) {
    where.push('o.code = ?');
    args.push(filters.organizationCode);
  }
  if (filters.status) {
    where.push('c.status = ?');
    args.push(filters.status);
  }
  if (filters.subject) {
    const subject = subjectOf(db, filters.subject);
    where.push(subject.type === 'Individual' ? 'c.subject_individual_id = ?' : 'c.subject_group_id = ?');
    args.push(subject.id);
  }
  const rows = db
    .prepare(
      `SELECT c.*, o.code, (SELECT group_concat(resource_type, ',') FROM consent_resource_types t WHERE t.consent_id = c.id) AS types
       FROM consents c JOIN organizations o ON o.id = c.organization_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.created_at, c.id`,
    )
    .all(...args) as ConsentRow[];
  return rows.map((r) => {
    const subject =
      r.subject_individual_id !== null
        ? formatReference('Individual', primaryIdentifier(db, 'Individual', r.subject_individual_id))
        : formatReference('Group', primaryIdentifier(db, 'Group', r.subject_group_id!));
    const resourceTypes = CONSENT_RESOURCE_TYPES.filter((t) => r.types.split(',').includes(t));
    return {
      consentId: r.consent_id,
      organization: r.code,
      subject,
      resourceTypes,
      status: r.status,
      effectiveDate: r.effective_date,
      expiryDate: r.expiry_date,
      ...(r.withdrawn_at ? { withdrawnAt: r.withdrawn_at } : {}),
      ...(r.withdrawal_reason ? { withdrawalReason: r.withdrawal_reason } : {}),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      validToday: (r.status === 'given' || r.status === 'renewed') && r.effective_date <= today && r.expiry_date >= today,
    };
  });
}
