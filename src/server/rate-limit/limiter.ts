/**
 * Fixed-window rate limiting behind one interface (`RateLimits`), in two stores:
 *
 * - `ProcessRateLimiter` (the default): the counts of this process live in memory, so a decision costs no I/O.
 *   They are exact for the server as it runs (one process, one event loop: no two decisions interleave), and
 *   written behind to SQLite at most FLUSH_MS after they change (and when the server stops), adding this
 *   process's increments to what the file holds. A restart therefore resumes from the stored counts and loses
 *   at most the last FLUSH_MS of them (a crash; a clean stop loses none).
 * - `SharedRateLimiter` (`SPP_RATE_LIMITS=shared`): each decision is one IMMEDIATE transaction on the file, so
 *   several processes sharing the database share exact limits — N concurrent requests against a limit of k let
 *   exactly k through, whichever process they reach. It costs a write transaction per request.
 *
 * Several hosts sharing limits need a shared engine (Redis, PostgreSQL) behind the same interface; see
 * docs/performance.md.
 */
import type { Db } from '../store/db.js';

export interface RatePolicy {
  /** Token used in the RateLimit headers, e.g. `minute`. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface PolicyState {
  policy: RatePolicy;
  remaining: number;
  /** Seconds until this policy's window resets. */
  resetIn: number;
}

export interface RateDecision {
  allowed: boolean;
  states: PolicyState[];
  /** Set when refused: seconds until every exhausted window has reset. */
  retryAfter?: number;
}

export function policiesFor(limits: { perMinute: number; perDay: number }): RatePolicy[] {
  return [
    { name: 'minute', limit: limits.perMinute, windowSeconds: 60 },
    { name: 'day', limit: limits.perDay, windowSeconds: 86_400 },
  ];
}

/** Thrown inside the transaction to undo the increments of a refused request. */
class Refused extends Error {
  constructor(readonly decision: RateDecision) {
    super('refused');
  }
}

/** What the edge asks of a limiter, whatever keeps the counts. */
export interface RateLimits {
  /** Counts one request for `key` unless a policy is exhausted; refused requests are not counted. */
  consume(key: string, policies: readonly RatePolicy[], nowMs: number): RateDecision;
  /** Writes what is held in memory (a no-op for a limiter that writes as it goes). */
  flush(): void;
}

/** Exact across processes sharing the database file: one write transaction per decision. */
export class SharedRateLimiter implements RateLimits {
  private readonly bump;
  private readonly sweep;
  private calls = 0;

  constructor(private readonly db: Db) {
    // One statement per window: increment and read back. A refusal rolls the increments back, so refused
    // requests are not counted and the common path costs one write per window.
    this.bump = db
      .prepare(
        `INSERT INTO rate_limit_counters (key, window_seconds, window_start, count) VALUES (?, ?, ?, 1)
         ON CONFLICT (key, window_seconds, window_start) DO UPDATE SET count = count + 1 RETURNING count`,
      )
      .pluck();
    this.sweep = db.prepare('DELETE FROM rate_limit_counters WHERE window_start + window_seconds < ?');
  }

  /** Counts one request for `key` unless a policy is exhausted; refused requests are not counted. */
  consume(key: string, policies: readonly RatePolicy[], nowMs: number): RateDecision {
    const now = Math.floor(nowMs / 1000);
    // Expired windows are swept now and then, not on every request.
    if (++this.calls % 1000 === 0) this.sweep.run(now);
    const decide = this.db.transaction((): RateDecision => {
      const windows = policies.map((policy) => {
        const start = now - (now % policy.windowSeconds);
        const used = this.bump.get(key, policy.windowSeconds, start) as number;
        return { policy, used, resetIn: start + policy.windowSeconds - now };
      });
      const exhausted = windows.filter((w) => w.used > w.policy.limit);
      if (exhausted.length) {
        // The increments are rolled back: report the counts as they stay.
        const states = windows.map((w) => ({ policy: w.policy, remaining: Math.max(0, w.policy.limit - (w.used - 1)), resetIn: w.resetIn }));
        throw new Refused({ allowed: false, retryAfter: Math.max(1, ...exhausted.map((w) => w.resetIn)), states });
      }
      return { allowed: true, states: windows.map((w) => ({ policy: w.policy, remaining: w.policy.limit - w.used, resetIn: w.resetIn })) };
    });
    try {
      return decide.immediate();
    } catch (e) {
      if (e instanceof Refused) return e.decision;
      throw e;
    }
  }

  flush(): void {}
}

/** The longest a change of count stays in memory only: what a crash can lose. */
export const FLUSH_MS = 1000;

interface Window {
  key: string;
  windowSeconds: number;
  start: number;
  /** Requests counted in this window: what the file held when the window was first seen here, plus ours since. */
  count: number;
  /** Ours not yet written. */
  pending: number;
}

/**
 * Exact for one process, persisted within FLUSH_MS. A window's count is read from the file the first time this
 * process meets it (so a restart resumes where the last run stopped); after that the file is only written.
 */
export class ProcessRateLimiter implements RateLimits {
  private readonly windows = new Map<string, Window>();
  /** Windows with unwritten increments (including windows that have since rolled over). */
  private dirty = new Set<Window>();
  private timer: NodeJS.Timeout | undefined;
  private readonly read;
  private readonly add;
  private readonly sweep;
  private lastSweep = 0;
  /** The clock as the last decision saw it (the server's, which tests may set): what ends windows. */
  private lastNow = 0;

