/**
 * `POST /$batch`: each entry is one API call written as data, routed to the contract operation its method and
 * URL name, checked like a single call would be (the scopes of that operation, its parameters against the
 * contract) and run by the same registry functions. `urn:uuid:` placeholders in references name records that
 * earlier entries of the bundle wrote.
 *
 * A `batch` runs every entry on its own. A `transaction` runs them all in one SQLite transaction and, at the
 * first failure, rolls everything back and reports that entry.
 */
import { STATUS_CODES } from 'node:http';
import { operationIndex, scopesAllow, type OperationSpec } from '../../contract/operations.js';
import { statusOf, type OperationOutcome } from '../../contract/outcome.js';
import { contractValidator, issueExpression } from '../../contract/validation.js';
import type { components } from '../../contract/generated/types.js';
import type { Db } from '../store/db.js';
import { formatReference } from './identifiers.js';
import { errorOutcome } from './outcomes.js';
import { search } from './search/execute.js';
import { createRecord, readRecord, updateRecord, upsertRecord } from './service.js';
import { isResourceType, registryError, type Access, type AnyInput, type RegistryError, type ResourceType, type Result } from './types.js';

/** The generated request types are unions of the schema's `anyOf` branches; this is the shape all of them share. */
type EntryRequest = Extract<components['schemas']['BatchRequestEntry'], { request: { url: string } }>['request'];
export interface BatchEntry {
  fullUrl?: string;
  request: EntryRequest;
  resource?: AnyInput;
}
export interface BatchBundle {
  resourceType: 'Bundle';
  type: 'batch' | 'transaction';
  entry: BatchEntry[];
}
export type BatchResponseBundle = components['schemas']['BatchResponseBundle'];
type ResponseEntry = BatchResponseBundle['entry'][number];

export type BatchResult =
  | { ok: true; body: BatchResponseBundle }
  /** A failed transaction: the failing entry's status and an outcome naming it. */
  | { ok: false; status: number; outcome: OperationOutcome };

interface Success {
  status: number;
  location?: string;
  etag?: string;
  lastModified?: string;
  resource?: ResponseEntry['resource'];
  /** `Type/{system}|{value}` of the record the entry wrote or read, for placeholders. */
  reference?: string;
}

/** An entry that failed, with its error relocated into the bundle (`entry[2].resource.identifier[0]`). */
interface Failure {
  error: RegistryError;
}

const statusLine = (status: number) => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

/** The operation of the contract that `method` and the URL's shape name (`Type`, `Type/{id}`, `Type?...`). */
function operationFor(method: string, type: ResourceType, hasPath: boolean): OperationSpec | undefined {
  const template = hasPath ? `/${type}/{identifier}` : `/${type}`;
  return [...operationIndex.values()].find((op) => op.method === method && op.pathTemplate === template);
}

/** Replaces `urn:uuid:` references that earlier entries defined; others are left for the reference check. */
export function resolvePlaceholders<T>(value: T, placeholders: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) return value.map((v) => resolvePlaceholders(v, placeholders)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' && placeholders.has(v) ? placeholders.get(v) : resolvePlaceholders(v, placeholders);
  }
  return out as T;
}

/** Points an entry's error expressions into the bundle; errors about no field (404, 403, 409) stay without one. */
function relocate(error: RegistryError, prefix: string, where: 'resource' | 'url'): RegistryError {
  if (!error.expression) return error;
  const expression = where === 'resource' ? error.expression.map((e) => `${prefix}.resource.${e}`) : [`${prefix}.request.url`];
  return { ...error, expression };
}

const failure = (code: RegistryError['code'], text: string, expression: string): Failure => ({ error: registryError(code, text, expression) });

/** An entry turned into the call it stands for. */
interface Call {
  op: OperationSpec;
  type: ResourceType;
  action: 'search' | 'read' | 'create' | 'update' | 'upsert';
  identifier?: string;
  query: Record<string, unknown>;
  /** The entry's ifMatch in header form (`"3"`, `W/"3"`). */
  ifMatch?: string;
}

