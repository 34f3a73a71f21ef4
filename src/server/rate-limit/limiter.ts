/**
 * Fixed-window rate limiting with the counters in SQLite, so that limits survive a restart and hold across
 * processes sharing the database. Each decision is one IMMEDIATE transaction: N concurrent requests against a
 * limit of k let exactly k through.
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

export class RateLimiter {
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
