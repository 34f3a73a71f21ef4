/**
 * `POST /$batch`: each entry is one API call written as data. Its method and URL are matched against the
 * contract to the operation they name, and the call is made through `ctx.invoke` — the very steps a request of
 * its own takes: that operation's scopes, its parameter and body validation, its handler. `urn:uuid:`
 * placeholders in references name records that earlier entries of the bundle wrote.
 *
 * A `batch` runs every entry on its own: a refused entry gets its own status and OperationOutcome, the others
 * go on. A `transaction` runs them all in one SQLite transaction and, at the first refusal, rolls everything
 * back and answers with that entry's status, naming it.
 */
import { STATUS_CODES } from 'node:http';
import { publishedContract, type Contract } from '../../contract/contract.js';
import { ApiError, operationOutcome } from '../../contract/errors.js';
import type { components } from '../../contract/generated/types.js';
import type { AnyHandlerResponse, OperationCall } from '../../contract/invoke.js';
import type { OperationSpec } from '../../contract/operations.js';
import type { ServerContext } from '../context.js';

export interface BatchEntry {
  fullUrl?: string;
  request: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; ifMatch?: string };
  resource?: Record<string, unknown>;
}
export interface BatchBundle {
  resourceType: 'Bundle';
  type: 'batch' | 'transaction';
  entry: BatchEntry[];
}
export type BatchResponseBundle = components['schemas']['BatchResponseBundle'];
type ResponseEntry = BatchResponseBundle['entry'][number];

const statusLine = (status: number) => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

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

/** The operation an entry names and the call it stands for, as an HTTP request to that URL would be. */
function entryCall(contract: Contract, entry: BatchEntry, at: string, placeholders: ReadonlyMap<string, string>): { op: OperationSpec; call: OperationCall } {
  const { method, url, ifMatch } = entry.request;
  const q = url.indexOf('?');
  const match = contract.match(method, `${contract.basePath}/${q < 0 ? url : url.slice(0, q)}`);
  if (!match || 'allowed' in match) throw new ApiError('MALFORMED_REQUEST', `${at}: ${method} ${url} names no operation.`, { expression: `${at}.request.url` });
  if (!match.op.requestBody && entry.resource !== undefined) {
    throw new ApiError('MALFORMED_REQUEST', `${at}: ${method} ${url} takes no resource.`, { expression: `${at}.resource` });
  }
  // `3` and `"3"` both name version 3, as the header form would.
  const headers = new Headers(ifMatch ? { 'If-Match': ifMatch.replace(/^(W\/)?"?([^"]*)"?$/, '$1"$2"') } : {});
  const body = entry.resource === undefined ? undefined : { mediaType: 'application/json', value: resolvePlaceholders(entry.resource, placeholders) };
  return { op: match.op, call: { path: match.params, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), headers, body } };
}

/** Points an entry's error into the bundle: parameters at its request, body fields at its resource. */
function relocate(error: ApiError, op: OperationSpec, at: string): ApiError {
  const inBody = error.target === 'body' || (error.target === undefined && op.requestBody !== undefined);
  return error.relocated((e) => (inBody ? `${at}.resource.${e}` : e === 'If-Match' ? `${at}.request.ifMatch` : `${at}.request.url`));
}

/** Runs one entry (`at` names it: `entry[2]`), remembering the record it wrote under its placeholder. */
export type EntryRunner = (entry: BatchEntry, at: string, placeholders: Map<string, string>) => AnyHandlerResponse;

/** Runs one entry through the operation it names; refusals come back as ApiErrors pointing into the bundle. */
export function runEntry(ctx: ServerContext, contract: Contract, entry: BatchEntry, at: string, placeholders: Map<string, string>): AnyHandlerResponse {
  const { op, call } = entryCall(contract, entry, at, placeholders);
  let result;
  try {
    result = ctx.invoke(op, call);
  } catch (e) {
    throw e instanceof ApiError ? relocate(e, op, at) : e;
  }
  // Inside a transaction every step must run before it commits: registry handlers are synchronous.
  if (result instanceof Promise) throw new Error(`${op.id} is asynchronous and cannot run inside $batch`);
  const written = (result.body as { resourceType?: string; type?: string; identifier?: Array<{ system: string; value: string }> } | undefined) ?? {};
  const first = written.identifier?.[0];
  // The published model names the resource in `resourceType`, the deployed one in `type`.
  const type = written.resourceType ?? written.type;
  if (entry.fullUrl && first && type) placeholders.set(entry.fullUrl, `${type}/${first.system}|${first.value}`);
  return result;
}

