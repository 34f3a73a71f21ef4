/**
 * The registry's operations on single records: read, create, update by identifier and conditional update.
 * Each write runs in one transaction (a savepoint inside a `$batch` transaction) and checks everything before it
 * writes; a refusal (an ApiError) rolls all of it back.
 */
import { ApiError } from '../../contract/errors.js';
import type { components } from '../../contract/generated/types.js';
import type { Db } from '../store/db.js';
import { randomUUID } from 'node:crypto';
import { narrow, type Shape } from './elements.js';
import { formatIdentifier, formatReference, parseIdentifier, recordUrl, sameIdentifier, type IdentifierKey } from './identifiers.js';
import { KINDS } from './kinds/index.js';
import { accessEntry, type AccessOperation } from './store/access-log.js';
import { coveringConsent, type CoveringConsent } from './store/consent.js';
import { recordCacheOf, type RecordCache } from './store/record-cache.js';
import { checkIdentifiers, findRecordId, identifiersOf, primaryIdentifier, transact, versionOf, writeIdentifiers } from './store/records.js';
import type { Access, Identifier, InputOf, ResourceOf, ResourceType } from './types.js';

/** The identifier system of identifiers the registry assigns (only enrolments may be created without one). */
const GENERATED_SYSTEM: Readonly<Record<ResourceType, string>> = {
  Individual: 'urn:openspp:registry:individual',
  Group: 'urn:openspp:registry:group',
  Program: 'urn:openspp:program',
  ProgramMembership: 'urn:openspp:program-membership',
};

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

/** A record as a write returns it: the resource, where to read it, its ETag. */
export function stored<T extends ResourceType>(db: Db, access: Access, type: T, id: number, shape?: Shape): Stored<T> {
  const resource = narrow<ResourceOf[T]>(KINDS[type].render(db, id, access.today, shape), shape);
  return {
    resource,
    location: recordUrl(access.basePath, type, primaryIdentifier(db, type, id)),
    etag: `"${resource.meta.versionId}"`,
    lastModified: resource.meta.lastUpdated,
  };
}

/** The shape a consent leaves of what the client asked for: a `basic` consent shows the basic fields only. */
export function consentedShape(shape: Shape, consent: CoveringConsent | undefined): Shape {
  if (!consent) return shape;
  const { extensions, ...rest } = shape;
  return {
    ...rest,
    ...(consent.fieldAccess === 'basic' ? { basicOnly: true } : {}),
    ...(extensions !== undefined && consent.includeExtensions ? { extensions } : {}),
  };
}

/**
 * The record a client reads, by identifier: its row id, and for a consent-bound client (on every type but
 * Program) the consent that allows the read. For such a client an unknown identifier and a record without valid
 * consent take the same path — one lookup, one consent query — and give the same error. The read is recorded in
 * the access log. Every read of one record (and of what hangs off it: a Group's history, an Individual's
 * memberships) opens it here.
 */
export function openForRead(
  db: Db,
  access: Access,
  type: ResourceType,
  key: IdentifierKey,
  operation: AccessOperation = 'read',
  cache?: RecordCache,
): { id: number; consent?: CoveringConsent } {
  const id = cache ? cache.recordId(type, key, () => findRecordId(db, type, key)) : findRecordId(db, type, key);
  let consent: CoveringConsent | undefined;
  if (access.consentBound && type !== 'Program') {
    consent = coveringConsent(db, access, type, id);
    if (!consent) throw new ApiError('CONSENT_REQUIRED', CONSENT_REQUIRED_TEXT);
  } else if (id === undefined) {
    throw notFound(type, key);
  }
  access.logAccess?.([accessEntry(db, operation, type, id!)]);
  return { id: id!, ...(consent ? { consent } : {}) };
}

/** Reads a record (see openForRead for who may, and what is logged). */
export function readRecord<T extends ResourceType>(db: Db, access: Access, type: T, identifier: string, shape: Shape = {}): ReadResult<T> {
  return readRecordAs(db, access, type, identifier, shape, 'read');
}

/** `readRecord`, recorded in the access log as `operation` (a bulk export reads each record the same way). */
export function readRecordAs<T extends ResourceType>(
  db: Db,
  access: Access,
  type: T,
  identifier: string,
  shape: Shape,
  operation: AccessOperation,
): ReadResult<T> {
  const cache = recordCacheOf(db);
  cache.sync();
  const { id, consent } = openForRead(db, access, type, parseIdentifier(identifier), operation, cache);
  const seen = consentedShape(shape, consent);
  const record = cache.render(type, id, access.today, access.basePath, seen, () => stored(db, access, type, id, seen));
  return { ...record, consentStatus: consent ? 'active' : 'legal_basis' };
}

/** The identifiers a write stores: the body's, else the record's own, else the URL's, else (create) a new one. */
function identifiersFor(db: Db, type: ResourceType, input: InputOf[ResourceType], existing: number | undefined, named?: IdentifierKey): Identifier[] {
  if (input.identifier) return input.identifier;
  if (existing !== undefined) return identifiersOf(db, type, existing);
  return [named ?? { system: GENERATED_SYSTEM[type], value: randomUUID() }];
}

