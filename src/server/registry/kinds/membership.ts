/**
 * ProgramMemberships: the enrolment of an Individual or a Group in a programme. The beneficiary's kind must be
 * the programme's target type. Consent for these records follows the beneficiary.
 */
import { stmt } from '../../store/statements.js';
import { identifiersOf, metaOf, readDoc, versionOf, writeDoc } from '../store/records.js';
import { ApiError } from '../../../contract/errors.js';
import type { ProgramMembership } from '../types.js';
import { compact, referenceTo, resolveReference, type Kind } from './common.js';

type MembershipDoc = Pick<ProgramMembership, 'status' | 'enrollmentDate' | 'exitDate' | 'exitReason'>;

interface PreparedMembership {
  doc: MembershipDoc;
  programId: number;
  individualId: number | null;
  groupId: number | null;
  status: string;
  enrollmentDate: string | null;
}

export const membershipKind: Kind<'ProgramMembership', PreparedMembership> = {
  type: 'ProgramMembership',

  prepare(db, input) {
    const program = resolveReference(db, input.program, ['Program'], 'program');
    const beneficiary = resolveReference(db, input.beneficiary, ['Individual', 'Group'], 'beneficiary');
    const targetType = stmt(db, 'SELECT target_type FROM programs WHERE id = ?').pluck().get(program.id) as 'individual' | 'group';
    const kind = beneficiary.type === 'Group' ? 'group' : 'individual';
    if (kind !== targetType) {
      const wanted = targetType === 'group' ? 'a Group' : 'an Individual';
      throw new ApiError('INVALID_REFERENCE', `${input.program.reference} enrols ${targetType}s: the beneficiary must be ${wanted}.`, {
        expression: 'beneficiary',
      });
    }
    if (input.enrollmentDate && input.exitDate && input.exitDate < input.enrollmentDate) {
      throw new ApiError('VALIDATION_ERROR', 'exitDate is before enrollmentDate.', { expression: 'exitDate' });
    }
    const doc: MembershipDoc = compact({
      status: input.status,
      enrollmentDate: input.enrollmentDate,
      exitDate: input.exitDate,
      exitReason: input.exitReason,
    });
    return {
      doc,
      programId: program.id,
      individualId: kind === 'individual' ? beneficiary.id : null,
      groupId: kind === 'group' ? beneficiary.id : null,
      status: input.status,
      enrollmentDate: input.enrollmentDate ?? null,
    };
  },

  write(db, recordId, p, v) {
    const cols = [v.version_id, v.last_updated, v.source, p.programId, p.individualId, p.groupId, p.status, p.enrollmentDate];
    let id = recordId;
    if (id === undefined) {
      const sql = `INSERT INTO program_memberships (version_id, last_updated, source, program_id, beneficiary_individual_id, beneficiary_group_id,
                   status, enrollment_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
      id = Number(stmt(db, sql).run(...cols).lastInsertRowid);
    } else {
      const sql = `UPDATE program_memberships SET version_id = ?, last_updated = ?, source = ?, program_id = ?, beneficiary_individual_id = ?,
                   beneficiary_group_id = ?, status = ?, enrollment_date = ? WHERE id = ?`;
      stmt(db, sql).run(...cols, id);
    }
    writeDoc(db, 'ProgramMembership', id, p.doc);
    return id;
  },

  render(db, id) {
    const doc = readDoc<MembershipDoc>(db, 'ProgramMembership', id);
    const row = stmt(db, 'SELECT program_id, beneficiary_individual_id, beneficiary_group_id FROM program_memberships WHERE id = ?').get(id) as {
      program_id: number;
      beneficiary_individual_id: number | null;
      beneficiary_group_id: number | null;
    };
    const beneficiary =
      row.beneficiary_group_id !== null ? referenceTo(db, 'Group', row.beneficiary_group_id) : referenceTo(db, 'Individual', row.beneficiary_individual_id!);
    return compact({
      resourceType: 'ProgramMembership' as const,
      identifier: identifiersOf(db, 'ProgramMembership', id),
      program: referenceTo(db, 'Program', row.program_id),
      beneficiary,
      status: doc.status,
      enrollmentDate: doc.enrollmentDate,
      exitDate: doc.exitDate,
      exitReason: doc.exitReason,
      meta: metaOf(versionOf(db, 'ProgramMembership', id)),
    });
  },
};