/**
 * Routes an entry to its operation (`Type` / `Type/{id}` / `Type?...` with the method) and checks it as the API
 * would check the call itself: the token's scopes for that operation, then its parameters against the contract.
 */
function route(entry: BatchEntry, at: string, scopes: ReadonlySet<string>): Call | Failure {
  const { method, url, ifMatch } = entry.request;
  const m = /^([A-Za-z]+)(?:\/([^?]*)|\?(.*))?$/.exec(url);
  const type = m?.[1] ?? '';
  const [path, search] = [m?.[2], m?.[3]];
  const action = method === 'GET' ? (path === undefined ? 'search' : 'read') : method === 'POST' ? 'create' : path !== undefined ? 'update' : 'upsert';
  const op = m && isResourceType(type) ? operationFor(method, type, path !== undefined) : undefined;
  if (!op || !isResourceType(type) || (action === 'create' && search !== undefined) || (action === 'upsert' && search === undefined)) {
    return failure('MALFORMED_REQUEST', `${at}: ${method} ${url} names no operation.`, `${at}.request.url`);
  }
  if (!scopesAllow(op, scopes)) {
    const required = op.security.map((alt) => alt.join(' + ')).join(' or ');
    return failure('SCOPE_INSUFFICIENT', `${at} (${method} ${url}) requires scope: ${required}. Granted: ${[...scopes].sort().join(', ') || '(none)'}`, at);
  }
  let identifier: string | undefined;
  try {
    identifier = path === undefined ? undefined : decodeURIComponent(path);
  } catch {
    return failure('MALFORMED_REQUEST', `${at}: the identifier in ${url} is not validly percent-encoded.`, `${at}.request.url`);
  }
  const header = ifMatch?.replace(/^(W\/)?"?([^"]*)"?$/, '$1"$2"');
  const params = contractValidator.validateParameters(op, {
    path: identifier === undefined ? {} : { identifier },
    query: new URLSearchParams(search ?? ''),
    headers: new Headers(header ? { 'If-Match': header } : {}),
  });
  if (!params.ok) {
    const code = (params.issues[0]?.errorCode as RegistryError['code'] | undefined) ?? 'MALFORMED_REQUEST';
    const expression = params.issues.some((i) => i.in === 'header') ? `${at}.request.ifMatch` : `${at}.request.url`;
    return failure(code, `${at}: ${params.issues.map((i) => i.message).join(' ')}`, expression);
  }
  return { op, type, action, query: params.value.query, ...(identifier !== undefined ? { identifier } : {}), ...(header ? { ifMatch: header } : {}) };
}

/** Runs a routed entry through the registry functions the single calls use. */
function execute(db: Db, access: Access, call: Call, entry: BatchEntry, at: string, placeholders: ReadonlyMap<string, string>): Success | Failure {
  const { type, action, identifier, query, ifMatch } = call;
  if (action === 'search') {
    const found = search(db, access, { type, op: call.op, query });
    return found.ok ? { status: 200, resource: found.value } : { error: relocate(found.error, at, 'url') };
  }
  if (action === 'read') {
    const read = readRecord(db, access, type, identifier!, query._elements as string | undefined);
    if (!read.ok) return { error: relocate(read.error, at, 'url') };
    const { resource, etag, lastModified } = read.value;
    return { status: 200, etag, lastModified, resource, reference: referenceOf(type, resource) };
  }
  const issues = contractValidator.validateBody(call.op, 'application/json', entry.resource);
  if (issues.length) {
    const expressions = [...new Set(issues.map(issueExpression))].map((e) => (e ? `${at}.resource.${e}` : `${at}.resource`));
    return { error: registryError('VALIDATION_ERROR', issues.map((i) => i.message).join(' '), expressions) };
  }
  const input = resolvePlaceholders(entry.resource, placeholders) as never;
  const result =
    action === 'create'
      ? withStatus(createRecord(db, access, type, input), () => 201)
      : action === 'upsert'
        ? withStatus(upsertRecord(db, access, type, String(query.identifier), input, ifMatch), (v) => (v.created ? 201 : 200))
        : withStatus(updateRecord(db, access, type, identifier!, input, ifMatch), () => 200);
  if (!result.ok) return { error: relocate(result.error, at, 'resource') };
  const { status, resource, location, etag, lastModified } = result.value;
  return { status, location, etag, lastModified, resource, reference: referenceOf(type, resource) };
}

