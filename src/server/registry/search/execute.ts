/**
 * Runs a search: the filters of the type's spec (plus the consent rule for consent-bound clients), an exact
 * total, and one page by keyset from the `_cursor` position — so a deep page costs what the first one does.
 * `next` is given when more rows follow the page; `previous` when the page was reached through a cursor and rows
 * lie before it (walking forward, the cursor's anchor row is that evidence; walking back, one extra row is read).
 */
import type { OperationSpec } from '../../../contract/operations.js';
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { narrow, parseElements } from '../elements.js';
import { recordUrl } from '../identifiers.js';
import { KINDS } from '../kinds/index.js';
import { visibilityCondition } from '../store/consent.js';
import { primaryIdentifier } from '../store/records.js';
import type { Access, BundleLink, ResourceType, SearchBundleOf, SqlFragment } from '../types.js';
import { cursorKey, openCursor, parametersDigest, sealCursor, type Position } from './cursor.js';
import { CONTROL_PARAMETERS, SEARCH_SPECS } from './specs.js';

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
  k: string;
}

/** The keyset condition for rows beyond `pos` in scan order (`forward` = ascending). */
function keyset(expr: string, forward: boolean, pos: { value: string; id: number }): SqlFragment {
  return forward
    ? { sql: `${expr} >= ? AND (${expr}, r.id) > (?, ?)`, args: [pos.value, pos.value, pos.id] }
    : { sql: `${expr} <= ? AND (${expr}, r.id) < (?, ?)`, args: [pos.value, pos.value, pos.id] };
}

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

/** The request's parameters without `_cursor`, in the contract's order: what a cursor is bound to. */
function canonical(req: SearchRequest<ResourceType>): Array<[string, unknown]> {
  return req.op.parameters.filter((p) => p.in === 'query' && p.name !== '_cursor' && req.query[p.name] !== undefined).map((p) => [p.name, req.query[p.name]]);
}

function linkUrl(access: Access, type: ResourceType, params: Array<[string, unknown]>, cursor?: string): string {
  const qs = new URLSearchParams();
  for (const [name, value] of params) for (const v of Array.isArray(value) ? value : [value]) qs.append(name, String(v));
  if (cursor) qs.append('_cursor', cursor);
  return `${access.basePath}/${type}?${qs.toString()}`;
}

/**
 * The exact number of matches. When every condition is a match on one text index, the index alone answers
 * (each record has exactly one row there), without visiting the matched records.
 */
