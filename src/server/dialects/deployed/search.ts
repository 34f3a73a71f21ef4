/**
 * The deployed dialect's searches: its parameters as the engine's, and the engine's searchset as the module's
 * `{data, meta: {total, count, offset}, links: {self, next, prev}}`. Paging is by `_offset` (Programs: `_lastId`,
 * which here is the same position: the module's is a row id, which a client only ever copies from `next`).
 * Where the module checks a filter's form in its handler (400), so does this; the engine does the rest.
 */
import { publishedContract } from '../../../contract/contract.js';
import { ApiError } from '../../../contract/errors.js';
import type { ServerContext } from '../../context.js';
import { accessOf } from '../../registry/handlers.js';
import { search } from '../../registry/search/execute.js';
import type { ResourceType } from '../../registry/types.js';
import { elementsIn, storedStatuses, toWire, type WireOf, type WireStatus } from './wire.js';

export interface SearchPage<T extends ResourceType> {
  data: Array<WireOf[T]>;
  meta: { total: number; count: number; offset: number };
  links: { self: string; next?: string | null; prev?: string | null };
}

type Query = Record<string, unknown>;

const OPERATION = { Individual: 'searchIndividuals', Group: 'searchGroups', Program: 'searchPrograms', ProgramMembership: 'searchProgramMemberships' } as const;
const SORTS: Record<string, string> = { name: 'name', birthDate: 'birthdate', lastUpdated: '_lastUpdated' };

function requireForm(value: unknown, ok: (text: string) => boolean, message: string): void {
  if (typeof value === 'string' && !ok(value)) throw new ApiError('MALFORMED_REQUEST', message);
}

/** `-birthDate` → the engine's `-birthdate`; an unknown field sorts by name, as the module does. */
function individualSort(text: unknown): string {
  const raw = typeof text === 'string' ? text.trim() : '';
  const descending = raw.startsWith('-');
  const key = SORTS[descending ? raw.slice(1) : raw] ?? 'name';
  return `${descending ? '-' : ''}${key}`;
}

const defined = (q: Query) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));

/** The engine's query for a deployed search, its filters' forms checked as the module checks them. */
function engineQuery(type: ResourceType, q: Query): Query {
  const shaping = { _elements: elementsIn(type, q._elements as string | undefined), _extensions: q._extensions, _count: q._count };
  if (type === 'Individual' || type === 'Group') {
    requireForm(q.identifier, (t) => t.includes('|'), 'Invalid identifier format. Expected: {system}|{value}');
  }
  switch (type) {
    case 'Individual':
      requireForm(q.gender, (t) => t.includes('|'), 'Invalid gender format. Expected: {system}|{code}');
      requireForm(q.group, (t) => t === 'none' || t.includes('|'), 'Invalid group format. Expected: {system}|{value} or "none"');
      return defined({
        ...shaping,
        ...Object.fromEntries(['identifier', 'name', 'birthdate', '_lastUpdated', 'gender', 'address', 'group', 'membership-role'].map((k) => [k, q[k]])),
        _offset: q._offset,
        _sort: individualSort(q._sort),
      });
    case 'Group':
      requireForm(q.member, (t) => t.startsWith('Individual/') && t.includes('|'), 'Invalid member format. Expected: Individual/{system}|{value}');
      return defined({ ...shaping, identifier: q.identifier, name: q.name, type: q.type, member: q.member, _offset: q._offset, _sort: 'name' });
    case 'Program':
      return defined({
        ...shaping,
        name: q.name,
        // Other values are ignored, as the module does.
        status: q.status === 'active' || q.status === 'ended' ? q.status : undefined,
        targetType: q.targetType,
        identifier: q.identifier,
        type: q.type,
        _offset: q._lastId,
        _sort: 'id',
      });
    default:
      return defined({
        ...shaping,
        beneficiary: q.beneficiary,
        program: q.program,
        status: q.status === undefined ? undefined : storedStatuses(q.status as WireStatus),
        _offset: q._offset,
        _sort: '-id',
      });
  }
}

/** The link to another page of the same search: its filters (not `_elements`/`_extensions`), count and position. */
function pageLink(basePath: string, type: ResourceType, q: Query, count: number, position: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(q)) {
    if (value === undefined || ['_elements', '_extensions', '_count', '_offset', '_lastId'].includes(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  params.append('_count', String(count));
  params.append(type === 'Program' ? '_lastId' : '_offset', String(position));
  return `${basePath}/${type}?${params.toString()}`;
}

/** One page of a deployed search. */
export function deployedSearch<T extends ResourceType>(ctx: ServerContext, type: T, q: Query): SearchPage<T> {
  const access = accessOf(ctx);
  const query = engineQuery(type, q);
  const bundle = search(ctx.db, access, { type, op: publishedContract.operation(OPERATION[type]), query }) as {
    total: number;
    link: Array<{ relation: string }>;
    entry?: Array<{ resource: object }>;
  };
  const count = Number(query._count);
  const offset = Number(query._offset ?? 0);
  const data = (bundle.entry ?? []).map((e) => toWire(ctx.db, type, e.resource, access.today));
  const hasNext = bundle.link.some((l) => l.relation === 'next');
  const next = hasNext ? pageLink(ctx.basePath, type, q, count, offset + count) : undefined;
  const prev = offset > 0 && type !== 'Program' ? pageLink(ctx.basePath, type, q, count, Math.max(0, offset - count)) : undefined;
  // Individual and Group leave absent links out; Program and ProgramMembership send them as null.
  const absent = type === 'Individual' || type === 'Group' ? undefined : null;
  return {
    data,
    meta: { total: bundle.total, count: data.length, offset },
    links: { self: pageLink(ctx.basePath, type, q, count, offset), next: next ?? absent, prev: prev ?? absent },
  };
}