/** A transaction that was rolled back: the entry that failed and why. */
export class TransactionRolledBack extends Error {
  constructor(
    readonly at: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

/**
 * Runs a bundle's entries: a `batch` each on its own (a refusal is that entry's outcome), a `transaction` all in
 * one SQLite transaction (the first refusal rolls everything back and throws TransactionRolledBack).
 */
export function runBundle(
  ctx: ServerContext,
  type: 'batch' | 'transaction',
  entries: readonly BatchEntry[],
  run: EntryRunner,
): Array<AnyHandlerResponse | ApiError> {
  const placeholders = new Map<string, string>();
  if (type === 'batch') {
    return entries.map((e, i) => {
      try {
        return run(e, `entry[${i}]`, placeholders);
      } catch (error) {
        if (error instanceof ApiError) return error;
        throw error;
      }
    });
  }
  let at = -1;
  try {
    return ctx.db.transaction(() => entries.map((e, i) => run(e, `entry[${(at = i)}]`, placeholders)))();
  } catch (error) {
    throw error instanceof ApiError ? new TransactionRolledBack(at, error) : error;
  }
}

function responseEntry(entry: BatchEntry, r: AnyHandlerResponse): ResponseEntry {
  const headers = r.headers ?? {};
  const lastModified = (r.body as { meta?: { lastUpdated?: string } } | undefined)?.meta?.lastUpdated;
  const response = {
    status: statusLine(r.status),
    ...(headers.Location !== undefined ? { location: String(headers.Location) } : {}),
    ...(headers.ETag !== undefined ? { etag: String(headers.ETag) } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
  return { ...(entry.fullUrl ? { fullUrl: entry.fullUrl } : {}), response, ...(r.body !== undefined ? { resource: r.body as ResponseEntry['resource'] } : {}) };
}

function failedEntry(contract: Contract, entry: BatchEntry, error: ApiError): ResponseEntry {
  const status = error.status ?? contract.errors[error.code].status ?? 500;
  return { ...(entry.fullUrl ? { fullUrl: entry.fullUrl } : {}), response: { status: statusLine(status), outcome: operationOutcome(contract.errors, error) } };
}

/** Refuses a bundle in which two entries claim the same placeholder, before anything runs. */
function checkPlaceholders(bundle: BatchBundle): void {
  const seen = new Map<string, number>();
  for (const [i, e] of bundle.entry.entries()) {
    if (!e.fullUrl) continue;
    const first = seen.get(e.fullUrl);
    if (first !== undefined)
      throw new ApiError('VALIDATION_ERROR', `entry[${i}].fullUrl repeats entry[${first}].fullUrl (${e.fullUrl}).`, { expression: `entry[${i}].fullUrl` });
    seen.set(e.fullUrl, i);
  }
}

export function processBatch(ctx: ServerContext, bundle: BatchBundle, contract: Contract = publishedContract): { status: 200; body: BatchResponseBundle } {
  checkPlaceholders(bundle);
  const run: EntryRunner = (e, at, placeholders) => runEntry(ctx, contract, e, at, placeholders);
  let outcomes: Array<AnyHandlerResponse | ApiError>;
  try {
    outcomes = runBundle(ctx, bundle.type, bundle.entry, run);
  } catch (e) {
    if (!(e instanceof TransactionRolledBack)) throw e;
    const failed = bundle.entry[e.at]!;
    throw new ApiError('TRANSACTION_FAILED', `Transaction failed at entry[${e.at}] (${failed.request.method} ${failed.request.url}): nothing was written.`, {
      expression: `entry[${e.at}]`,
      status: e.error.status ?? contract.errors[e.error.code].status ?? 500,
      more: [e.error],
    });
  }
  const entry = outcomes.map((o, i) => (o instanceof ApiError ? failedEntry(contract, bundle.entry[i]!, o) : responseEntry(bundle.entry[i]!, o)));
  return { status: 200, body: { resourceType: 'Bundle', type: bundle.type === 'batch' ? 'batch-response' : 'transaction-response', entry } };
}
