/**
 * Which records a consent-bound client may see. A consent counts when it is `given` or `renewed`, today lies
 * between its effective and expiry dates, it was granted to the client's organization and it covers the resource
 * type being read. A consent on a group also covers the group's active members; a ProgramMembership is visible
 * when its beneficiary is (for the resource type ProgramMembership).
 *
 * Visibility is expressed as sets of row ids so that a read runs the very same statement whether or not the
 * record exists (no early answer that would make "does not exist" measurably different), and a search can
 * intersect with it.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import type { Access, ResourceType, SqlFragment } from '../types.js';

export type ConsentedType = Exclude<ResourceType, 'Program'>;

const VALID = `c.organization_id = ? AND c.status IN ('given', 'renewed') AND c.effective_date <= ? AND c.expiry_date >= ?`;
const COVERS = 'JOIN consent_resource_types t ON t.consent_id = c.id AND t.resource_type = ?';
/** An active member: not marked inactive and its period (end inclusive) not over. */
export const ACTIVE_MEMBER = (m: string) => `${m}.inactive = 0 AND (${m}.period_end IS NULL OR ${m}.period_end >= ?)`;

/** Row ids of the individuals the client may see as `type` (its own consents, then its groups'). */
export function visibleIndividuals(access: Access, type: ConsentedType): SqlFragment {
  const { organizationId: org, today } = access;
  return {
    sql: `SELECT c.subject_individual_id FROM consents c ${COVERS}
            WHERE c.subject_individual_id IS NOT NULL AND ${VALID}
          UNION ALL
          SELECT m.individual_id FROM consents c ${COVERS}
            JOIN group_members m ON m.group_id = c.subject_group_id
            WHERE c.subject_group_id IS NOT NULL AND ${VALID} AND ${ACTIVE_MEMBER('m')}`,
    args: [type, org, today, today, type, org, today, today, today],
  };
}

/** Row ids of the groups the client may see as `type`. */
export function visibleGroups(access: Access, type: ConsentedType): SqlFragment {
  const { organizationId: org, today } = access;
  return {
    sql: `SELECT c.subject_group_id FROM consents c ${COVERS} WHERE c.subject_group_id IS NOT NULL AND ${VALID}`,
    args: [type, org, today, today],
  };
}

/** A search condition on `alias.id` (or the membership's beneficiary) limiting rows to what the client may see. */
export function visibilityCondition(access: Access, type: ConsentedType, alias: string): SqlFragment {
  if (type === 'Individual') {
    const v = visibleIndividuals(access, 'Individual');
    return { sql: `${alias}.id IN (${v.sql})`, args: v.args };
  }
  if (type === 'Group') {
    const v = visibleGroups(access, 'Group');
    return { sql: `${alias}.id IN (${v.sql})`, args: v.args };
  }
  const vi = visibleIndividuals(access, 'ProgramMembership');
  const vg = visibleGroups(access, 'ProgramMembership');
  return {
    sql: `(${alias}.beneficiary_individual_id IN (${vi.sql}) OR ${alias}.beneficiary_group_id IN (${vg.sql}))`,
    args: [...vi.args, ...vg.args],
  };
}

/**
 * Whether the client may read the record with this row id. `undefined` (no such record) runs the same statements
 * with ids no row has: the consent sets are evaluated either way and the record's table is not consulted for them.
 */
export function mayRead(db: Db, access: Access, type: ConsentedType, recordId: number | undefined): boolean {
  const id = recordId ?? -1;
  if (type === 'Individual') {
    const v = visibleIndividuals(access, type);
    return Boolean(
      stmt(db, `SELECT ? IN (${v.sql})`)
        .pluck()
        .get(id, ...v.args),
    );
  }
  if (type === 'Group') {
    const v = visibleGroups(access, type);
    return Boolean(
      stmt(db, `SELECT ? IN (${v.sql})`)
        .pluck()
        .get(id, ...v.args),
    );
  }
  const row = stmt(db, 'SELECT beneficiary_individual_id AS i, beneficiary_group_id AS g FROM program_memberships WHERE id = ?').get(id) as
    { i: number | null; g: number | null } | undefined;
  const vi = visibleIndividuals(access, type);
  const vg = visibleGroups(access, type);
  return Boolean(
    stmt(db, `SELECT ? IN (${vi.sql}) OR ? IN (${vg.sql})`)
      .pluck()
      .get(row?.i ?? -1, ...vi.args, row?.g ?? -1, ...vg.args),
  );
}

/** The consent that lets a consent-bound client read a record: the most permissive valid one, if any. */
export interface CoveringConsent {
  consentRowId: number;
  fieldAccess: 'full' | 'basic';
  includeExtensions: boolean;
}

const PERMISSIVE = "ORDER BY c.field_access = 'full' DESC, c.include_extensions DESC, c.id LIMIT 1";

/**
 * `mayRead` with the consent that allows it. For an unknown record (`undefined`) the same statements run with ids
 * no row has, so that "does not exist" and "not consented" cost the same.
 */
export function coveringConsent(db: Db, access: Access, type: ConsentedType, recordId: number | undefined): CoveringConsent | undefined {
  const { organizationId: org, today } = access;
  const id = recordId ?? -1;
  let individual = -1;
  let group = -1;
  if (type === 'Individual') individual = id;
  else if (type === 'Group') group = id;
  else {
    const row = stmt(db, 'SELECT beneficiary_individual_id AS i, beneficiary_group_id AS g FROM program_memberships WHERE id = ?').get(id) as
      { i: number | null; g: number | null } | undefined;
    individual = row?.i ?? -1;
    group = row?.g ?? -1;
  }
  const sql = `SELECT c.id AS consentRowId, c.field_access AS fieldAccess, c.include_extensions AS includeExtensions FROM consents c ${COVERS}
               WHERE ${VALID} AND (c.subject_individual_id = ? OR c.subject_group_id = ?
                 OR c.subject_group_id IN (SELECT m.group_id FROM group_members m WHERE m.individual_id = ? AND ${ACTIVE_MEMBER('m')}))
               ${PERMISSIVE}`;
  const row = stmt(db, sql).get(type, org, today, today, individual, group, individual, today) as
    { consentRowId: number; fieldAccess: 'full' | 'basic'; includeExtensions: number } | undefined;
  return row ? { consentRowId: row.consentRowId, fieldAccess: row.fieldAccess, includeExtensions: row.includeExtensions === 1 } : undefined;
}
