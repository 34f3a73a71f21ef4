/**
 * The deployed dialect's registry operations: HTTP in the module's words, the engine's functions, HTTP out in
 * the module's words (wire.ts). Every rule — identifiers, references, consent, versions, business rules — is the
 * engine's; what is here is only how the deployed module names, addresses and answers things. Handlers are
 * synchronous, so that `$batch` runs them inside one transaction.
 */
import { ApiError } from '../../../contract/errors.js';
import type { components as Deployed } from '../../../contract/generated/deployed-types.js';
import type { DeployedRouteTable } from '../../../contract/route-table.js';
import type { ServerContext } from '../../context.js';
import { bulkExport } from '../../registry/bulk-export.js';
import { consentAccessSummary, consentHistory, consentReceipt, readConsent, revokeConsent } from '../../registry/consents.js';
import { shapeOf } from '../../registry/elements.js';
import { alreadyEnrolled, enrolmentIdentifier } from '../../registry/enrolments.js';
import { advancedSearch, filterMetadata } from '../../registry/filters/search.js';
import type { AdvancedSearchRequest } from '../../registry/filters/types.js';
import {
  addGroupMember,
  groupsOfIndividual,
  membershipHistory,
  mergeGroups,
  removeGroupMember,
  splitGroup,
  updateGroupMember,
  type Membership,
} from '../../registry/group-operations.js';
import { accessOf } from '../../registry/handlers.js';
import { parseIdentifier } from '../../registry/identifiers.js';
import { patchRecord } from '../../registry/patch.js';
import { createRecord, readRecord, recordAsInput, updateRecord } from '../../registry/service.js';
import { findRecordId } from '../../registry/store/records.js';
import type { Identifier, InputOf, ResourceType } from '../../registry/types.js';
import { deployedBatch } from './batch.js';
import { deployedSearch } from './search.js';
import { elementsIn, groupFields, groupInput, individualInput, membershipInput, toWire } from './wire.js';

type Wire = Deployed['schemas'];
type Query = { _elements?: string; _extensions?: string };
type Handlers = Omit<DeployedRouteTable<ServerContext>, 'issueToken' | 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs'>;

const SCOPE_OF = { Individual: 'individual', Group: 'group', ProgramMembership: 'program_membership' } as const;

/** The module's Location: the first identifier, not percent-encoded. */
const locationOf = (ctx: ServerContext, type: ResourceType, id: Identifier) => `${ctx.basePath}/${type}/${id.system}|${id.value}`;

/** The module compares If-Match literally: a weak tag never matches (a version no record has stands for it). */
const ifMatchOf = (value: string | undefined) => (value?.trim().startsWith('W/') ? '"0"' : value);

const shape = (type: ResourceType, q: Query) => shapeOf({ _elements: elementsIn(type, q._elements), _extensions: q._extensions });

function read<T extends ResourceType>(ctx: ServerContext, type: T, identifier: string, q: Query) {
  const access = accessOf(ctx);
  const r = readRecord(ctx.db, access, type, identifier, shape(type, q));
  const scope = (SCOPE_OF as Record<string, string>)[type];
  const consent = type === 'Program' ? {} : { 'X-Consent-Status': r.consentStatus, ...(r.consentStatus === 'active' ? { 'X-Consent-Scope': scope } : {}) };
  return { status: 200 as const, body: toWire(ctx.db, type, r.resource, access.today), headers: { ETag: r.etag, ...consent } };
}

function created<T extends 'Individual' | 'Group'>(ctx: ServerContext, type: T, input: InputOf[T]) {
  const access = accessOf(ctx);
  const r = createRecord(ctx.db, access, type, input);
  return {
    status: 201 as const,
    body: toWire(ctx.db, type, r.resource, access.today),
    headers: { Location: locationOf(ctx, type, r.resource.identifier[0]!) },
  };
}

/**
 * PUT as the module does it: the fields the body carries are written, the others kept; `active` is always
 * written (true when left out); identifiers never change. One replace of the merged record, so one new version.
 */
function replaced<T extends 'Individual' | 'Group'>(ctx: ServerContext, type: T, identifier: string, body: InputOf[T], ifMatch: string | undefined) {
  const access = accessOf(ctx);
  const key = parseIdentifier(identifier);
  const id = findRecordId(ctx.db, type, key);
  if (id === undefined) throw new ApiError('RESOURCE_NOT_FOUND', `${type} not found`);
  const { identifier: _ignored, ...given } = body as InputOf[T] & { identifier?: unknown };
  const merged = { ...recordAsInput(ctx.db, access, type, id), ...given, active: body.active ?? true };
  const r = updateRecord(ctx.db, access, type, identifier, merged as InputOf[T], ifMatchOf(ifMatch));
  return { status: 200 as const, body: toWire(ctx.db, type, r.resource, access.today) };
}