  constructor(private readonly db: Db) {
    this.read = db.prepare('SELECT count FROM rate_limit_counters WHERE key = ? AND window_seconds = ? AND window_start = ?').pluck();
    this.add = db.prepare(
      `INSERT INTO rate_limit_counters (key, window_seconds, window_start, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (key, window_seconds, window_start) DO UPDATE SET count = count + excluded.count`,
    );
    this.sweep = db.prepare('DELETE FROM rate_limit_counters WHERE window_start + window_seconds < ?');
  }

  private window(key: string, policy: RatePolicy, start: number): Window {
    const id = `${policy.windowSeconds}:${key}`;
    let w = this.windows.get(id);
    if (w?.start !== start) {
      const stored = (this.read.get(key, policy.windowSeconds, start) as number | undefined) ?? 0;
      // A rolled-over window keeps its place in `dirty` until its increments are written.
      w = { key, windowSeconds: policy.windowSeconds, start, count: stored, pending: 0 };
      this.windows.set(id, w);
    }
    return w;
  }

  consume(key: string, policies: readonly RatePolicy[], nowMs: number): RateDecision {
    const now = Math.floor(nowMs / 1000);
    this.lastNow = now;
    const windows = policies.map((policy) => {
      const start = now - (now % policy.windowSeconds);
      return { policy, w: this.window(key, policy, start), resetIn: start + policy.windowSeconds - now };
    });
    const exhausted = windows.filter((x) => x.w.count >= x.policy.limit);
    if (exhausted.length) {
      const states = windows.map((x) => ({ policy: x.policy, remaining: Math.max(0, x.policy.limit - x.w.count), resetIn: x.resetIn }));
      return { allowed: false, retryAfter: Math.max(1, ...exhausted.map((x) => x.resetIn)), states };
    }
    for (const x of windows) {
      x.w.count++;
      x.w.pending++;
      this.dirty.add(x.w);
    }
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
    return { allowed: true, states: windows.map((x) => ({ policy: x.policy, remaining: x.policy.limit - x.w.count, resetIn: x.resetIn })) };
  }

  /** Adds the unwritten increments to the file in one transaction, and forgets windows that have ended. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.db.open) return;
    const dirty = this.dirty;
    this.dirty = new Set();
    const now = this.lastNow;
    this.db.transaction(() => {
      for (const w of dirty) if (w.pending) this.add.run(w.key, w.windowSeconds, w.start, w.pending);
      // Ended windows, of every process, are swept now and then rather than on every flush.
      if (Math.abs(now - this.lastSweep) >= 60) {
        this.sweep.run(now);
        this.lastSweep = now;
      }
    })();
    for (const w of dirty) w.pending = 0;
    for (const [id, w] of this.windows) if (w.start + w.windowSeconds < now && !w.pending) this.windows.delete(id);
  }
}

export type RateLimitStore = 'process' | 'shared';

const limiters = new WeakMap<Db, RateLimits>();

/**
 * The limiter of a database connection: one per connection, so that every app served from it counts in the same
 * place, and so that the server can flush it when it stops.
 */
export function rateLimiterOf(db: Db, store: RateLimitStore = 'process'): RateLimits {
  let limiter = limiters.get(db);
  if (!limiter) limiters.set(db, (limiter = store === 'shared' ? new SharedRateLimiter(db) : new ProcessRateLimiter(db)));
  return limiter;
}

/** Writes the counts held in memory (when the server stops). */
export function flushRateLimits(db: Db): void {
  limiters.get(db)?.flush();
}

/** The policy closest to exhaustion: the one the RateLimit and X-RateLimit-* headers report. */
function tightest(states: readonly PolicyState[]): PolicyState {
  return [...states].sort((a, b) => a.remaining - b.remaining || a.resetIn - b.resetIn)[0]!;
}

/**
 * IETF RateLimit-Policy / RateLimit (draft-ietf-httpapi-ratelimit-headers) and OpenSPP's X-RateLimit-* headers
 * for a decision; on a refusal also Retry-After.
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const t = tightest(decision.states);
  const headers: Record<string, string> = {
    'RateLimit-Policy': decision.states.map((s) => `"${s.policy.name}";q=${s.policy.limit};w=${s.policy.windowSeconds}`).join(', '),
    RateLimit: `"${t.policy.name}";r=${t.remaining};t=${t.resetIn}`,
    'X-RateLimit-Limit': String(t.policy.limit),
    'X-RateLimit-Remaining': String(t.remaining),
    'X-RateLimit-Reset': String(t.resetIn),
  };
  if (!decision.allowed) {
    const refused = decision.states.filter((s) => s.remaining === 0).sort((a, b) => b.resetIn - a.resetIn)[0] ?? t;
    headers.RateLimit = `"${refused.policy.name}";r=0;t=${decision.retryAfter}`;
    headers['X-RateLimit-Limit'] = String(refused.policy.limit);
    headers['X-RateLimit-Remaining'] = '0';
    headers['X-RateLimit-Reset'] = String(decision.retryAfter);
    headers['Retry-After'] = String(decision.retryAfter);
  }
  return headers;
}