function runEntry(
  db: Db,
  access: Access,
  scopes: ReadonlySet<string>,
  entry: BatchEntry,
  index: number,
  placeholders: ReadonlyMap<string, string>,
): Success | Failure {
  const at = `entry[${index}]`;
  const call = route(entry, at, scopes);
  return 'error' in call ? call : execute(db, access, call, entry, at, placeholders);
}

function withStatus<T extends { resource: object }>(r: Result<T>, status: (value: T) => number): Result<T & { status: number }> {
  return r.ok ? { ok: true, value: { ...r.value, status: status(r.value) } } : r;
}

function referenceOf(type: ResourceType, resource: unknown): string | undefined {
  const first = (resource as { identifier?: Array<{ system: string; value: string }> }).identifier?.[0];
  return first ? formatReference(type, first) : undefined;
}

const isFailure = (r: Success | Failure): r is Failure => 'error' in r;

function responseEntry(entry: BatchEntry, r: Success | Failure): ResponseEntry {
  const fullUrl = entry.fullUrl ? { fullUrl: entry.fullUrl } : {};
  if (isFailure(r)) return { ...fullUrl, response: { status: statusLine(statusOf(r.error.code)), outcome: errorOutcome(r.error) } };
  const response = {
    status: statusLine(r.status),
    ...(r.location ? { location: r.location } : {}),
    ...(r.etag ? { etag: r.etag } : {}),
    ...(r.lastModified ? { lastModified: r.lastModified } : {}),
  };
  return { ...fullUrl, response, ...(r.resource ? { resource: r.resource } : {}) };
}

/** Fails before anything runs when two entries claim the same placeholder. */
function duplicatePlaceholder(bundle: BatchBundle): RegistryError | undefined {
  const seen = new Map<string, number>();
  for (const [i, e] of bundle.entry.entries()) {
    if (!e.fullUrl) continue;
    const first = seen.get(e.fullUrl);
    if (first !== undefined)
      return registryError('VALIDATION_ERROR', `entry[${i}].fullUrl repeats entry[${first}].fullUrl (${e.fullUrl}).`, `entry[${i}].fullUrl`);
    seen.set(e.fullUrl, i);
  }
  return undefined;
}

class EntryFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: RegistryError,
  ) {
    super(error.text);
  }
}

export function processBatch(db: Db, access: Access, scopes: ReadonlySet<string>, bundle: BatchBundle): BatchResult {
  const invalid = duplicatePlaceholder(bundle);
  if (invalid) return { ok: false, status: statusOf(invalid.code), outcome: errorOutcome(invalid) };
  const placeholders = new Map<string, string>();
  const run = (entry: BatchEntry, i: number) => {
    const r = runEntry(db, access, scopes, entry, i, placeholders);
    if (!isFailure(r) && entry.fullUrl && r.reference) placeholders.set(entry.fullUrl, r.reference);
    return r;
  };

  if (bundle.type === 'batch') {
    const entry = bundle.entry.map((e, i) => responseEntry(e, run(e, i)));
    return { ok: true, body: { resourceType: 'Bundle', type: 'batch-response', entry } };
  }
  try {
    const results = db.transaction(() =>
      bundle.entry.map((e, i) => {
        const r = run(e, i);
        if (isFailure(r)) throw new EntryFailed(i, r.error);
        return r;
      }),
    )();
    const entry = bundle.entry.map((e, i) => responseEntry(e, results[i]!));
    return { ok: true, body: { resourceType: 'Bundle', type: 'transaction-response', entry } };
  } catch (e) {
    if (!(e instanceof EntryFailed)) throw e;
    const failed = bundle.entry[e.index]!;
    const at = `entry[${e.index}]`;
    const outcome = errorOutcome(
      registryError('TRANSACTION_FAILED', `Transaction failed at ${at} (${failed.request.method} ${failed.request.url}): nothing was written.`, at),
      e.error,
    );
    return { ok: false, status: statusOf(e.error.code), outcome };
  }
}
