/**
 * The registry's operations of the route table: HTTP in, registry functions, HTTP out. Handlers return only
 * successes; a refusal is an ApiError thrown by the registry and rendered where every error is. Handlers are
 * synchronous (SQLite work), so that a `$batch` transaction can run them inside one database transaction.
 */
import type { OperationSpec } from '../../contract/operations.js';
import type { RouteTable } from '../../contract/route-table.js';
import type { ServerContext } from '../context.js';
import { processBatch, type BatchBundle } from './batch.js';
import { search } from './search/execute.js';
import { consentAccessSummary, consentHistory, consentReceipt, readConsent, revokeConsent } from './consents.js';
import { shapeOf } from './elements.js';
import { createRecord, patchGroupMember, readRecord, updateRecord, upsertRecord } from './service.js';
import { accessLogOf } from './store/access-log.js';
import type { Access, InputOf, ResourceOf, ResourceType } from './types.js';

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
  | 'processBatch'
  | 'patchGroupMember'
  | 'readConsent'
  | 'deleteConsent'
  | 'revokeConsent'
  | 'readConsentReceipt'
  | 'readConsentHistory'
  | 'readConsentAccessSummary';

/** What the registry needs to know about the caller (the auth layer has set the principal). */
export function accessOf(ctx: ServerContext): Access {
  const p = ctx.principal;
  if (!p) throw new Error('registry operation without an authenticated client');
  const now = ctx.now();
  const who = { clientRowId: p.clientRowId, organizationId: p.organizationId };
  return {
    organizationId: p.organizationId,
    consentBound: p.legalBasis === 'consent',
    logAccess: (entries) => accessLogOf(ctx.db).record(who, now, entries),
    now,
    today: now.toISOString().slice(0, 10),
    source: `urn:openspp:api-client:${p.clientId}`,
    basePath: ctx.basePath,
  };
}

/** X-Consent-Status where the contract declares it (every type but Program); X-Consent-Scope on consented reads. */
type ConsentHeader<T extends ResourceType> = T extends 'Program'
  ? Record<never, never>
  : { 'X-Consent-Status': 'active' | 'legal_basis'; 'X-Consent-Scope'?: 'individual' | 'group' | 'program_membership' };
const SCOPE = { Individual: 'individual', Group: 'group', ProgramMembership: 'program_membership' } as const;
const consentHeader = <T extends ResourceType>(type: T, status: 'active' | 'legal_basis', withScope = false) =>
  (type === 'Program'
    ? {}
    : {
        'X-Consent-Status': status,
        ...(withScope && status === 'active' ? { 'X-Consent-Scope': (SCOPE as Record<string, string>)[type] } : {}),
      }) as ConsentHeader<T>;

/**
 * The store keeps the enrolment statuses of both dialects (migration 105); the published model names five of
 * them. The deployed module's own are shown as their nearest published one.
 */
const PUBLISHED_STATUS: Readonly<Record<string, string>> = { draft: 'enrolled', not_eligible: 'exited', duplicated: 'exited' };

function published<T extends ResourceType>(type: T, resource: ResourceOf[T]): ResourceOf[T] {
  if (type !== 'ProgramMembership') return resource;
  const status = (resource as { status?: string }).status;
  return status && PUBLISHED_STATUS[status] ? { ...resource, status: PUBLISHED_STATUS[status] } : resource;
}

function searched<T extends ResourceType>(ctx: ServerContext, type: T, req: { op: OperationSpec; query: object }) {
  const access = accessOf(ctx);
  const found = search(ctx.db, access, { type, op: req.op, query: req.query as Record<string, unknown> });
  const body =
    type === 'ProgramMembership' ? { ...found, entry: found.entry?.map((e) => ({ ...e, resource: published(type, e.resource as ResourceOf[T]) })) } : found;
  return { status: 200 as const, body, headers: consentHeader(type, access.consentBound ? 'active' : 'legal_basis') };
}

function read<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, query: { _elements?: string; _extensions?: string }) {
  const r = readRecord(ctx.db, accessOf(ctx), type, identifier, shapeOf(query));
  return { status: 200 as const, body: published(type, r.resource), headers: { ETag: r.etag, ...consentHeader(type, r.consentStatus, true) } };
}

function created<T extends ResourceType>(ctx: ServerContext, type: T, body: unknown) {
  const r = createRecord(ctx.db, accessOf(ctx), type, body as InputOf[T]);
  return { status: 201 as const, body: published(type, r.resource), headers: { Location: r.location, ETag: r.etag } };
}

