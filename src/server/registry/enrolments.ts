/**
 * Enrolments addressed by their beneficiary, as the deployed module addresses them: the enrolment of the
 * Individual or Group holding an identifier, in one programme (`?program=`) or in the only one it has.
 */
import { ApiError } from '../../contract/errors.js';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { formatIdentifier, parseIdentifier, parseReference, type IdentifierKey } from './identifiers.js';
import { CONSENT_REQUIRED_TEXT } from './service.js';
import { findRecordId, primaryIdentifier } from './store/records.js';
import type { Access, Reference } from './types.js';

/** The programme a `Program/{system}|{value}` reference names: 400 when malformed, 404 when unknown. */
function programId(db: Db, reference: string): number {
  const ref = parseReference(reference, 'program', 'MALFORMED_REQUEST');
  if (ref.type !== 'Program') throw new ApiError('MALFORMED_REQUEST', `${reference} is not a reference of the form Program/{system}|{value}.`);
  const id = findRecordId(db, 'Program', ref.identifier);
  if (id === undefined) throw new ApiError('RESOURCE_NOT_FOUND', 'Program not found');
  return id;
}

/** Enrolments of whoever holds the identifier (an Individual, a Group, or both), optionally in one programme. */
function enrolmentsOf(db: Db, beneficiary: IdentifierKey, program: number | undefined): number[] {
  const individual = findRecordId(db, 'Individual', beneficiary) ?? null;
  const group = findRecordId(db, 'Group', beneficiary) ?? null;
  return stmt(
    db,
    `SELECT id FROM program_memberships WHERE (beneficiary_individual_id = ? OR beneficiary_group_id = ?) AND (? IS NULL OR program_id = ?) ORDER BY id`,
  )
    .pluck()
    .all(individual, group, program ?? null, program ?? null) as number[];
}

/**
 * The identifier (`{system}|{value}`) of the enrolment of `beneficiary` in `program`, for the registry's record
 * operations. None → 404 (for a consent-bound client the 403 an unconsented record gets, so that existence is
 * not revealed); several and no programme named → 409.
 */
export function enrolmentIdentifier(db: Db, access: Access, beneficiary: string, program?: string): string {
  const key = parseIdentifier(beneficiary);
  const ids = enrolmentsOf(db, key, program === undefined ? undefined : programId(db, program));
  if (ids.length === 0) {
    if (access.consentBound) throw new ApiError('CONSENT_REQUIRED', CONSENT_REQUIRED_TEXT);
    throw new ApiError('RESOURCE_NOT_FOUND', 'ProgramMembership not found');
  }
  if (ids.length > 1) {
    throw new ApiError('STATE_CONFLICT', `The beneficiary ${formatIdentifier(key)} has ${ids.length} enrolments; name the programme with ?program=.`);
  }
  return formatIdentifier(primaryIdentifier(db, 'ProgramMembership', ids[0]!));
}

/** Whether the beneficiary a reference names is already enrolled in the programme another names (both must exist). */
export function alreadyEnrolled(db: Db, beneficiary: Reference, program: Reference): boolean {
  const b = parseReference(beneficiary.reference, 'beneficiary');
  const p = parseReference(program.reference, 'program');
  const beneficiaryId = findRecordId(db, b.type, b.identifier);
  const programRow = p.type === 'Program' ? findRecordId(db, 'Program', p.identifier) : undefined;
  if (beneficiaryId === undefined || programRow === undefined) return false;
  const column = b.type === 'Group' ? 'beneficiary_group_id' : 'beneficiary_individual_id';
  return stmt(db, `SELECT 1 FROM program_memberships WHERE ${column} = ? AND program_id = ?`).get(beneficiaryId, programRow) !== undefined;
}
