/**
 * The registry's operations of the route table: HTTP in, registry functions, HTTP out. Each handler names the
 * error statuses it may answer with; a registry error outside them is a bug and becomes a 500, never an
 * undeclared response.
 */
import { getOperation, type OperationId } from '../../contract/operations.js';
import { statusOf, type OperationOutcome } from '../../contract/outcome.js';
import type { RouteTable } from '../../contract/route-table.js';
import type { ServerContext } from '../context.js';
import { processBatch, type BatchBundle } from './batch.js';
import { errorOutcome } from './outcomes.js';
import { search } from './search/execute.js';
import { createRecord, readRecord, updateRecord, upsertRecord } from './service.js';
import type { Access, InputOf, RegistryError, ResourceType } from './types.js';

export type RegistryOperation =
  | 'searchIndividuals'
  | 'createIndividual'
  | 'conditionalUpdateIndividual'
  | 'readIndividual'
  | 'updateIndividual'
  | 'searchGroups'
  | 'createGroup'
  | 'conditionalUpdateGroup'
  | 'readGroup'
  | 'updateGroup'
  | 'searchPrograms'
  | 'createProgram'
  | 'conditionalUpdateProgram'
  | 'readProgram'
  | 'updateProgram'
  | 'searchProgramMemberships'
  | 'createProgramMembership'
  | 'conditionalUpdateProgramMembership'
  | 'readProgramMembership'
  | 'updateProgramMembership'
  | 'processBatch';

/** What the registry needs to know about the caller (the auth layer has set the principal). */
export function accessOf(ctx: ServerContext): Access {
  const p = ctx.principal;
  if (!p) throw new Error('registry operation without an authenticated client');
  const now = ctx.now();
  return {
    organizationId: p.organizationId,
    consentBound: p.legalBasis === 'consent',
    now,
    today: now.toISOString().slice(0, 10),
    source: `urn:openspp:api-client:${p.clientId}`,
    basePath: ctx.basePath,
  };
}

type ErrorStatus = 400 | 403 | 404 | 409 | 422;

function failed<S extends ErrorStatus>(error: RegistryError, allowed: readonly S[]): { status: S; body: OperationOutcome } {
  const status = statusOf(error.code);
  if (!(allowed as readonly number[]).includes(status)) throw new Error(`${error.code} (${status}) is not a declared answer here: ${error.text}`);
  return { status: status as S, body: errorOutcome(error) };
}

/** X-Consent-Status where the contract declares it: every type but Program. */
type ConsentHeader<T extends ResourceType> = T extends 'Program' ? Record<never, never> : { 'X-Consent-Status': 'active' | 'legal_basis' };
const consentHeader = <T extends ResourceType>(type: T, status: 'active' | 'legal_basis') =>
  (type === 'Program' ? {} : { 'X-Consent-Status': status }) as ConsentHeader<T>;

function searched<T extends ResourceType>(ctx: ServerContext, type: T, opId: OperationId, query: object) {
  const access = accessOf(ctx);
  const r = search(ctx.db, access, { type, op: getOperation(opId), query: query as Record<string, unknown> });
  if (!r.ok) return failed(r.error, [400] as const);
  return { status: 200 as const, body: r.value, headers: consentHeader(type, access.consentBound ? 'active' : 'legal_basis') };
}

function read<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, elements: string | undefined) {
  const r = readRecord(ctx.db, accessOf(ctx), type, identifier, elements);
  if (!r.ok) return failed(r.error, [403, 404, 422] as const);
  return { status: 200 as const, body: r.value.resource, headers: { ETag: r.value.etag, ...consentHeader(type, r.value.consentStatus) } };
}

function created<T extends ResourceType>(ctx: ServerContext, type: T, body: unknown) {
  const r = createRecord(ctx.db, accessOf(ctx), type, body as InputOf[T]);
  if (!r.ok) return failed(r.error, [422] as const);
  return { status: 201 as const, body: r.value.resource, headers: { Location: r.value.location, ETag: r.value.etag } };
}