function updated<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, body: unknown, ifMatch: string | undefined) {
  const r = updateRecord(ctx.db, accessOf(ctx), type, identifier, body as InputOf[T], ifMatch);
  return { status: 200 as const, body: published(type, r.resource), headers: { ETag: r.etag } };
}

function upserted<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, body: unknown, ifMatch: string | undefined) {
  const { resource, etag, location, created } = upsertRecord(ctx.db, accessOf(ctx), type, identifier, body as InputOf[T], ifMatch);
  return created
    ? { status: 201 as const, body: published(type, resource), headers: { Location: location, ETag: etag } }
    : { status: 200 as const, body: published(type, resource), headers: { ETag: etag } };
}

export const registryHandlers: Pick<RouteTable<ServerContext>, RegistryOperation> = {
  searchIndividuals: (req, ctx) => searched(ctx, 'Individual', req),
  createIndividual: (req, ctx) => created(ctx, 'Individual', req.body),
  conditionalUpdateIndividual: (req, ctx) => upserted(ctx, 'Individual', req.query.identifier, req.body, req.headers['If-Match']),
  readIndividual: (req, ctx) => read(ctx, 'Individual', req.params.identifier, req.query),
  updateIndividual: (req, ctx) => updated(ctx, 'Individual', req.params.identifier, req.body, req.headers['If-Match']),

  searchGroups: (req, ctx) => searched(ctx, 'Group', req),
  createGroup: (req, ctx) => created(ctx, 'Group', req.body),
  conditionalUpdateGroup: (req, ctx) => upserted(ctx, 'Group', req.query.identifier, req.body, req.headers['If-Match']),
  readGroup: (req, ctx) => read(ctx, 'Group', req.params.identifier, req.query),
  updateGroup: (req, ctx) => updated(ctx, 'Group', req.params.identifier, req.body, req.headers['If-Match']),

  searchPrograms: (req, ctx) => searched(ctx, 'Program', req),
  createProgram: (req, ctx) => created(ctx, 'Program', req.body),
  conditionalUpdateProgram: (req, ctx) => upserted(ctx, 'Program', req.query.identifier, req.body, req.headers['If-Match']),
  readProgram: (req, ctx) => read(ctx, 'Program', req.params.identifier, req.query),
  updateProgram: (req, ctx) => updated(ctx, 'Program', req.params.identifier, req.body, req.headers['If-Match']),

  searchProgramMemberships: (req, ctx) => searched(ctx, 'ProgramMembership', req),
  createProgramMembership: (req, ctx) => created(ctx, 'ProgramMembership', req.body),
  conditionalUpdateProgramMembership: (req, ctx) => upserted(ctx, 'ProgramMembership', req.query.identifier, req.body, req.headers['If-Match']),
  readProgramMembership: (req, ctx) => read(ctx, 'ProgramMembership', req.params.identifier, req.query),
  updateProgramMembership: (req, ctx) => updated(ctx, 'ProgramMembership', req.params.identifier, req.body, req.headers['If-Match']),

  processBatch: (req, ctx) => processBatch(ctx, req.body as unknown as BatchBundle),

  patchGroupMember: (req, ctx) => {
    const r = patchGroupMember(ctx.db, accessOf(ctx), req.params.identifier, req.params.member, req.body, req.headers['If-Match']);
    return { status: 200, body: r.resource, headers: { ETag: r.etag } };
  },
  readConsent: (req, ctx) => ({ status: 200, body: readConsent(ctx.db, accessOf(ctx), req.params.consentId) }),
  revokeConsent: (req, ctx) => ({ status: 200, body: revokeConsent(ctx.db, accessOf(ctx), req.params.consentId, ctx.principal!.clientId, req.body?.reason) }),
  deleteConsent: (req, ctx) => ({ status: 200, body: revokeConsent(ctx.db, accessOf(ctx), req.params.consentId, ctx.principal!.clientId, req.query.reason) }),
  readConsentReceipt: (req, ctx) => ({ status: 200, body: consentReceipt(ctx.db, accessOf(ctx), req.params.consentId) }),
  readConsentHistory: (req, ctx) => ({ status: 200, body: consentHistory(ctx.db, accessOf(ctx), req.params.consentId) }),
  readConsentAccessSummary: (req, ctx) => ({
    status: 200,
    body: consentAccessSummary(ctx.db, accessOf(ctx), req.params.consentId, req.query.date_from, req.query.date_to),
  }),
};