function patched<T extends 'Individual' | 'Group'>(ctx: ServerContext, type: T, identifier: string, body: object, ifMatch: string | undefined) {
  const access = accessOf(ctx);
  const { identifier: _ignored, groupType, ...patch } = body as Record<string, unknown>;
  const r = patchRecord(ctx.db, access, type, identifier, { ...patch, ...(groupType !== undefined ? { type: groupType } : {}) }, ifMatchOf(ifMatch));
  return { status: 200 as const, body: toWire(ctx.db, type, r.resource, access.today) };
}

const membership = (m: Membership): Wire['Membership'] => ({ type: 'GroupMember', ...m });

/** Where an enrolment can be read: by its beneficiary, with its programme (the module's Location). */
function enrolmentLocation(ctx: ServerContext, pm: { beneficiary?: { reference: string }; program?: { reference: string } }): string {
  const ref = pm.beneficiary!.reference;
  const { system, value } = parseIdentifier(ref.slice(ref.indexOf('/') + 1));
  return `${ctx.basePath}/ProgramMembership/${encodeURIComponent(system)}|${encodeURIComponent(value)}?program=${pm.program!.reference}`;
}

function enrolmentUpdated(ctx: ServerContext, beneficiary: string, program: string | undefined, body: Wire['ProgramMembershipInput'], ifMatch?: string) {
  const access = accessOf(ctx);
  const identifier = enrolmentIdentifier(ctx.db, { ...access, consentBound: false }, beneficiary, program);
  const current = readRecord(ctx.db, { ...access, consentBound: false }, 'ProgramMembership', identifier).resource;
  if (current.program?.reference !== body.program.reference || current.beneficiary?.reference !== body.beneficiary.reference) {
    throw new ApiError('VALIDATION_ERROR', 'An enrolment keeps its programme and beneficiary: the body must name the same ones.', {
      expression: ['program', 'beneficiary'],
    });
  }
  const r = updateRecord(ctx.db, access, 'ProgramMembership', identifier, membershipInput(body), ifMatchOf(ifMatch));
  return { status: 200 as const, body: toWire(ctx.db, 'ProgramMembership', r.resource, access.today) };
}

/** The consent endpoints answer about consents the client may not see as if they did not exist. */
function consentNotFound<T>(text: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'RESOURCE_NOT_FOUND') throw new ApiError('RESOURCE_NOT_FOUND', text);
    throw e;
  }
}

const fieldAccess = (f: string) => (f === 'full' ? 'all' : f) as 'all' | 'basic';

function consentStatus(ctx: ServerContext, consentId: string): Wire['ConsentStatusResponse'] {
  const access = accessOf(ctx);
  const legalBasis = ctx.principal!.legalBasis;
  try {
    const c = readConsent(ctx.db, access, consentId);
    return {
      consent_id: c.consent_id,
      status: c.status,
      grantee: c.grantee,
      effective_date: c.effective_date,
      expiry_date: c.expiry_date,
      scopes: c.scopes.map((s) => ({ ...s, field_access: fieldAccess(s.field_access) })),
      legal_basis: legalBasis,
    };
  } catch (e) {
    if (e instanceof ApiError && e.code === 'RESOURCE_NOT_FOUND') return { consent_id: consentId, status: 'not_found', scopes: [], legal_basis: legalBasis };
    throw e;
  }
}

function consentRevoked(ctx: ServerContext, consentId: string, reason: string | undefined): Wire['ConsentRevokeResponse'] {
  const r = consentNotFound('Active consent not found or not accessible', () =>
    revokeConsent(ctx.db, accessOf(ctx), consentId, ctx.principal!.clientId, reason),
  );
  return {
    consent_id: r.consent_id,
    status: 'withdrawn',
    revoked_at: r.revokedDate,
    message: 'Consent has been successfully withdrawn. Data access under this consent is no longer permitted.',
  };
}

/** `$bulk/export` reads one type: the client needs that type's read scope (the contract lets either type's in). */
function requireReadScope(ctx: ServerContext, type: 'Individual' | 'Group'): void {
  const resource = type.toLowerCase();
  const scopes = ctx.principal!.scopes;
  if (scopes.has(`${resource}:read`) || scopes.has(`${resource}:all`)) return;
  throw new ApiError('SCOPE_INSUFFICIENT', `Required scope: ${resource}:read. Granted: ${[...scopes].sort().join(', ') || '(none)'}`, {
    params: { scope: `${resource}:read` },
  });
}

