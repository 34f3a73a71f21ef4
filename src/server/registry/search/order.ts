/**
 * Sort orders and keyset positions, pure. A search sorts by one to three keys (`_sort=name,-birthDate`), each
 * ascending or descending, with the row id as the final tie-break in the direction of the last key. A page after
 * a position is the rows that come after that row's key values in that order — written out as the OR of "equal
 * on the first i-1 keys, beyond on key i", with a redundant bound on the first key so that its index is searched
 * rather than scanned.
 */
import type { SqlFragment } from '../types.js';

export interface SortKey {
  /** The `_sort` name, e.g. `name`. */
  name: string;
  /** SQL expression on alias `r`, backed by an index. */
  expr: string;
  descending: boolean;
}

/** `name,-birthDate` → keys, through the type's sort expressions and name aliases. Unknown names throw (the contract refused them). */
export function parseSort(text: string, sorts: Readonly<Record<string, string>>, aliases: Readonly<Record<string, string>> = {}): SortKey[] {
  return text.split(',').map((item) => {
    const descending = item.startsWith('-');
    const raw = descending ? item.slice(1) : item;
    const name = aliases[raw] ?? raw;
    const expr = sorts[name];
    if (!expr) throw new Error(`sort key ${raw} has no expression`);
    return { name, expr, descending };
  });
}

/** The direction each key is scanned in: display order, or its reverse when walking back to a previous page. */
export function scanDirections(keys: readonly SortKey[], reversed: boolean): boolean[] {
  return keys.map((k) => k.descending !== reversed);
}

/** `ORDER BY` for a scan: each key in its scan direction, then the row id in the last key's. */
export function orderBy(keys: readonly SortKey[], descending: readonly boolean[]): string {
  const dir = (d: boolean) => (d ? 'DESC' : 'ASC');
  return [...keys.map((k, i) => `${k.expr} ${dir(descending[i]!)}`), `r.id ${dir(descending[descending.length - 1]!)}`].join(', ');
}

/** The rows after (`values`, `id`) in scan order. */
export function keysetAfter(keys: readonly SortKey[], descending: readonly boolean[], values: readonly string[], id: number): SqlFragment {
  const cmp = (d: boolean) => (d ? '<' : '>');
  const terms: string[] = [];
  const args: unknown[] = [];
  const columns = [...keys.map((k) => k.expr), 'r.id'];
  const at = [...values, id];
  const dirs = [...descending, descending[descending.length - 1]!];
  for (let i = 0; i < columns.length; i++) {
    const equal = columns.slice(0, i).map((c) => `${c} = ?`);
    terms.push(`(${[...equal, `${columns[i]} ${cmp(dirs[i]!)} ?`].join(' AND ')})`);
    args.push(...at.slice(0, i), at[i]);
  }
  const first = `${columns[0]} ${dirs[0] ? '<=' : '>='} ?`;
  return { sql: `${first} AND (${terms.join(' OR ')})`, args: [at[0], ...args] };
}
