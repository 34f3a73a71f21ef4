/**
 * The exact number of matches of a search. When every condition is a match on one text index, the index alone
 * answers (each record has exactly one row there). Counts are kept per search (its conditions, for its client
 * and day) while the registry is unchanged (store/version.ts): paging through a result — by cursor or by
 * offset — then costs the count once, and a count is never stale.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { registryVersion } from '../store/version.js';
import type { SqlFragment } from '../types.js';

const MAX_ENTRIES = 512;
const caches = new WeakMap<Db, { version: string; totals: Map<string, number> }>();

function count(db: Db, conds: readonly SqlFragment[], table: string): number {
  const fts = conds[0]?.fts?.table;
  if (fts && conds.every((c) => c.fts?.table === fts)) {
    const expression = conds.map((c) => `(${c.fts!.expression})`).join(' AND ');
    return stmt(db, `SELECT count(*) FROM ${fts} WHERE ${fts} MATCH ?`).pluck().get(expression) as number;
  }
  const where = conds.map((c) => c.sql).join(' AND ') || '1';
  return stmt(db, `SELECT count(*) FROM ${table} r WHERE ${where}`)
    .pluck()
    .get(...conds.flatMap((c) => c.args)) as number;
}

/** The total of the search whose conditions are `conds` (the key names them: type, filters, client, day). */
export function totalOf(db: Db, key: string, conds: readonly SqlFragment[], table: string): number {
  const version = registryVersion(db);
  let cache = caches.get(db);
  if (!cache || cache.version !== version) caches.set(db, (cache = { version, totals: new Map() }));
  const hit = cache.totals.get(key);
  if (hit !== undefined) return hit;
  const total = count(db, conds, table);
  if (cache.totals.size >= MAX_ENTRIES) cache.totals.delete(cache.totals.keys().next().value!);
  cache.totals.set(key, total);
  return total;
}
