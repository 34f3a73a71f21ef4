/**
 * `POST /$batch` as the deployed module answers it. The entries run through the engine's bundle runner
 * (registry/batch.ts: each entry is the deployed operation its method and URL name, called through the same
 * steps as a request of its own), plus the module's one entry that is no operation: `DELETE {Type}/{id}`, which
 * deactivates the record. Answers in the module's form: status lines, OperationOutcomes as failed entries'
 * resources, a rolled-back transaction as 422 `{"detail": OperationOutcome}`.
 */
import { STATUS_CODES } from 'node:http';
import { deployedContract } from '../../../contract/contract.js';
import { ApiError } from '../../../contract/errors.js';
import type { components as Deployed } from '../../../contract/generated/deployed-types.js';
import type { AnyHandlerResponse } from '../../../contract/invoke.js';
import type { ServerContext } from '../../context.js';
import { runBundle, runEntry, TransactionRolledBack, type BatchEntry, type EntryRunner } from '../../registry/batch.js';
import { accessOf } from '../../registry/handlers.js';
import { patchRecord } from '../../registry/patch.js';
import { statusOf } from '../../../contract/render.js';

type Wire = Deployed['schemas'];
type Outcome = Wire['OperationOutcome'];

const statusLine = (status: number) => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

/** The FHIR issue type of a refusal, as the module names them (conflicts, bad input, and the rest). */
function issueCode(status: number): string {
  if (status === 409) return 'conflict';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  return status >= 500 ? 'exception' : 'invalid';
}

function outcome(status: number, diagnostics: string): Outcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: status >= 500 ? 'fatal' : 'error', code: issueCode(status), diagnostics }] };
}

/**
 * `DELETE Individual/{system}|{value}` (or Group): sets `active` to false — no operation of the contract, so it
 * checks its scope (`{type}:delete`, or `:all`) itself.
 */
function deactivate(ctx: ServerContext, entry: BatchEntry, at: string): AnyHandlerResponse {
  const m = /^\/?(Individual|Group)\/(.+)$/.exec(entry.request.url);
  if (!m) throw new ApiError('MALFORMED_REQUEST', `${at}: DELETE works on Individual/{system}|{value} or Group/{system}|{value} only.`);
  const type = m[1] as 'Individual' | 'Group';
  const resource = type.toLowerCase();
  const scopes = ctx.principal!.scopes;
  if (!scopes.has(`${resource}:delete`) && !scopes.has(`${resource}:all`)) {
    throw new ApiError('SCOPE_INSUFFICIENT', `Missing required scope '${resource}:delete'.`, { params: { scope: `${resource}:delete` } });
  }
  patchRecord(ctx.db, accessOf(ctx), type, decodeURIComponent(m[2]!), { active: false });
  return { status: 204 };
}

function answered(entry: BatchEntry, r: AnyHandlerResponse): Wire['BatchResponseBundle']['entry'][number] {
  const body = r.body as { meta?: { versionId?: string } } | undefined;
  const location = r.headers?.Location;
  return {
    fullUrl: entry.fullUrl ?? null,
    request: null,
    search: null,
    response: {
      status: statusLine(r.status),
      location: location === undefined ? null : String(location),
      etag: body?.meta?.versionId ?? null,
    },
    resource: (body ?? null) as Wire['BatchResponseBundle']['entry'][number]['resource'],
  };
}

function failed(entry: BatchEntry, error: ApiError): Wire['BatchResponseBundle']['entry'][number] {
  const status = statusOf(deployedContract, error);
  return { fullUrl: entry.fullUrl ?? null, response: { status: statusLine(status) }, resource: outcome(status, error.message) };
}

export function deployedBatch(ctx: ServerContext, bundle: Wire['BatchBundle']) {
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw new ApiError('MALFORMED_REQUEST', `Invalid bundle type: ${bundle.type}. Must be 'transaction' or 'batch'.`);
  }
  const entries = (bundle.entry ?? []) as BatchEntry[];
  if (entries.length === 0) throw new ApiError('MALFORMED_REQUEST', 'Bundle must contain at least one entry');
  for (const [i, e] of entries.entries()) {
    if (!e.request) throw new ApiError('MALFORMED_REQUEST', `entry[${i}] has no request (method and url).`);
  }
  const run: EntryRunner = (e, at, placeholders) =>
    e.request.method === 'DELETE' ? deactivate(ctx, e, at) : runEntry(ctx, deployedContract, e, at, placeholders);
  let outcomes: Array<AnyHandlerResponse | ApiError>;
  try {
    outcomes = runBundle(ctx, bundle.type, entries, run);
  } catch (e) {
    if (!(e instanceof TransactionRolledBack)) throw e;
    const at = entries[e.at]!;
    const diagnostics = `Transaction failed at entry ${e.at} (${at.fullUrl ?? 'unknown'}): ${e.error.message}`;
    return { status: 422 as const, body: { detail: outcome(422, diagnostics) } };
  }
  const entry = outcomes.map((o, i) => (o instanceof ApiError ? failed(entries[i]!, o) : answered(entries[i]!, o)));
  return {
    status: 200 as const,
    body: {
      resourceType: 'Bundle' as const,
      type: bundle.type === 'batch' ? ('batch-response' as const) : ('transaction-response' as const),
      total: null,
      link: null,
      entry,
    },
  };
}
