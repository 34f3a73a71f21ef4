/**
 * The advanced filter endpoints' engine: `filterMetadata` (what `GET /{Resource}/_filters` describes) and
 * `advancedSearch` (`POST /{Resource}/_search`): the request's conditions (compile.ts), plus the consent rule for
 * consent-bound clients — they see exactly what a search shows them — an exact total, and one page by offset in
 * the order asked for. Records are rendered as a search renders them and recorded in the access log as `search`.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import type { Shape } from '../elements.js';
import { renderFound } from '../search/execute.js';
import { orderBy, scanDirections, type SortKey } from '../search/order.js';
import { SEARCH_SPECS } from '../search/specs.js';
import { totalOf } from '../search/totals.js';
import { accessEntry } from '../store/access-log.js';
import { visibilityCondition } from '../store/consent.js';
import type { Access, ResourceType, SqlFragment } from '../types.js';
import { compileConditions, MAX_FILTER_COMPLEXITY } from './compile.js';
import { FILTER_FIELDS, SORT_FIELDS } from './fields.js';
import { PRESETS } from './presets.js';
import type { AdvancedSearchRequest, AdvancedSearchResult, FilterMetadata } from './types.js';
import { invalid, MAX_VALUES } from './values.js';

const PAGE = { default: 20, max: 100 };
/** More sort keys than the published `_sort` allows would only make the ORDER BY slower. */
const MAX_SORT_KEYS = 3;

/** The filterable fields and presets of a type. */
export function filterMetadata(type: ResourceType): FilterMetadata {
  return {
    resource: type,
    allow_custom_filters: false,
    max_filter_complexity: MAX_FILTER_COMPLEXITY,
    filters: FILTER_FIELDS[type].map((f) => ({
      name: f.name,
      field_path: f.path,
      filter_type: f.filterType,
      label: f.label,
      description: f.description,
      allowed_operators: [...f.operators],
      required: false,
      is_indexed: f.indexed,
      ...(f.operators.includes('in') || f.operators.includes('nin') ? { max_values: MAX_VALUES } : {}),
    })),
    presets: PRESETS[type].map((p) => ({ name: p.name, description: p.description })),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sort keys asked for (default: the type's first sort field, ascending), each an indexed expression. */
function sortKeysOf(type: ResourceType, sort: unknown): SortKey[] {
  const fields = SORT_FIELDS[type];
  const names = Object.keys(fields);
  const key = (name: string, descending: boolean): SortKey => ({ name, expr: SEARCH_SPECS[type].sorts[fields[name]!]!, descending });
  if (sort === undefined) return [key(names[0]!, false)];
  if (!Array.isArray(sort) || sort.length === 0 || sort.length > MAX_SORT_KEYS) throw invalid('sort', `must be a list of 1 to ${MAX_SORT_KEYS} sort fields.`);
  return sort.map((s, i) => {
    if (!isObject(s) || typeof s.field !== 'string' || !Object.hasOwn(fields, s.field)) {
      throw invalid(`sort[${i}].field`, `must be one of ${names.join(', ')}.`);
    }
    if (s.direction !== undefined && s.direction !== 'asc' && s.direction !== 'desc') throw invalid(`sort[${i}].direction`, 'must be asc or desc.');
    return key(s.field, s.direction === 'desc');
  });
}

function pagingOf(pagination: unknown): { count: number; offset: number } {
  if (pagination === undefined) return { count: PAGE.default, offset: 0 };
  if (!isObject(pagination)) throw invalid('pagination', 'must be an object {count, offset}.');
  const { count = PAGE.default, offset = 0 } = pagination;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > PAGE.max) {
    throw invalid('pagination.count', `must be a whole number from 1 to ${PAGE.max}.`);
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw invalid('pagination.offset', 'must be a whole number from 0.');
  return { count: count as number, offset: offset as number };
}

/** The ids of one page: count + 1 rows are read to know whether another page follows. */
function pageIds(db: Db, table: string, conds: readonly SqlFragment[], keys: readonly SortKey[], count: number, offset: number): number[] {
  const where = conds.map((c) => c.sql).join(' AND ') || '1';
  const sql = `SELECT r.id FROM ${table} r WHERE ${where} ORDER BY ${orderBy(keys, scanDirections(keys, false))} LIMIT ? OFFSET ?`;
  return stmt(db, sql)
    .pluck()
    .all(...conds.flatMap((c) => c.args), count + 1, offset) as number[];
}

/**
 * One page of the records of `type` that meet the request. A malformed request (unknown field or preset, an
 * operator a field does not allow, a value of the wrong kind, too many conditions, bad sort or paging) is refused
 * with VALIDATION_ERROR at its place. `shape` applies `_elements`/`_extensions` as on a search.
 */
export function advancedSearch<T extends ResourceType>(
  db: Db,
  access: Access,
  type: T,
  request: AdvancedSearchRequest,
  shape: Shape = {},
): AdvancedSearchResult<T> {
  const spec = SEARCH_SPECS[type];
  const conds = compileConditions({ db, access, type }, request);
  const keys = sortKeysOf(type, request.sort);
  const { count, offset } = pagingOf(request.pagination);
  if (access.consentBound && spec.consent) conds.push(visibilityCondition(access, spec.consent, 'r'));

  // Counts are cached per statement and arguments, client (for consent) and day, while the registry is unchanged.
  const totalKey = `${type}|filters|${JSON.stringify(conds.map((c) => [c.sql, c.args]))}|${access.consentBound ? access.organizationId : '-'}|${access.today}`;
  const total = totalOf(db, totalKey, conds, spec.table);
  const ids = pageIds(db, spec.table, conds, keys, count, offset);
  const page = ids.slice(0, count);
  access.logAccess?.(page.map((id) => accessEntry(db, 'search', type, id)));
  return { total, rows: page.map((id) => renderFound(db, access, type, id, shape)), offset, count, hasNext: ids.length > count };
}
