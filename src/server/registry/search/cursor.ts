/**
 * The `_cursor` of search links: a keyset position (the sort keys' values + row id), a direction and a digest of the other
 * search parameters. It is sealed with AES-256-GCM under a key kept in the database, so it is opaque, cannot be
 * forged, and the row id inside never leaves the server readable.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { ApiError } from '../../../contract/errors.js';

export type Direction = 'next' | 'previous';

export interface Position {
  /** Sort key values of the anchor row, one per key of the search's `_sort`. */
  values: string[];
  /** Row id of the anchor row (tie-break). */
  id: number;
  /** `next`: rows after the anchor; `previous`: rows before it. */
  direction: Direction;
  /** The search's total as counted for its first page: later pages repeat it instead of counting again. */
  total?: number;
}

const SETTING = 'registry.cursor_key';
const keys = new WeakMap<Db, Buffer>();

/** The sealing key, created on first use and shared by every process that opens the same database. */
export function cursorKey(db: Db): Buffer {
  let key = keys.get(db);
  if (key) return key;
  let hex = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(SETTING) as string | undefined;
  if (!hex) {
    db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(SETTING, randomBytes(32).toString('hex'));
    hex = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(SETTING) as string;
  }
  key = Buffer.from(hex, 'hex');
  keys.set(db, key);
  return key;
}

/** A short digest of the search parameters a cursor belongs to (given in a canonical order). */
export function parametersDigest(params: ReadonlyArray<readonly [string, unknown]>): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('base64url').slice(0, 16);
}

export function sealCursor(key: Buffer, position: Position, digest: string): string {
  const payload = JSON.stringify([position.values, position.id, position.direction === 'next' ? 1 : 0, digest, position.total ?? null]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

const BAD = 'The _cursor is not one this server issued. Take it from a next or previous link as given.';

export function openCursor(key: Buffer, cursor: string, digest: string): Position {
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length < 29) throw new ApiError('MALFORMED_REQUEST', BAD, { expression: '_cursor' });
  let parsed: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    parsed = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
  } catch {
    throw new ApiError('MALFORMED_REQUEST', BAD, { expression: '_cursor' });
  }
  const [values, id, dir, issuedFor, total] = parsed as [string[], number, number, string, number | null];
  // A cursor sealed before sort keys were lists (one value) is no longer understood.
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string') || typeof id !== 'number') {
    throw new ApiError('MALFORMED_REQUEST', BAD, { expression: '_cursor' });
  }
  if (issuedFor !== digest) {
    throw new ApiError(
      'MALFORMED_REQUEST',
      'The _cursor belongs to a search with other parameters; a cursor is only valid with the parameters of the link it came from.',
      { expression: '_cursor' },
    );
  }
  return { values, id, direction: dir === 1 ? 'next' : 'previous', ...(typeof total === 'number' ? { total } : {}) };
}