function countOf(db: Db, conds: SqlFragment[], from: string, whereArgs: unknown[]): number {
  const table = conds[0]?.fts?.table;
  if (table && conds.every((c) => c.fts?.table === table)) {
    const expression = conds.map((c) => `(${c.fts!.expression})`).join(' AND ');
    return stmt(db, `SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck().get(expression) as number;
  }
  return stmt(db, `SELECT count(*) ${from}`)
    .pluck()
    .get(...whereArgs) as number;
}

interface Page {
  rows: Row[];
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Scan order: the display order, reversed when walking back to a previous page; the keyset past the cursor. */
function scanOrder(
  sort: { expr: string; descending: boolean },
  position: Position | undefined,
): { forward: boolean; order: 'ASC' | 'DESC'; ks: SqlFragment | undefined } {
  const forward = sort.descending === (position?.direction === 'previous');
  return { forward, order: forward ? 'ASC' : 'DESC', ks: position ? keyset(sort.expr, forward, position) : undefined };
}

/** One page in display order from the cursor position (or the start), with whether rows lie beyond it. */
function readPage(db: Db, from: string, args: unknown[], sort: { expr: string; descending: boolean }, position: Position | undefined, count: number): Page {
  const { expr, descending } = sort;
  const { forward, order, ks } = scanOrder(sort, position);
  const sql = `SELECT r.id AS id, ${expr} AS k ${from}${ks ? ` AND ${ks.sql}` : ''} ORDER BY ${expr} ${order}, r.id ${order} LIMIT ?`;
  const fetched = stmt(db, sql).all(...args, ...(ks?.args ?? []), count + 1) as Row[];
  return pageOf(fetched, count, forward, descending, position);
}

/** Up to `count + 1` rows in scan order → the page in display order, with whether rows lie beyond it. */
function pageOf(fetched: Row[], count: number, forward: boolean, descending: boolean, position: Position | undefined): Page {
  const more = fetched.length > count;
  const rows = fetched.slice(0, count);
  if (forward === descending) rows.reverse();
  // A cursor is evidence of its anchor row on the other side: the page it came from.
  const walkingBack = position?.direction === 'previous';
  return {
    rows,
    hasNext: rows.length > 0 && (walkingBack || more),
    hasPrevious: rows.length > 0 && (walkingBack ? more : position !== undefined),
  };
}

/**
 * A dense text search's page found by walking the sort order and probing the text index for each row, or
 * undefined when the budget ran out first (the caller then lists the matches). Same rows as readPage.
 */
function probePage(
  db: Db,
  spec: { table: string },
  conds: SqlFragment[],
  sort: { expr: string; descending: boolean },
  position: Position | undefined,
  count: number,
  budget: number,
): Page | undefined {
  const text = conds.filter((c) => c.fts);
  if (!text.length) return undefined;
  const rest = conds.filter((c) => !c.fts);
  const hit = text.map((c) => `EXISTS (SELECT 1 FROM ${c.fts!.table} t WHERE ${c.fts!.table} MATCH ? AND t.rowid = r.id)`).join(' AND ');
  const { expr, descending } = sort;
  const { forward, order, ks } = scanOrder(sort, position);
  const where = [...rest.map((c) => c.sql), ...(ks ? [ks.sql] : [])].join(' AND ') || '1';
  const sql = `SELECT r.id AS id, ${expr} AS k, ${hit} AS hit FROM ${spec.table} r WHERE ${where} ORDER BY ${expr} ${order}, r.id ${order} LIMIT ?`;
  const args = [...text.flatMap((c) => c.args), ...rest.flatMap((c) => c.args), ...(ks?.args ?? []), budget];
  const fetched: Row[] = [];
  let walked = 0;
  for (const row of stmt(db, sql).iterate(...args) as IterableIterator<Row & { hit: number }>) {
    walked++;
    if (row.hit) fetched.push({ id: row.id, k: row.k });
    if (fetched.length > count) break; // leaving the loop resets the statement
  }
  if (fetched.length <= count && walked >= budget) return undefined;
  return pageOf(fetched, count, forward, descending, position);
}

/** One page of a search as a searchset Bundle; a malformed parameter or cursor is refused with a 400 ApiError. */
export function search<T extends ResourceType>(db: Db, access: Access, req: SearchRequest<T>): SearchBundleOf[T] {
  const spec = SEARCH_SPECS[req.type];
  const conds = conditions(db, access, req);
  const params = canonical(req);
  const digest = parametersDigest(params);
  const key = cursorKey(db);
  let position: Position | undefined;
  if (typeof req.query._cursor === 'string') position = openCursor(key, req.query._cursor, digest);
  const sortParam = String(req.query._sort);
  const expr = spec.sorts[sortParam.replace(/^-/, '')];
  if (!expr) throw new Error(`sort key ${sortParam} of ${req.type} has no expression`);

  const args = conds.flatMap((c) => c.args);
  const fromWhere = (cs: SqlFragment[]) => `FROM ${spec.table} r WHERE ${cs.map((c) => c.sql).join(' AND ') || '1'}`;
  // Counting all matches dominates a page at 1M rows; pages reached through a cursor repeat the first page's count.
  const total = position?.total ?? countOf(db, conds, fromWhere(conds), args);
  // When text matches are dense, walking the sort index and probing the matches finds a page sooner than
  // sorting every match; a unary + keeps SQLite from driving the scan from the text index.
  const rows = (stmt(db, `SELECT max(id) FROM ${spec.table}`).pluck().get() as number | null) ?? 0;
  const dense = total * DENSE_RATIO > rows;
  const from = fromWhere(dense ? conds.map((c) => (c.fts ? { ...c, sql: `+${c.sql}` } : c)) : conds);
  const sort = { expr, descending: sortParam.startsWith('-') };
  const pageSize = Number(req.query._count);
  const page = (dense && probePage(db, spec, conds, sort, position, pageSize, probeBudget(total))) || readPage(db, from, args, sort, position, pageSize);

  const url = (cursor?: string) => linkUrl(access, req.type, params, cursor);
  const link: BundleLink[] = [{ relation: 'self', url: url(position ? String(req.query._cursor) : undefined) }];
  const first = page.rows[0];
  const last = page.rows[page.rows.length - 1];
  if (page.hasNext && last) link.push({ relation: 'next', url: url(sealCursor(key, { value: last.k, id: last.id, direction: 'next', total }, digest)) });
  if (page.hasPrevious && first)
    link.push({ relation: 'previous', url: url(sealCursor(key, { value: first.k, id: first.id, direction: 'previous', total }, digest)) });

  const elements = parseElements(req.query._elements);
  const kind = KINDS[req.type];
  const entry = page.rows.map((r) => ({
    fullUrl: recordUrl(access.basePath, req.type, primaryIdentifier(db, req.type, r.id)),
    resource: narrow(kind.render(db, r.id, access.today, elements), elements),
    search: { mode: 'match' as const },
  }));
  return { resourceType: 'Bundle', type: 'searchset', total, link, entry } as unknown as SearchBundleOf[T];
}