function updated<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, body: unknown, ifMatch: string | undefined) {
  const r = updateRecord(ctx.db, accessOf(ctx), type, identifier, body as InputOf[T], ifMatch);
  if (!r.ok) return failed(r.error, [404, 409, 422] as const);
  return { status: 200 as const, body: r.value.resource, headers: { ETag: r.value.etag } };
}

function upserted<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, body: unknown, ifMatch: string | undefined) {
  const r = upsertRecord(ctx.db, accessOf(ctx), type, identifier, body as InputOf[T], ifMatch);
  if (!r.ok) return failed(r.error, [409, 422] as const);
  const { resource, etag, location } = r.value;
  return r.value.created
    ? { status: 201 as const, body: resource, headers: { Location: location, ETag: etag } }
    : { status: 200 as const, body: resource, headers: { ETag: etag } };
}

export const registryHandlers: Pick<RouteTable<ServerContext>, RegistryOperation> = {
  searchIndividuals: async (req, ctx) => searched(ctx, 'Individual', 'searchIndividuals', req.query),
  createIndividual: async (req, ctx) => created(ctx, 'Individual', req.body),
  conditionalUpdateIndividual: async (req, ctx) => upserted(ctx, 'Individual', req.query.identifier, req.body, req.headers['If-Match']),
  readIndividual: async (req, ctx) => read(ctx, 'Individual', req.params.identifier, req.query._elements),
  updateIndividual: async (req, ctx) => updated(ctx, 'Individual', req.params.identifier, req.body, req.headers['If-Match']),

  searchGroups: async (req, ctx) => searched(ctx, 'Group', 'searchGroups', req.query),
  createGroup: async (req, ctx) => created(ctx, 'Group', req.body),
  conditionalUpdateGroup: async (req, ctx) => upserted(ctx, 'Group', req.query.identifier, req.body, req.headers['If-Match']),
  readGroup: async (req, ctx) => read(ctx, 'Group', req.params.identifier, req.query._elements),
  updateGroup: async (req, ctx) => updated(ctx, 'Group', req.params.identifier, req.body, req.headers['If-Match']),

  searchPrograms: async (req, ctx) => searched(ctx, 'Program', 'searchPrograms', req.query),
  createProgram: async (req, ctx) => created(ctx, 'Program', req.body),
  conditionalUpdateProgram: async (req, ctx) => upserted(ctx, 'Program', req.query.identifier, req.body, req.headers['If-Match']),
  readProgram: async (req, ctx) => read(ctx, 'Program', req.params.identifier, req.query._elements),
  updateProgram: async (req, ctx) => updated(ctx, 'Program', req.params.identifier, req.body, req.headers['If-Match']),

  searchProgramMemberships: async (req, ctx) => searched(ctx, 'ProgramMembership', 'searchProgramMemberships', req.query),
  createProgramMembership: async (req, ctx) => created(ctx, 'ProgramMembership', req.body),
  conditionalUpdateProgramMembership: async (req, ctx) => upserted(ctx, 'ProgramMembership', req.query.identifier, req.body, req.headers['If-Match']),
  readProgramMembership: async (req, ctx) => read(ctx, 'ProgramMembership', req.params.identifier, req.query._elements),
  updateProgramMembership: async (req, ctx) => updated(ctx, 'ProgramMembership', req.params.identifier, req.body, req.headers['If-Match']),

  processBatch: async (req, ctx) => {
    const r = processBatch(ctx.db, accessOf(ctx), ctx.principal?.scopes ?? new Set(), req.body as unknown as BatchBundle);
    if (r.ok) return { status: 200, body: r.body };
    const allowed = [400, 403, 404, 409, 422] as const;
    if (!(allowed as readonly number[]).includes(r.status)) throw new Error(`a failed transaction cannot answer ${r.status}`);
    return { status: r.status as (typeof allowed)[number], body: r.outcome };
  },
};
