/**
 * Runs a search: the filters of the type's spec (plus the consent rule for consent-bound clients), an exact
 * total, and one page in the order `_sort` asks for (up to three keys) — the first page; a page by keyset from a
 * `_cursor` position, so a deep page costs what the first one does; or a page at an `_offset`. `next` is given
 * when more rows follow the page, `previous` when rows lie before it. Every record returned is recorded in the
 * access log, and shaped by `_elements`, `_extensions` and the consent that lets the client see it.
 */
import { ApiError } from '../../../contract/errors.js';
import type { OperationSpec } from '../../../contract/operations.js';
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { narrow, shapeOf, type Shape } from '../elements.js';
import { recordUrl } from '../identifiers.js';
import { KINDS } from '../kinds/index.js';
import { consentedShape } from '../service.js';
import { accessEntry, type AccessEntry } from '../store/access-log.js';
import { coveringConsent, visibilityCondition } from '../store/consent.js';
import { primaryIdentifier } from '../store/records.js';
import type { Access, BundleLink, ResourceOf, ResourceType, SearchBundleOf, SqlFragment } from '../types.js';
import { cursorKey, openCursor, parametersDigest, sealCursor, type Position } from './cursor.js';
import { keysetAfter, orderBy, parseSort, scanDirections, type SortKey } from './order.js';
import { CONTROL_PARAMETERS, SEARCH_SPECS, type SearchSpec } from './specs.js';
import { totalOf } from './totals.js';

export interface SearchRequest<T extends ResourceType> {
  type: T;
  /** The search operation: its declared parameters give the canonical order of link parameters. */
  op: OperationSpec;
  /** Parameters as the contract validator left them: coerced, defaults applied. */
  query: Record<string, unknown>;
}

/** Matches at least 1 in DENSE_RATIO of the table's rows count as dense (a page needs ~ratio × count probes). */
const DENSE_RATIO = 200;
/**
 * Rows of the sort order a dense text search tests one by one before giving up on that plan. Measured at 1M rows:
 * a probe costs ≈6 µs a row walked, listing the matches ≈0.15 µs a match. Walking at most as long as listing
 * would take bounds the loss to about 2× when matches cluster far from the start, against gains of up to 5× when
 * they spread over the sort order (docs/performance.md).
 */
function probeBudget(total: number): number {
  return Math.max(100, Math.min(5_000, Math.ceil(total / 40)));
}

interface Row {
  id: number;
  values: string[];
}

