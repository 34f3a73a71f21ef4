/**
 * The registry's operations on single records: read, create, update by identifier and conditional update.
 * Each write runs in one transaction (a savepoint inside a `$batch` transaction) and checks everything before it
 * writes; a refusal (an ApiError) rolls all of it back.
 */
import { ApiError } from '../../contract/errors.js';
import type { Db } from '../store/db.js';
import { narrow, parseElements } from './elements.js';
import { formatIdentifier, parseIdentifier, recordUrl, sameIdentifier, type IdentifierKey } from './identifiers.js';
import { KINDS } from './kinds/index.js';
import { mayRead } from './store/consent.js';
import { checkIdentifiers, findRecordId, primaryIdentifier, transact, versionOf, writeIdentifiers } from './store/records.js';
import type { Access, InputOf, ResourceOf, ResourceType } from './types.js';

export interface Stored<T extends ResourceType> {
  resource: ResourceOf[T];
  /** Where the record can be read (its first identifier). */
  location: string;
  /** `"<versionId>"` */
  etag: string;
  lastModified: string;
}

export interface ReadResult<T extends ResourceType> extends Stored<T> {
  /** Why the client may see it: a consent, or a legal basis that needs none. */
  consentStatus: 'active' | 'legal_basis';
}

export const CONSENT_REQUIRED_TEXT = 'Access to this record requires a valid consent granted to your organization.';

const notFound = (type: ResourceType, id: IdentifierKey) => new ApiError('RESOURCE_NOT_FOUND', `No ${type} has the identifier ${formatIdentifier(id)}.`);

/** `"3"`, `W/"3"` (and, inside `$batch`, `3`) → 3. A weak tag compares like a strong one: versions are exact. */
export function parseIfMatch(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:W\/)?"?([1-9][0-9]{0,9})"?$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

function stored<T extends ResourceType>(db: Db, access: Access, type: T, id: number, elements?: ReadonlySet<string>): Stored<T> {
  const resource = narrow<ResourceOf[T]>(KINDS[type].render(db, id, access.today, elements), elements);
  return {
    resource,
    location: recordUrl(access.basePath, type, primaryIdentifier(db, type, id)),
    etag: `"${resource.meta.versionId}"`,
    lastModified: resource.meta.lastUpdated,
  };
}

/**
 * Reads a record. For a consent-bound client (on every type but Program) an unknown identifier and a record
 * without valid consent take the same path — one lookup, one consent query — and give the same error.
 */
export function readRecord<T extends ResourceType>(db: Db, access: Access, type: T, identifier: string, elements?: string): ReadResult<T> {
  const key = parseIdentifier(identifier);
  const id = findRecordId(db, type, key);
  const consentChecked = access.consentBound && type !== 'Program';
  if (consentChecked) {
    if (!mayRead(db, access, type, id)) throw new ApiError('CONSENT_REQUIRED', CONSENT_REQUIRED_TEXT);
  } else if (id === undefined) {
    throw notFound(type, key);
  }
  return { ...stored(db, access, type, id!, parseElements(elements)), consentStatus: consentChecked ? 'active' : 'legal_basis' };
}

/** Checks, then writes a new record or a new version of `existing`. Must run inside a transaction. */
function write<T extends ResourceType>(db: Db, access: Access, type: T, input: InputOf[T], existing?: number): number {
  checkIdentifiers(db, type, input.identifier, existing);
  const kind = KINDS[type];
  const prepared = kind.prepare(db, input, existing, access.today);
  const version = existing === undefined ? 1 : versionOf(db, type, existing).version_id + 1;
  const id = kind.write(db, existing, prepared, { version_id: version, last_updated: access.now.toISOString(), source: access.source });
  writeIdentifiers(db, type, id, input.identifier);
  return id;
}

/** The version guard: a stale `If-Match` refuses the write. */
function checkVersion(db: Db, type: ResourceType, id: number, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const expected = parseIfMatch(ifMatch);
  const current = versionOf(db, type, id).version_id;
  if (expected !== current) throw new ApiError('VERSION_CONFLICT', `Resource version mismatch. Expected: ${expected ?? ifMatch}, current: ${current}.`);
}

/** The body must carry the identifier its URL names (the path's, or the conditional update's query). */
function requireIdentifier(input: InputOf[ResourceType], key: IdentifierKey, where: string): void {
  if (input.identifier.some((i) => sameIdentifier(i, key))) return;
  throw new ApiError('VALIDATION_ERROR', `The body's identifier list must contain the identifier in the ${where} (${formatIdentifier(key)}).`, {
    expression: 'identifier',
  });
}

export function createRecord<T extends ResourceType>(db: Db, access: Access, type: T, input: InputOf[T]): Stored<T> {
  const id = transact(db, () => write(db, access, type, input));
  return stored(db, access, type, id);
}

/** Replaces the record that has `identifier`; every client-writable field comes from the body. */
export function updateRecord<T extends ResourceType>(db: Db, access: Access, type: T, identifier: string, input: InputOf[T], ifMatch?: string): Stored<T> {
  const key = parseIdentifier(identifier);
  requireIdentifier(input, key, 'path');
  const id = transact(db, () => {
    const existing = findRecordId(db, type, key);
    if (existing === undefined) throw notFound(type, key);
    checkVersion(db, type, existing, ifMatch);
    return write(db, access, type, input, existing);
  });
  return stored(db, access, type, id);
}

/**
 * `PUT /{Type}?identifier=`: replaces the record with that identifier, or creates the body when there is none.
 * An `If-Match` with no record to match is a conflict rather than a silent create.
 */
export function upsertRecord<T extends ResourceType>(
  db: Db,
  access: Access,
  type: T,
  identifier: string,
  input: InputOf[T],
  ifMatch?: string,
): Stored<T> & { created: boolean } {
  const key = parseIdentifier(identifier);
  requireIdentifier(input, key, 'query');
  const { id, created } = transact(db, () => {
    const existing = findRecordId(db, type, key);
    if (existing === undefined && ifMatch !== undefined) {
      throw new ApiError('VERSION_CONFLICT', `If-Match names version ${ifMatch}, but no ${type} has the identifier ${formatIdentifier(key)}.`);
    }
    if (existing !== undefined) checkVersion(db, type, existing, ifMatch);
    return { id: write(db, access, type, input, existing), created: existing === undefined };
  });
  return { ...stored(db, access, type, id), created };
}
