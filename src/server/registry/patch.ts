/**
 * `PATCH /{Type}/{identifier}` for Individuals and Groups: a JSON Merge Patch (RFC 7396) of the record's
 * client-writable fields as the engine stores them. Keys present change, `null` removes a field, nested objects
 * (`name`, `extension`) merge member by member, arrays are replaced whole; `identifier`, read-only fields and
 * anything else are ignored (the deployed module drops unknown keys too). Members of a Group are not patched here.
 *
 * The merged record takes the PUT write path (service.ts `reviseRecord`: If-Match, business rules, identifiers,
 * new version, text index) in one transaction. Before that it is checked against the published contract's field
 * schemas, as a PUT body is: the engine keeps one record for every dialect, so whatever a patch leaves must still
 * be servable as the published model (except that an Individual may have no name, which that model allows on
 * output).
 */
import { ApiError } from '../../contract/errors.js';
import { publishedContract } from '../../contract/contract.js';
import { validationError } from '../../contract/invoke.js';
import type { JsonSchema } from '../../contract/document.js';
import type { OperationSpec } from '../../contract/operations.js';
import type { Db } from '../store/db.js';
import { stmt } from '../store/statements.js';
import { formatReference, parseIdentifier } from './identifiers.js';
import { composeNameText } from './kinds/individual.js';
import { periodOf } from './kinds/common.js';
import { reviseRecord, type Stored } from './service.js';
import { identifiersOf, primaryIdentifier, readDoc } from './store/records.js';
import type { Access, GroupMember, InputOf } from './types.js';

export type PatchableType = 'Individual' | 'Group';

/** What a patch may change, per type: the fields each kind stores in its document. */
export const PATCHABLE_FIELDS: Readonly<Record<PatchableType, readonly string[]>> = {
  Individual: ['active', 'name', 'birthDate', 'birthDateEstimated', 'gender', 'telecom', 'address', 'extension'],
  Group: ['active', 'name', 'address', 'extension', 'type', 'characteristic'],
};

/**
 * Fields a record cannot be without. Removing `active` would silently reactivate the record (absent means true),
 * and a Group's name and kind are stored in required columns.
 */
const NOT_REMOVABLE: Readonly<Record<PatchableType, readonly string[]>> = {
  Individual: ['active'],
  Group: ['active', 'name', 'type'],
};

/** The schema a merged record must meet: the published input, except that an Individual's name is optional. */
const MERGED_SCHEMA: Readonly<Record<PatchableType, JsonSchema>> = {
  Individual: { allOf: [{ $ref: '#/components/schemas/IndividualFields' }], required: ['resourceType', 'identifier'], unevaluatedProperties: false },
  Group: { $ref: '#/components/schemas/GroupInput' },
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7396 MergePatch(target, patch). `__proto__` is skipped: no resource has such a field, and assigning it would set a prototype. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** The patch cut to the fields the type lets a patch change; refuses removing a field the record needs. */
function patchableOf(type: PatchableType, patch: unknown): Json {
  if (!isObject(patch)) throw new ApiError('VALIDATION_ERROR', 'A merge patch must be a JSON object.');
  const out: Json = {};
  for (const field of PATCHABLE_FIELDS[type]) {
    if (!(field in patch)) continue;
    if (patch[field] === null && NOT_REMOVABLE[type].includes(field)) {
      throw new ApiError('VALIDATION_ERROR', `${field} cannot be removed from a ${type}; send a value instead of null.`, { expression: field });
    }
    out[field] = patch[field];
  }
  return out;
}

/** A Group's members as a client would send them, from the stored rows (roles exactly as stored, no displays added). */
function storedMembers(db: Db, groupId: number): GroupMember[] {
  const rows = stmt(db, 'SELECT individual_id, role, period_start, period_end, inactive FROM group_members WHERE group_id = ? ORDER BY position').all(
    groupId,
  ) as Array<{ individual_id: number; role: string | null; period_start: string | null; period_end: string | null; inactive: number }>;
  return rows.map((r) => {
    const period = periodOf(r.period_start, r.period_end);
    return {
      entity: { reference: formatReference('Individual', primaryIdentifier(db, 'Individual', r.individual_id)) },
      ...(r.role ? { role: JSON.parse(r.role) as GroupMember['role'] } : {}),
      ...(period ? { period } : {}),
      inactive: r.inactive === 1,
    };
  });
}

/** The record as it stands, as a PUT body would carry it. */
function currentInput(db: Db, type: PatchableType, recordId: number): Json {
  const base: Json = { resourceType: type, identifier: identifiersOf(db, type, recordId), ...readDoc<Json>(db, type, recordId) };
  if (type === 'Group') base.member = storedMembers(db, recordId);
  return base;
}

/**
 * A `name.text` the server composed follows the parts: when a patch changes the parts and not the text, the old
 * composed text is dropped so that the write composes it anew. A text the client wrote stays.
 */
function dropComposedText(current: Json, patch: Json, merged: Json): void {
  if (!isObject(patch.name) || 'text' in patch.name || !isObject(current.name) || !isObject(merged.name)) return;
  if (current.name.text === composeNameText(current.name)) delete merged.name.text;
}

/** Object-valued fields left without members are removed (a name with no part is no name). */
function dropEmptyObjects(merged: Json): void {
  for (const field of ['name', 'extension']) if (isObject(merged[field]) && Object.keys(merged[field]).length === 0) delete merged[field];
}

const mergedOperations = new Map<PatchableType, OperationSpec>();

/** An operation spec whose body is the merged record's schema, so that the contract's validator words its issues as for any body. */
function mergedOperation(type: PatchableType): OperationSpec {
  const cached = mergedOperations.get(type);
  if (cached) return cached;
  const put = publishedContract.operation(type === 'Individual' ? 'updateIndividual' : 'updateGroup');
  const op = { ...put, id: `registry:merge-patch:${type}`, requestBody: { required: true, content: { 'application/json': MERGED_SCHEMA[type] } } };
  mergedOperations.set(type, op);
  return op;
}

function checkMerged(type: PatchableType, merged: Json): void {
  const issues = publishedContract.validator.validateBody(mergedOperation(type), 'application/json', merged);
  if (issues.length) throw validationError(issues);
}

/** The record `currentInput` describes with `patch` merged in, checked. */
function mergedRecord(type: PatchableType, current: Json, patch: unknown): Json {
  const changes = patchableOf(type, patch);
  const merged = mergePatch(current, changes) as Json;
  if (type === 'Individual') dropComposedText(current, changes, merged);
  dropEmptyObjects(merged);
  checkMerged(type, merged);
  return merged;
}

/**
 * Merges `patch` into the Individual or Group that has `identifier` and stores the result as its next version.
 * Throws RESOURCE_NOT_FOUND (no such record), VERSION_CONFLICT (stale If-Match), VALIDATION_ERROR (a patch that
 * is not an object, removes a needed field, or leaves an invalid record; or a business rule), INVALID_IDENTIFIER.
 */
export function patchRecord<T extends PatchableType>(
  db: Db,
  access: Access,
  type: T,
  identifier: string,
  patch: Record<string, unknown>,
  ifMatch?: string,
): Stored<T> {
  const key = parseIdentifier(identifier);
  return reviseRecord(db, access, type, key, ifMatch, (recordId) => mergedRecord(type, currentInput(db, type, recordId), patch) as unknown as InputOf[T]);
}
