/**
 * The consent endpoints: what a client's organization may learn about the consents it holds — status, receipt,
 * history, who read the data they cover — and revocation. A client sees only consents granted to its own
 * organization; every other id, existing or not, gets the same 404 (it learns nothing about others' consents).
 */
import { ApiError } from '../../contract/errors.js';
import type { components } from '../../contract/generated/types.js';
import { findClient } from '../clients/repository.js';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { recordHistory, type ConsentPurpose } from './consent-admin.js';
import { formatReference } from './identifiers.js';
import { accessLogOf } from './store/access-log.js';
import { ACTIVE_MEMBER } from './store/consent.js';
import { primaryIdentifier } from './store/records.js';
import type { Access } from './types.js';

type Schemas = components['schemas'];

interface HeldConsent {
  id: number;
  consent_id: string;
  organization_id: number;
  grantee: string;
  subject_individual_id: number | null;
  subject_group_id: number | null;
  status: Schemas['ConsentStatus']['status'];
  effective_date: string;
  expiry_date: string;
  created_at: string;
  withdrawn_at: string | null;
  withdrawal_reason: string | null;
  purpose: ConsentPurpose;
  collection_method: 'written' | 'verbal' | 'electronic' | 'biometric';
  field_access: 'full' | 'basic';
  include_extensions: number;
  types: string;
}

const NOT_HELD = 'Your organization holds no consent with this id.';
const RESOURCE = { Individual: 'individual', Group: 'group', ProgramMembership: 'program_membership' } as const;
const PURPOSE_TEXT: Record<ConsentPurpose, string> = {
  service_delivery: 'Delivering services and benefits to the data subject',
  eligibility_verification: 'Verifying eligibility for programmes',
  analytics: 'Statistics and analysis',
  research: 'Research',
  audit: 'Audit and oversight',
};
const RIGHTS = ['access', 'rectification', 'erasure', 'restriction', 'withdraw consent'];

/** The consent with this id if the client's organization holds it; the same 404 otherwise. */
function held(db: Db, access: Access, consentId: string): HeldConsent {
  const row = stmt(
    db,
    `SELECT c.*, o.name AS grantee, (SELECT group_concat(resource_type, ',') FROM consent_resource_types t WHERE t.consent_id = c.id) AS types
     FROM consents c JOIN organizations o ON o.id = c.organization_id WHERE c.consent_id = ? AND c.organization_id = ?`,
  ).get(consentId.toLowerCase(), access.organizationId) as HeldConsent | undefined;
  if (!row) throw new ApiError('RESOURCE_NOT_FOUND', NOT_HELD);
  return row;
}

/** The status as a client should read it: a given consent past its expiry date has expired. */
function currentStatus(c: HeldConsent, today: string): HeldConsent['status'] {
  return (c.status === 'given' || c.status === 'renewed') && c.expiry_date < today ? 'expired' : c.status;
}

function typesOf(c: HeldConsent): Array<keyof typeof RESOURCE> {
  return c.types.split(',') as Array<keyof typeof RESOURCE>;
}

export function readConsent(db: Db, access: Access, consentId: string): Schemas['ConsentStatus'] {
  const c = held(db, access, consentId);
  return {
    consent_id: c.consent_id,
    status: currentStatus(c, access.today),
    grantee: c.grantee,
    effective_date: c.effective_date,
    expiry_date: c.expiry_date,
    scopes: typesOf(c).map((t) => ({
      resource_type: RESOURCE[t],
      field_access: c.field_access,
      purpose: c.purpose,
      include_extensions: c.include_extensions === 1,
    })),
    legal_basis: null,
  };
}

/** Withdraws a given or renewed consent the client's organization holds; anything else is the same 404. */
export function revokeConsent(db: Db, access: Access, consentId: string, clientId: string, reason: string | undefined): Schemas['ConsentRevocation'] {
  const stamp = access.now.toISOString();
  const c = db.transaction(() => {
    const found = held(db, access, consentId);
    if (currentStatus(found, access.today) !== 'given' && currentStatus(found, access.today) !== 'renewed') {
      throw new ApiError('RESOURCE_NOT_FOUND', 'Your organization holds no active consent with this id (it may be withdrawn or expired already).');
    }
    stmt(db, "UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, withdrawal_reason = ?, updated_at = ? WHERE id = ?").run(
      stamp,
      reason ?? null,
      stamp,
      found.id,
    );
    recordHistory(db, found.id, { action: 'withdrawn', at: stamp, by: `Client/${clientId}`, fields: ['status'], reason: reason ?? null });
    return found;
  })();
  const client = findClient(db, clientId);
  return {
    type: 'Consent',
    consent_id: c.consent_id,
    status: 'revoked',
    revokedDate: stamp,
    revokedBy: { reference: `Client/${clientId}`, ...(client ? { display: client.name } : {}) },
    ...(reason ? { revocationReason: reason } : {}),
  };
}