function exported(ctx: ServerContext, body: Wire['BulkExportRequest']) {
  requireReadScope(ctx, body.type);
  const access = accessOf(ctx);
  const r = bulkExport(ctx.db, access, body.type, body.identifiers, shape(body.type, body));
  const items = r.items.map((i) => ({ ...i, ...(i.resource ? { resource: toWire(ctx.db, body.type, i.resource, access.today) } : {}) }));
  return { status: 200 as const, body: { ...r, items } as Wire['BulkExportResult'] };
}

function filtered(ctx: ServerContext, type: ResourceType, request: Wire['FilterSearchRequest']) {
  const access = accessOf(ctx);
  const r = advancedSearch(ctx.db, access, type, request as AdvancedSearchRequest);
  const link = (offset: number) => `${ctx.basePath}/${type}/_search?_count=${r.count}&_offset=${offset}`;
  return {
    status: 200 as const,
    body: {
      resourceType: 'Bundle' as const,
      type: 'searchset' as const,
      total: r.total,
      link: [{ relation: 'self' as const, url: link(r.offset) }, ...(r.hasNext ? [{ relation: 'next' as const, url: link(r.offset + r.count) }] : [])],
      entry: r.rows.map((row) => ({ resource: toWire(ctx.db, type, row, access.today), search: { mode: 'match' as const, score: 1 } })),
    } as Wire['FilterSearchBundle'],
  };
}

function historyPage(ctx: ServerContext, group: string, q: { _count?: number; _offset?: number; _since?: string }) {
  const count = q._count ?? 100;
  const offset = q._offset ?? 0;
  const r = membershipHistory(ctx.db, accessOf(ctx), group, { count, offset, ...(q._since !== undefined ? { since: q._since } : {}) });
  const link = (at: number) =>
    `${ctx.basePath}/Group/${encodeURIComponent(group)}/membership-history?${new URLSearchParams({ ...(q._since ? { _since: q._since } : {}), _count: String(count), _offset: String(at) }).toString()}`;
  const data = r.entries.map(({ reason: _reason, ...e }) => e);
  return {
    status: 200 as const,
    body: {
      data,
      meta: { total: r.total, count: data.length, offset },
      links: { self: link(offset), ...(offset + count < r.total ? { next: link(offset + count) } : {}) },
    },
  };
}

