/**
 * Pieces the four resource kinds share: the Kind interface, references between records, and displays.
 */
import type { Db } from '../../store/db.js';
import type { Shape } from '../elements.js';
import { stmt } from '../../store/statements.js';
import { formatReference, parseReference } from '../identifiers.js';
import { findRecordId, primaryIdentifier, type VersionRow } from '../store/records.js';
import { ApiError } from '../../../contract/errors.js';
import { publishedContract } from '../../../contract/contract.js';
import type { CodeableConcept, InputOf, Period, Reference, ResourceOf, ResourceType } from '../types.js';

/**
 * How one resource type is validated, stored and rendered. `prepare` checks business rules and resolves
 * references without writing (throwing an ApiError for what it refuses); `write` stores what `prepare`
 * produced (a new row when `recordId` is undefined).
 */
export interface Kind<T extends ResourceType, P> {
  type: T;
  prepare(db: Db, input: InputOf[T], selfId: number | undefined, today: string): P;
  write(db: Db, recordId: number | undefined, prepared: P, version: VersionRow): number;
  /** The stored record; derived fields the shape does not want are not computed (the caller narrows the rest). */
  render(db: Db, recordId: number, today: string, shape?: Shape): ResourceOf[T];
}

/** Resolves a reference to a row id of one of the allowed types. */
export function resolveReference(db: Db, ref: Reference, allowed: readonly ResourceType[], expression: string): { type: ResourceType; id: number } {
  if (ref.reference.startsWith('urn:uuid:')) {
    throw new ApiError('INVALID_REFERENCE', `${ref.reference} names no earlier entry of this $batch bundle (urn:uuid references only work there).`, {
      expression,
    });
  }
  const { type, identifier } = parseReference(ref.reference, expression);
  if (!allowed.includes(type)) throw new ApiError('INVALID_REFERENCE', `${ref.reference} must name a ${allowed.join(' or ')}.`, { expression });
  const id = findRecordId(db, type, identifier);
  if (id === undefined) throw new ApiError('INVALID_REFERENCE', `${ref.reference} names no ${type}.`, { expression });
  return { type, id };
}

/** The name people see for a record, used as a reference's `display`. */
export function displayOf(db: Db, type: ResourceType, id: number): string | undefined {
  if (type === 'Individual') {
    return (stmt(db, "SELECT json_extract(doc, '$.name.text') FROM individual_docs WHERE id = ?").pluck().get(id) as string | null) ?? undefined;
  }
  if (type === 'Group') return stmt(db, 'SELECT name FROM groups WHERE id = ?').pluck().get(id) as string;
  if (type === 'Program') return stmt(db, 'SELECT name FROM programs WHERE id = ?').pluck().get(id) as string;
  return undefined;
}

export function referenceTo(db: Db, type: ResourceType, id: number): Reference {
  const display = displayOf(db, type, id);
  return { reference: formatReference(type, primaryIdentifier(db, type, id)), ...(display ? { display } : {}) };
}

export function periodOf(start: string | null | undefined, end: string | null | undefined): Period | undefined {
  if (!start && !end) return undefined;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

/** Refuses a period that ends before it starts. */
export function checkPeriod(period: Period | undefined, expression: string): void {
  if (period?.start && period.end && period.start > period.end) throw new ApiError('VALIDATION_ERROR', `${expression} ends before it starts.`, { expression });
}

/** Codings of the code systems the contract enumerates get their display filled in when the client left it out. */
export function withDisplays(concept: CodeableConcept): CodeableConcept {
  return {
    ...concept,
    coding: concept.coding.map((c) => {
      const display = c.display ?? publishedContract.codeSystems.get(c.system)?.displays[c.code];
      return { ...c, ...(display ? { display } : {}) };
    }),
  };
}

/** Lower-cased sort key of at most 64 characters (ties beyond are broken by the row id). */
export function sortKey(parts: ReadonlyArray<string | undefined>): string {
  return parts
    .map((p) => (p ?? '').toLowerCase())
    .join('\x1f')
    .slice(0, 64);
}

/** Drops undefined values so that stored documents and rendered resources carry only what is there. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
