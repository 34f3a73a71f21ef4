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
  request: { method: 'GET' | 'POST' | 'PUT'; url: string; ifMatch?: string };
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

/** Runs one entry through the operation it names; refusals come back as ApiErrors pointing into the bundle. */
function runEntry(ctx: ServerContext, contract: Contract, entry: BatchEntry, at: string, placeholders: Map<string, string>): AnyHandlerResponse {
  const { op, call } = entryCall(contract, entry, at, placeholders);
  let result;
  try {
    result = ctx.invoke(op, call);
  } catch (e) {
    throw e instanceof ApiError ? relocate(e, op, at) : e;
  }
  // Inside a transaction every step must run before it commits: registry handlers are synchronous.
  if (result instanceof Promise) throw new Error(`${op.id} is asynchronous and cannot run inside $batch`);
  const written = (result.body as { resourceType?: string; identifier?: Array<{ system: string; value: string }> } | undefined) ?? {};
  const first = written.identifier?.[0];
  if (entry.fullUrl && first && written.resourceType) placeholders.set(entry.fullUrl, `${written.resourceType}/${first.system}|${first.value}`);
  return result;
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
  const placeholders = new Map<string, string>();
  const run = (e: BatchEntry, i: number) => runEntry(ctx, contract, e, `entry[${i}]`, placeholders);

  if (bundle.type === 'batch') {
    const entry = bundle.entry.map((e, i) => {
      try {
        return responseEntry(e, run(e, i));
      } catch (error) {
        if (error instanceof ApiError) return failedEntry(contract, e, error);
        throw error;
      }
    });
    return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry } };
  }
  let at = -1;
  let results: AnyHandlerResponse[];
  try {
    results = ctx.db.transaction(() => bundle.entry.map((e, i) => run(e, (at = i))))();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const failed = bundle.entry[at]!;
    throw new ApiError('TRANSACTION_FAILED', `Transaction failed at entry[${at}] (${failed.request.method} ${failed.request.url}): nothing was written.`, {
      expression: `entry[${at}]`,
      status: error.status ?? contract.errors[error.code].status ?? 500,
      more: [error],
    });
  }
  return { status: 200, body: { resourceType: 'Bundle', type: 'transaction-response', entry: bundle.entry.map((e, i) => responseEntry(e, results[i]!)) } };
}
