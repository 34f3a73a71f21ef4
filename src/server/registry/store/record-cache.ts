/**
 * Records as a read renders them, remembered while the database stands still (store/stamp.ts): any write of
 * this connection — a single write, a `$batch` entry, a conditional update, a member operation, the access log —
 * or a commit by any other connection empties it, so a read never answers from before a write. Nothing read
 * inside a transaction is kept (its rows may yet be rolled back). Entries are frozen: a caller that tried to
 * change a shared answer would fail loudly instead of changing the next one.
 */
import type { Db } from '../../store/db.js';
import { ChangeStamp } from '../../store/stamp.js';
import type { Shape } from '../elements.js';
import type { IdentifierKey } from '../identifiers.js';
import type { ResourceType } from '../types.js';

/** Past this many entries the cache starts over: a bound on memory, at the cost of re-rendering. */
const MAX_ENTRIES = 5_000;

function freeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  }
  return value;
}

/** A key that names exactly what `_elements`, `_extensions` and a basic consent leave of a record. */
function shapeKey(shape: Shape): string {
  const elements = shape.elements ? [...shape.elements].map(([k, sub]) => (sub ? `${k}(${[...sub].sort().join(',')})` : k)).sort() : ['*'];
  const extensions = shape.extensions === undefined ? '-' : shape.extensions === '*' ? '*' : [...shape.extensions].sort().join(',');
  return `${elements.join(',')}|${extensions}|${shape.basicOnly ? 'basic' : 'full'}`;
}

export class RecordCache {
  private readonly stamp: ChangeStamp;
  private readonly ids = new Map<string, number | undefined>();
  private readonly rendered = new Map<string, unknown>();

  constructor(db: Db) {
    this.stamp = new ChangeStamp(db);
  }

  /** Forgets everything if the database may have changed; call once before a read's lookups. */
  sync(): void {
    if (this.stamp.moved()) this.clear();
  }

  private clear(): void {
    this.ids.clear();
    this.rendered.clear();
  }

  private keep<V>(map: Map<string, V>, key: string, value: V): V {
    if (!this.stamp.settled) return value;
    if (this.ids.size + this.rendered.size >= MAX_ENTRIES) this.clear();
    map.set(key, value);
    return value;
  }

  /** The row id of the record with this identifier (undefined: none), as `find` says when not remembered. */
  recordId(type: ResourceType, key: IdentifierKey, find: () => number | undefined): number | undefined {
    const k = `${type}\u0000${key.system}\u0000${key.value}`;
    return this.ids.has(k) ? this.ids.get(k) : this.keep(this.ids, k, find());
  }

  /** The record rendered in `shape` for `today` under `basePath`, as `render` makes it when not remembered. */
  render<V>(type: ResourceType, id: number, today: string, basePath: string, shape: Shape, render: () => V): V {
    const k = `${type}\u0000${id}\u0000${today}\u0000${basePath}\u0000${shapeKey(shape)}`;
    const found = this.rendered.get(k) as V | undefined;
    return found ?? (this.keep(this.rendered, k, freeze(render())) as V);
  }
}

const caches = new WeakMap<Db, RecordCache>();

export function recordCacheOf(db: Db): RecordCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new RecordCache(db)));
  return cache;
}
