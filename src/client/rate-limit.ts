/**
 * 429 handling: wait as long as the server asks, retry a bounded number of times, and give up at once when the
 * server asks for longer than the caller is willing to wait (a long wait is better decided by the caller).
 * A 429 means the request was not processed, so re-sending it is safe for every method.
 */
import type { Middleware } from 'openapi-fetch';
import { retryAfterMs } from '../rfc/http.js';
import type { Clock } from './clock.js';
import { discard, PendingRequests } from './pending.js';

export interface RateLimitPolicy {
  /** Retries after the first 429; 0 surfaces the first 429. */
  maxRetries: number;
  /** A longer requested wait is not waited for: the 429 surfaces immediately. */
  maxWaitSeconds: number;
  clock: Clock;
  /**
   * Called on the copy about to be re-sent after a wait. The client uses it to put the current token on it: a
   * wait may carry a request past its token's refresh point.
   */
  beforeResend?: (request: Request) => Promise<void> | void;
}

/** Sends one request; the client's `fetch`. */
export type Send = (request: Request) => Promise<Response>;

/** Backoff when the server gives no hint: 1 s, 2 s, 4 s … (deterministic, so tests can assert it). */
const BACKOFF_BASE_MS = 1000;

/**
 * How long to wait before retry number `attempt` (1-based) of a 429, or undefined to stop and surface it.
 * Precedence (RateLimit draft §7: `Retry-After` wins): `Retry-After` (seconds or HTTP-date), then the `t`
 * of an exhausted (`r=0`) item of the `RateLimit` header, then exponential backoff. Malformed fields are ignored.
 */
export function rateLimitDelayMs(response: Response, attempt: number, policy: RateLimitPolicy): number | undefined {
  if (attempt > policy.maxRetries) return undefined;
  const ms =
    retryAfterMs(response.headers.get('retry-after'), policy.clock.now()) ??
    rateLimitResetMs(response.headers.get('ratelimit')) ??
    BACKOFF_BASE_MS * 2 ** (attempt - 1);
  return ms > policy.maxWaitSeconds * 1000 ? undefined : ms;
}

/** `"minute";r=0;t=17, "day";r=9000;t=40000` → 17 s: the longest reset among the exhausted policies. */
function rateLimitResetMs(value: string | null): number | undefined {
  if (!value) return undefined;
  let wait: number | undefined;
  for (const item of value.split(',')) {
    const params = new Map(
      item
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string | undefined]),
    );
    const r = params.get('r');
    const t = params.get('t');
    if (r !== '0' || t === undefined || !/^\d+$/.test(t)) continue;
    wait = Math.max(wait ?? 0, Number(t) * 1000);
  }
  return wait;
}

/**
 * Given a 429 already received for `replay`, waits and re-sends (a fresh clone each time) until the answer is
 * not a 429 or the policy says stop; returns the last response.
 */
export async function retryRateLimited(first: Response, replay: Request, send: Send, policy: RateLimitPolicy): Promise<Response> {
  let response = first;
  for (let attempt = 1; response.status === 429; attempt++) {
    const delay = rateLimitDelayMs(response, attempt, policy);
    if (delay === undefined) break;
    await discard(response);
    await policy.clock.sleep(delay);
    const next = replay.clone();
    await policy.beforeResend?.(next);
    response = await send(next);
  }
  return response;
}

/** Sends a request with the 429 policy applied. `request` itself is never consumed (it is cloned per send). */
export async function sendWithRateLimitRetry(request: Request, send: Send, policy: RateLimitPolicy): Promise<Response> {
  const response = await send(request.clone());
  return response.status === 429 ? retryRateLimited(response, request, send, policy) : response;
}

/** openapi-fetch middleware applying the 429 policy to every call. Register it after the auth middleware. */
export function rateLimitMiddleware(policy: RateLimitPolicy): Middleware {
  // The body of the original request is gone once sent, so keep a copy to re-send.
  const replays = new PendingRequests<Request>();
  return {
    onRequest({ request, id }) {
      replays.set(id, request.clone());
      return undefined;
    },
    async onResponse({ response, id, options }) {
      const replay = replays.take(id);
      if (!replay || response.status !== 429) return undefined;
      return retryRateLimited(response, replay, (r) => options.fetch(r), policy);
    },
    onError({ id }) {
      replays.take(id);
      return undefined;
    },
  };
}