/** Checks, then writes a new record or a new version of `existing`. Must run inside a transaction. */
function write<T extends ResourceType>(db: Db, access: Access, type: T, input: InputOf[T], existing?: number, named?: IdentifierKey): number {
  const identifiers = identifiersFor(db, type, input, existing, named);
  checkIdentifiers(db, type, identifiers, existing);
  const kind = KINDS[type];
  const prepared = kind.prepare(db, input, existing, access.today);
  const version = existing === undefined ? 1 : versionOf(db, type, existing).version_id + 1;
  const id = kind.write(db, existing, prepared, { version_id: version, last_updated: access.now.toISOString(), source: access.source });
  writeIdentifiers(db, type, id, identifiers);
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
  if (!input.identifier || input.identifier.some((i) => sameIdentifier(i, key))) return;
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
  return reviseRecord(db, access, type, key, ifMatch, () => input);
}

/**
 * The write path of every change to an existing record (PUT, PATCH): in one transaction, find it (404 when there
 * is none), check `If-Match`, build the new input from the record as it stands (`revise`, given its row id) and
 * write it as the next version — the same checks and business rules as any write.
 */
export function reviseRecord<T extends ResourceType>(
  db: Db,
  access: Access,
  type: T,
  key: IdentifierKey,
  ifMatch: string | undefined,
  revise: (recordId: number) => InputOf[T],
): Stored<T> {
  const id = transact(db, () => {
    const existing = findRecordId(db, type, key);
    if (existing === undefined) throw notFound(type, key);
    checkVersion(db, type, existing, ifMatch);
    return write(db, access, type, revise(existing), existing);
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
    return { id: write(db, access, type, input, existing, key), created: existing === undefined };
  });
  return { ...stored(db, access, type, id), created };
}

export type MemberPatch = components['schemas']['GroupMemberPatch'];

/** A record as a client would send it back: every stored field (a Group's members by reference), no read-only ones. */
export function recordAsInput<T extends ResourceType>(db: Db, access: Access, type: T, id: number): InputOf[T] {
  const {
    meta: _meta,
    quantity: _quantity,
    groupMembership: _groups,
    ...rest
  } = KINDS[type].render(db, id, access.today, { extensions: '*' }) as Record<string, unknown>;
  return rest as unknown as InputOf[T];
}

const groupAsInput = (db: Db, access: Access, groupId: number) => recordAsInput(db, access, 'Group', groupId);

/**
 * Stores a new version of a stored Group after `edit` changed it as a client would (members by reference), through
 * the one write path — version, members, text index and membership history stay consistent. The member operations
 * (patchGroupMember, group-operations.ts) are built on it. Must run inside a transaction; returns the row id.
 */
export function rewriteGroup(db: Db, access: Access, groupId: number, edit: (input: InputOf['Group']) => void): number {
  const input = groupAsInput(db, access, groupId);
  edit(input);
  return write(db, access, 'Group', input, groupId);
}

/**
 * `PATCH /Group/{identifier}/member/{member}`: merges a patch into one member (role, period, inactive) and stores
 * a new version of the Group. 404 when the Group does not exist or the Individual is not one of its members.
 */
export function patchGroupMember(db: Db, access: Access, group: string, member: string, patch: MemberPatch, ifMatch?: string): Stored<'Group'> {
  const groupKey = parseIdentifier(group);
  const memberKey = parseIdentifier(member, 'member');
  const id = transact(db, () => {
    const groupId = findRecordId(db, 'Group', groupKey);
    if (groupId === undefined) throw notFound('Group', groupKey);
    checkVersion(db, 'Group', groupId, ifMatch);
    // Members are rendered by their first identifier; the URL may name the person by any of theirs.
    const individualId = findRecordId(db, 'Individual', memberKey);
    const reference = individualId === undefined ? undefined : formatReference('Individual', primaryIdentifier(db, 'Individual', individualId));
    let at = -1;
    try {
      return rewriteGroup(db, access, groupId, (input) => {
        const target = (input.member ?? []).find((m) => m.entity.reference === reference);
        if (!target) throw new ApiError('RESOURCE_NOT_FOUND', `${formatIdentifier(memberKey)} is not a member of the Group ${formatIdentifier(groupKey)}.`);
        for (const field of ['role', 'period'] as const) {
          if (patch[field] === null) delete target[field];
          else if (patch[field] !== undefined) (target as Record<string, unknown>)[field] = patch[field];
        }
        if (patch.inactive !== undefined) target.inactive = patch.inactive;
        at = (input.member ?? []).indexOf(target);
      });
    } catch (e) {
      // The member's own fields are what the patch changed: point errors about them at the patch.
      throw e instanceof ApiError && at >= 0 ? e.relocated((x) => x.replace(`member[${at}].`, '')) : e;
    }
  });
  return stored(db, access, 'Group', id);
}