function subjectReference(db: Db, c: HeldConsent): string {
  if (c.subject_individual_id !== null) return formatReference('Individual', primaryIdentifier(db, 'Individual', c.subject_individual_id));
  return formatReference('Group', primaryIdentifier(db, 'Group', c.subject_group_id!));
}

export function consentReceipt(db: Db, access: Access, consentId: string): Schemas['ConsentReceipt'] {
  const c = held(db, access, consentId);
  const categories =
    c.field_access === 'basic' ? ['identity'] : ['identity', 'demographics', 'contact', 'location', 'household composition', 'programme enrolments'];
  return {
    receipt_id: crypto.randomUUID(),
    version: '1.0',
    timestamp: access.now.toISOString(),
    data_subject: { identifier: subjectReference(db, c) },
    data_controller: { name: 'OpenSPP registry' },
    consent_id: c.consent_id,
    consent_date: c.created_at,
    collection_method: c.collection_method,
    purposes: typesOf(c).map((t) => ({ id: c.purpose, description: PURPOSE_TEXT[c.purpose], resource_type: RESOURCE[t], field_access: c.field_access })),
    data_categories: categories,
    effective_date: c.effective_date,
    expiry_date: c.expiry_date,
    withdrawal_uri: `${access.basePath}/Consent/${c.consent_id}/$revoke`,
    data_subject_rights: RIGHTS,
  };
}

export function consentHistory(db: Db, access: Access, consentId: string): Schemas['ConsentHistory'] {
  const c = held(db, access, consentId);
  const rows = stmt(
    db,
    'SELECT version, action, changed_at, changed_by, changed_fields, reason FROM consent_history WHERE consent_id = ? ORDER BY version',
  ).all(c.id) as Array<{
    version: number;
    action: 'created' | 'status_changed' | 'withdrawn';
    changed_at: string;
    changed_by: string;
    changed_fields: string;
    reason: string | null;
  }>;
  return {
    consent_id: c.consent_id,
    current_version: rows.length ? rows[rows.length - 1]!.version : 1,
    history: rows.map((r) => ({
      version: r.version,
      action: r.action,
      changed_date: r.changed_at,
      changed_by: r.changed_by,
      changed_fields: JSON.parse(r.changed_fields) as string[],
      ...(r.reason ? { reason: r.reason } : {}),
    })),
  };
}

/**
 * Reads of the consent's subject by clients of its organization: the subject's own record and enrolments (and,
 * for a household's consent, its members'), within the dates asked for.
 */
export function consentAccessSummary(db: Db, access: Access, consentId: string, from?: string, to?: string): Schemas['ConsentAccessSummary'] {
  const c = held(db, access, consentId);
  accessLogOf(db).flush();
  const subject =
    c.subject_individual_id !== null
      ? { sql: "l.subject_type = 'Individual' AND l.subject_id = ?", args: [c.subject_individual_id] }
      : {
          sql: `((l.subject_type = 'Group' AND l.subject_id = ?) OR (l.subject_type = 'Individual' AND l.subject_id IN
                 (SELECT m.individual_id FROM group_members m WHERE m.group_id = ? AND ${ACTIVE_MEMBER('m')})))`,
          args: [c.subject_group_id, c.subject_group_id, access.today],
        };
  const until = to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : '9999';
  const rows = stmt(
    db,
    `SELECT l.operation, l.resource_type, a.name AS client, count(*) AS n, min(l.at) AS first, max(l.at) AS last
     FROM access_log l JOIN api_clients a ON a.id = l.client_row_id
     WHERE l.organization_id = ? AND ${subject.sql} AND l.at >= ? AND l.at < ?
     GROUP BY l.operation, l.resource_type, a.name`,
  ).all(c.organization_id, ...subject.args, from ? `${from}T00:00:00.000Z` : '', until) as Array<{
    operation: 'read' | 'search' | 'export';
    resource_type: 'Individual' | 'Group' | 'Program' | 'ProgramMembership';
    client: string;
    n: number;
    first: string;
    last: string;
  }>;
  const byAction = { read: 0, search: 0, export: 0 };
  const byType = { individual: 0, group: 0, program: 0, program_membership: 0 };
  const byClient: Record<string, number> = {};
  for (const r of rows) {
    byAction[r.operation] += r.n;
    byType[r.resource_type === 'Program' ? 'program' : RESOURCE[r.resource_type]] += r.n;
    byClient[r.client] = (byClient[r.client] ?? 0) + r.n;
  }
  const firsts = rows.map((r) => r.first).sort();
  const lasts = rows.map((r) => r.last).sort();
  return {
    consent_id: c.consent_id,
    total_accesses: rows.reduce((n, r) => n + r.n, 0),
    by_action: byAction,
    by_resource_type: byType,
    by_client: byClient,
    date_range: { first: firsts[0] ?? null, last: lasts[lasts.length - 1] ?? null },
  };
}