interface Page {
  rows: Row[];
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Where the page starts: the beginning, a cursor's position, or an offset. */
type Paging = { kind: 'first' } | { kind: 'cursor'; position: Position; cursor: string } | { kind: 'offset'; offset: number };

function conditions<T extends ResourceType>(db: Db, access: Access, req: SearchRequest<T>): SqlFragment[] {
  const spec = SEARCH_SPECS[req.type];
  const out: SqlFragment[] = [];
  for (const [name, value] of Object.entries(req.query)) {
    if (value === undefined || (CONTROL_PARAMETERS as readonly string[]).includes(name)) continue;
    const filter = spec.filters[name];
    if (!filter) throw new Error(`search parameter ${name} of ${req.type} has no filter`);
    const c = filter(value, { db, access, type: req.type });
    out.push(...(Array.isArray(c) ? c : [c]));
  }
  if (access.consentBound && spec.consent) out.push(visibilityCondition(access, spec.consent, 'r'));
  return out;
}

/**
 * The request's parameters without the paging ones, in the contract's order (then any the operation does not
 * declare — another dialect's filters — by name): what a cursor and a cached total are bound to.
 */
function canonical(req: SearchRequest<ResourceType>): Array<[string, unknown]> {
  const paging = (name: string) => name === '_cursor' || name === '_offset';
  const declared = req.op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const others = Object.keys(req.query)
    .filter((name) => !declared.includes(name))
    .sort();
  return [...declared, ...others].filter((name) => !paging(name) && req.query[name] !== undefined).map((name) => [name, req.query[name]]);
}

function linkUrl(access: Access, type: ResourceType, params: Array<[string, unknown]>, extra?: [string, string]): string {
  const qs = new URLSearchParams();
  for (const [name, value] of params) for (const v of Array.isArray(value) ? value : [value]) qs.append(name, String(v));
  if (extra) qs.append(...extra);
  return `${access.basePath}/${type}?${qs.toString()}`;
}

function pagingOf(req: SearchRequest<ResourceType>, key: Buffer, digest: string): Paging {
  const cursor = req.query._cursor;
  const offset = req.query._offset;
  if (typeof cursor === 'string' && offset !== undefined) {
    throw new ApiError('MALFORMED_REQUEST', 'A page is reached either by _cursor (from a link) or by _offset, not both.', {
      expression: ['_cursor', '_offset'],
    });
  }
  if (typeof cursor === 'string') return { kind: 'cursor', position: openCursor(key, cursor, digest), cursor };
  if (typeof offset === 'number') return { kind: 'offset', offset };
  return { kind: 'first' };
}

const columnsOf = (keys: readonly SortKey[]) => keys.map((k, i) => `${k.expr} AS k${i}`).join(', ');
const rowOf = (r: Record<string, unknown>, n: number): Row => ({ id: r.id as number, values: Array.from({ length: n }, (_, i) => r[`k${i}`] as string) });

/** One page from the start, from a cursor position (either direction) or from an offset. */
function readPage(db: Db, spec: SearchSpec, conds: SqlFragment[], keys: SortKey[], paging: Paging, count: number): Page {
  const position = paging.kind === 'cursor' ? paging.position : undefined;
  const reversed = position?.direction === 'previous';
  const descending = scanDirections(keys, reversed);
  const ks = position ? keysetAfter(keys, descending, position.values, position.id) : undefined;
  const where = [...conds.map((c) => c.sql), ...(ks ? [ks.sql] : [])].join(' AND ') || '1';
  const offset = paging.kind === 'offset' ? paging.offset : 0;
  const sql = `SELECT r.id AS id, ${columnsOf(keys)} FROM ${spec.table} r WHERE ${where} ORDER BY ${orderBy(keys, descending)} LIMIT ? OFFSET ?`;
  const fetched = (stmt(db, sql).all(...conds.flatMap((c) => c.args), ...(ks?.args ?? []), count + 1, offset) as Array<Record<string, unknown>>).map((r) =>
    rowOf(r, keys.length),
  );
  const more = fetched.length > count;
  const rows = fetched.slice(0, count);
  if (reversed) rows.reverse();
  return {
    rows,
    hasNext: rows.length > 0 && (reversed || more),
    // A cursor is evidence of its anchor row on the other side: the page it came from.
    hasPrevious: paging.kind === 'offset' ? offset > 0 : rows.length > 0 && (reversed ? more : position !== undefined),
  };
}

/**
 * A dense text search's page found by walking the sort order and probing the text index for each row, or
 * undefined when the budget ran out first (the caller then lists the matches). Same rows as readPage; one sort
 * key, no offset.
 */
function probePage(
  db: Db,
  spec: SearchSpec,
  conds: SqlFragment[],
  keys: SortKey[],
  position: Position | undefined,
  count: number,
  budget: number,
): Page | undefined {
  const text = conds.filter((c) => c.fts);
  if (!text.length || keys.length !== 1) return undefined;
  const rest = conds.filter((c) => !c.fts);
  const hit = text.map((c) => `EXISTS (SELECT 1 FROM ${c.fts!.table} t WHERE ${c.fts!.table} MATCH ? AND t.rowid = r.id)`).join(' AND ');
  const reversed = position?.direction === 'previous';
  const descending = scanDirections(keys, reversed);
  const ks = position ? keysetAfter(keys, descending, position.values, position.id) : undefined;
  const where = [...rest.map((c) => c.sql), ...(ks ? [ks.sql] : [])].join(' AND ') || '1';
  const sql = `SELECT r.id AS id, ${columnsOf(keys)}, ${hit} AS hit FROM ${spec.table} r WHERE ${where} ORDER BY ${orderBy(keys, descending)} LIMIT ?`;
  const args = [...text.flatMap((c) => c.args), ...rest.flatMap((c) => c.args), ...(ks?.args ?? []), budget];
  const fetched: Row[] = [];
  let walked = 0;
  for (const r of stmt(db, sql).iterate(...args) as IterableIterator<Record<string, unknown>>) {
    walked++;
    if (r.hit) fetched.push(rowOf(r, keys.length));
    if (fetched.length > count) break; // leaving the loop resets the statement
  }
  if (fetched.length <= count && walked >= budget) return undefined;
  const rows = fetched.slice(0, count);
  if (reversed) rows.reverse();
  return {
    rows,
    hasNext: rows.length > 0 && (reversed || fetched.length > count),
    hasPrevious: rows.length > 0 && (reversed ? fetched.length > count : position !== undefined),
  };
}

/** When text matches are dense, walking the sort index and probing the matches finds a page sooner than sorting every match. */
function pageFor(db: Db, spec: SearchSpec, conds: SqlFragment[], keys: SortKey[], paging: Paging, count: number, total: number): Page {
  const rows = (stmt(db, `SELECT max(id) FROM ${spec.table}`).pluck().get() as number | null) ?? 0;
  const dense = total * DENSE_RATIO > rows;
  const position = paging.kind === 'cursor' ? paging.position : undefined;
  const probed = dense && paging.kind !== 'offset' ? probePage(db, spec, conds, keys, position, count, probeBudget(total)) : undefined;
  // A unary + keeps SQLite from driving the scan from the text index when the matches are dense.
  return probed ?? readPage(db, spec, dense ? conds.map((c) => (c.fts ? { ...c, sql: `+${c.sql}` } : c)) : conds, keys, paging, count);
}

function links(
  access: Access,
  req: SearchRequest<ResourceType>,
  params: Array<[string, unknown]>,
  paging: Paging,
  page: Page,
  seal: (p: Position) => string,
): BundleLink[] {
  const url = (extra?: [string, string]) => linkUrl(access, req.type, params, extra);
  const count = Number(req.query._count);
  if (paging.kind === 'offset') {
    const { offset } = paging;
    return [
      { relation: 'self', url: url(['_offset', String(offset)]) },
      ...(page.hasNext ? [{ relation: 'next' as const, url: url(['_offset', String(offset + count)]) }] : []),
      ...(page.hasPrevious ? [{ relation: 'previous' as const, url: url(['_offset', String(Math.max(0, offset - count))]) }] : []),
    ];
  }
  const first = page.rows[0];
  const last = page.rows[page.rows.length - 1];
  return [
    { relation: 'self', url: url(paging.kind === 'cursor' ? ['_cursor', paging.cursor] : undefined) },
    ...(page.hasNext && last ? [{ relation: 'next' as const, url: url(['_cursor', seal({ values: last.values, id: last.id, direction: 'next' })]) }] : []),
    ...(page.hasPrevious && first
      ? [{ relation: 'previous' as const, url: url(['_cursor', seal({ values: first.values, id: first.id, direction: 'previous' })]) }]
      : []),
  ];
}

/**
 * One page of a search as a searchset Bundle; a malformed parameter or cursor is refused with a 400 ApiError.
 *
 * The search's statements — the total, the page, and a handful per record rendered — run in one read
 * transaction: outside one, every statement takes and releases SQLite's WAL read lock on its own (measured ≈5 µs
 * each on the benchmark machine, over a hundred statements a page). It also makes the page one snapshot. The
 * access log is written after it, as its flush is a write.
 */
export function search<T extends ResourceType>(db: Db, access: Access, req: SearchRequest<T>): SearchBundleOf[T] {
  const run = () => {
    const entries: AccessEntry[] = [];
    const bundle = searchIn(db, { ...access, logAccess: (e) => entries.push(...e) }, req);
    return { bundle, entries };
  };
  const { bundle, entries } = db.inTransaction ? run() : db.transaction(run)();
  if (entries.length) access.logAccess?.(entries);
  return bundle;
}

function searchIn<T extends ResourceType>(db: Db, access: Access, req: SearchRequest<T>): SearchBundleOf[T] {
  const spec = SEARCH_SPECS[req.type];
  const conds = conditions(db, access, req);
  const params = canonical(req);
  const digest = parametersDigest(params);
  const key = cursorKey(db);
  const paging = pagingOf(req, key, digest);
  const keys = parseSort(String(req.query._sort), spec.sorts, spec.sortAliases);
  const filters = params.filter(([name]) => !(CONTROL_PARAMETERS as readonly string[]).includes(name));
  const totalKey = `${req.type}|${parametersDigest(filters)}|${access.consentBound ? access.organizationId : '-'}|${access.today}`;
  const total = (paging.kind === 'cursor' ? paging.position.total : undefined) ?? totalOf(db, totalKey, conds, spec.table);
  const page = pageFor(db, spec, conds, keys, paging, Number(req.query._count), total);
  const link = links(access, req, params, paging, page, (p) => sealCursor(key, { ...p, total }, digest));

  const shape = shapeOf(req.query);
  access.logAccess?.(page.rows.map((r) => accessEntry(db, 'search', req.type, r.id)));
  const entry = page.rows.map((r) => ({
    fullUrl: recordUrl(access.basePath, req.type, primaryIdentifier(db, req.type, r.id)),
    resource: renderFound(db, access, req.type, r.id, shape),
    search: { mode: 'match' as const },
  }));
  return { resourceType: 'Bundle', type: 'searchset', total, link, entry } as unknown as SearchBundleOf[T];
}

/** A record a search found, as the client may see it: shaped by the request and by the consent that shows it to the client. */
export function renderFound<T extends ResourceType>(db: Db, access: Access, type: T, recordId: number, shape: Shape): ResourceOf[T] {
  const consented = SEARCH_SPECS[type].consent;
  const consent = access.consentBound && consented ? coveringConsent(db, access, consented, recordId) : undefined;
  const shaped = consentedShape(shape, consent);
  return narrow(KINDS[type].render(db, recordId, access.today, shaped), shaped);
}
