/**
 * A number that changes whenever the registry's data may have: every write of this process bumps a counter, and
 * SQLite's `data_version` changes when another connection (another process, the CLI) commits. Caches derived
 * from registry data (search totals) keep a value only while this stays the same — so they are exact.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';

const writes = new WeakMap<Db, number>();

/** Called by every registry write (records, members, consents). */
export function registryChanged(db: Db): void {
  writes.set(db, (writes.get(db) ?? 0) + 1);
}

export function registryVersion(db: Db): string {
  return `${writes.get(db) ?? 0}:${stmt(db, 'PRAGMA data_version').pluck().get() as number}`;
}
