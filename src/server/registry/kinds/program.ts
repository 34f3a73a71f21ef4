/**
 * Programs: social-protection programmes. Not personal data, so never consent-filtered. A programme is
 * "active" for searches while `active` and its period (end inclusive) not over.
 */
import { stmt } from '../../store/statements.js';
import { identifiersOf, metaOf, readDoc, versionOf, writeDoc } from '../store/records.js';
import { ApiError } from '../../../contract/errors.js';
import type { Program } from '../types.js';
import { checkPeriod, compact, sortKey, type Kind } from './common.js';

type ProgramDoc = Pick<Program, 'active' | 'name' | 'description' | 'type' | 'targetType' | 'eligibilityCriteria' | 'period'>;

interface PreparedProgram {
  doc: ProgramDoc;
  active: boolean;
  name: string;
  targetType: 'individual' | 'group';
  periodEnd: string | null;
}

export const programKind: Kind<'Program', PreparedProgram> = {
  type: 'Program',

  prepare(db, input, selfId) {
    checkPeriod(input.period, 'period');
    const targetType = input.targetType;
    if (selfId !== undefined) {
      // Memberships already enrolled must keep matching the programme's target type.
      const other = targetType === 'group' ? 'beneficiary_individual_id' : 'beneficiary_group_id';
      const clash = stmt(db, `SELECT 1 FROM program_memberships WHERE program_id = ? AND ${other} IS NOT NULL LIMIT 1`).get(selfId);
      if (clash) {
        throw new ApiError('VALIDATION_ERROR', `targetType cannot become '${targetType}': the programme has beneficiaries of the other kind.`, {
          expression: 'targetType',
        });
      }
    }
    const active = input.active ?? true;
    const doc: ProgramDoc = compact({
      active,
      name: input.name,
      description: input.description,
      type: input.type,
      targetType,
      eligibilityCriteria: input.eligibilityCriteria,
      period: input.period,
    });
    return { doc, active, name: input.name, targetType, periodEnd: input.period?.end ?? null };
  },

  write(db, recordId, p, v) {
    const cols = [v.version_id, v.last_updated, v.source, p.active ? 1 : 0, p.targetType, p.name, sortKey([p.name]), p.name.toLowerCase(), p.periodEnd];
    let id = recordId;
    if (id === undefined) {
      const sql = `INSERT INTO programs (version_id, last_updated, source, active, target_type, name, name_key, name_fold, period_end)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
      id = Number(stmt(db, sql).run(...cols).lastInsertRowid);
    } else {
      const sql = `UPDATE programs SET version_id = ?, last_updated = ?, source = ?, active = ?, target_type = ?, name = ?, name_key = ?,
                   name_fold = ?, period_end = ? WHERE id = ?`;
      stmt(db, sql).run(...cols, id);
    }
    writeDoc(db, 'Program', id, p.doc);
    return id;
  },

  render(db, id) {
    const doc = readDoc<ProgramDoc>(db, 'Program', id);
    return compact({
      resourceType: 'Program' as const,
      identifier: identifiersOf(db, 'Program', id),
      ...doc,
      active: doc.active ?? true,
      meta: metaOf(versionOf(db, 'Program', id)),
    });
  },
};