export const deployedRegistry: Handlers = {
  searchIndividuals: (req, ctx) => ({ status: 200, body: deployedSearch(ctx, 'Individual', req.query) }),
  createIndividual: (req, ctx) => created(ctx, 'Individual', individualInput(req.body as Record<string, unknown>)),
  readIndividual: (req, ctx) => read(ctx, 'Individual', req.params.identifier, req.query),
  updateIndividual: (req, ctx) =>
    replaced(ctx, 'Individual', req.params.identifier, individualInput(req.body as Record<string, unknown>), req.headers['If-Match']),
  patchIndividual: (req, ctx) => patched(ctx, 'Individual', req.params.identifier, req.body, req.headers['If-Match']),
  readIndividualGroups: (req, ctx) => {
    const r = groupsOfIndividual(ctx.db, accessOf(ctx), req.params.identifier, {
      count: req.query._count ?? 100,
      ...(req.query.status ? { status: req.query.status } : {}),
    });
    return { status: 200, body: { type: 'GroupMembershipList', total: r.total, entry: r.memberships.map((m) => ({ resource: membership(m) })) } };
  },

  searchGroups: (req, ctx) => ({ status: 200, body: deployedSearch(ctx, 'Group', req.query) }),
  createGroup: (req, ctx) => created(ctx, 'Group', groupInput(req.body as Record<string, unknown>)),
  readGroup: (req, ctx) => read(ctx, 'Group', req.params.identifier, req.query),
  updateGroup: (req, ctx) => replaced(ctx, 'Group', req.params.identifier, groupFields(req.body as Record<string, unknown>), req.headers['If-Match']),
  patchGroup: (req, ctx) => patched(ctx, 'Group', req.params.identifier, req.body, req.headers['If-Match']),
  addGroupMember: (req, ctx) => ({ status: 201, body: membership(addGroupMember(ctx.db, accessOf(ctx), req.params.identifier, req.body)) }),
  removeGroupMember: (req, ctx) => ({ status: 200, body: membership(removeGroupMember(ctx.db, accessOf(ctx), req.params.identifier, req.body)) }),
  patchGroupMember: (req, ctx) => ({
    status: 200,
    body: membership(updateGroupMember(ctx.db, accessOf(ctx), req.params.identifier, req.params.member, req.body)),
  }),
  mergeGroups: (req, ctx) => {
    const access = accessOf(ctx);
    return { status: 200, body: toWire(ctx.db, 'Group', mergeGroups(ctx.db, access, req.body).resource, access.today) };
  },
  splitGroup: (req, ctx) => {
    const access = accessOf(ctx);
    const r = splitGroup(ctx.db, access, req.params.identifier, req.body);
    return { status: 201, body: toWire(ctx.db, 'Group', r.resource, access.today), headers: { Location: locationOf(ctx, 'Group', r.resource.identifier[0]!) } };
  },
  readGroupMembershipHistory: (req, ctx) => historyPage(ctx, req.params.identifier, req.query),

  searchPrograms: (req, ctx) => ({ status: 200, body: deployedSearch(ctx, 'Program', req.query) }),
  readProgram: (req, ctx) => read(ctx, 'Program', req.params.identifier, {}),

  searchProgramMemberships: (req, ctx) => ({ status: 200, body: deployedSearch(ctx, 'ProgramMembership', req.query) }),
  createProgramMembership: (req, ctx) => {
    const access = accessOf(ctx);
    if (alreadyEnrolled(ctx.db, req.body.beneficiary, req.body.program))
      throw new ApiError('STATE_CONFLICT', 'Beneficiary is already a member of this program');
    const r = createRecord(ctx.db, access, 'ProgramMembership', membershipInput(req.body));
    return { status: 201, body: toWire(ctx.db, 'ProgramMembership', r.resource, access.today), headers: { Location: enrolmentLocation(ctx, r.resource) } };
  },
  readProgramMembership: (req, ctx) => {
    const identifier = enrolmentIdentifier(ctx.db, accessOf(ctx), req.params.identifier, req.query.program);
    return read(ctx, 'ProgramMembership', identifier, {});
  },
  updateProgramMembership: (req, ctx) => enrolmentUpdated(ctx, req.params.identifier, req.query.program, req.body, req.headers['If-Match']),

  readConsent: (req, ctx) => ({ status: 200, body: consentStatus(ctx, req.params.consentId) }),
  revokeConsent: (req, ctx) => ({ status: 200, body: consentRevoked(ctx, req.params.consentId, req.body?.reason) }),
  deleteConsent: (req, ctx) => ({ status: 200, body: consentRevoked(ctx, req.params.consentId, req.query.reason) }),
  readConsentReceipt: (req, ctx) => {
    const r = consentNotFound('Consent not found or not accessible', () => consentReceipt(ctx.db, accessOf(ctx), req.params.consentId));
    return { status: 200, body: { ...r, purposes: r.purposes.map((p) => ({ ...p, field_access: fieldAccess(p.field_access) })) } };
  },
  readConsentHistory: (req, ctx) => ({
    status: 200,
    body: consentNotFound('Consent not found or not accessible', () => consentHistory(ctx.db, accessOf(ctx), req.params.consentId)),
  }),
  readConsentAccessSummary: (req, ctx) => ({
    status: 200,
    body: consentNotFound('Consent not found or not accessible', () =>
      consentAccessSummary(ctx.db, accessOf(ctx), req.params.consentId, req.query.date_from, req.query.date_to),
    ),
  }),

  processBatch: (req, ctx) => deployedBatch(ctx, req.body),
  bulkExport: (req, ctx) => exported(ctx, req.body),

  readIndividualFilters: () => ({ status: 200, body: filterMetadata('Individual') }),
  readGroupFilters: () => ({ status: 200, body: filterMetadata('Group') }),
  readProgramFilters: () => ({ status: 200, body: filterMetadata('Program') }),
  readProgramMembershipFilters: () => ({ status: 200, body: filterMetadata('ProgramMembership') }),
  searchIndividualsByFilter: (req, ctx) => filtered(ctx, 'Individual', req.body),
  searchGroupsByFilter: (req, ctx) => filtered(ctx, 'Group', req.body),
  searchProgramsByFilter: (req, ctx) => filtered(ctx, 'Program', req.body),
  searchProgramMembershipsByFilter: (req, ctx) => filtered(ctx, 'ProgramMembership', req.body),
};
