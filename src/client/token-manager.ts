/**
 * Access tokens for one client: fetched on first use, shared by every concurrent caller (one token request at a
 * time, however many calls wait), refreshed before they expire, and dropped when the API rejects them.
 *
 * Refresh margin (default): 10 % of the lifetime the server announced, at least 5 s and at most 5 min, and never
 * more than half the lifetime. A one-hour token is replaced after 55 min; a five-minute token after 4.5 min; a
 * 10-second token after 5 s. Proportional, because a fixed 5-minute buffer (the seed's Python TokenManager)
 * makes every token shorter than 5 minutes look expired on arrival and sends one token request per call. The
 * lifetime is counted from when the request was *sent*, so network latency only shortens it.
 */
import { systemClock, type Clock } from './clock.js';
import type { OAuthErrorBody, TokenResponse } from './contract-types.js';
import { tokenRequestInit, type ClientAuthStyle, type ClientCredentials } from './credentials.js';
import { dialectOf, TOKEN_ENDPOINT, type SppDialect } from './dialects.js';
import { summarizeErrorBody } from './error-body.js';
import { maskToken, OAuthTokenError, retryAfterSeconds } from './errors.js';
import { discard } from './pending.js';
import { sendWithRateLimitRetry, type RateLimitPolicy } from './rate-limit.js';

/** Seconds before expiry at which a token is replaced, given its lifetime in seconds. */
export type RefreshMargin = number | ((expiresInSeconds: number) => number);

/** The default margin: 10 % of the lifetime, clamped to [5 s, 5 min]. */
export function defaultRefreshMargin(expiresInSeconds: number): number {
  return Math.min(300, Math.max(5, expiresInSeconds * 0.1));
}

/** Lifetime assumed when a server omits `expires_in` (RFC 6749 makes it only RECOMMENDED; the contract requires it). */
const ASSUMED_LIFETIME_SECONDS = 60;

export interface TokenManagerOptions extends ClientCredentials {
  tokenUrl: string;
  /** The token endpoint's dialect (default `published`): the default `auth`, how Basic is encoded, whether `scope` counts. */
  dialect?: SppDialect;
  /** Default: the dialect's (`basic` published, `json` deployed). */
  auth?: ClientAuthStyle;
  refreshMargin?: RefreshMargin;
  fetch?: (request: Request) => Promise<Response>;
  clock?: Clock;
  /** 429 handling at the token endpoint (it is rate limited per IP address). */
  rateLimit?: Omit<RateLimitPolicy, 'clock'>;
}

/** What is known about the current token, safe to log (the token itself is masked). */
export interface TokenInfo {
  token: string;
  scope: string | undefined;
  /** Epoch ms at which the server will stop accepting it. */
  expiresAt: number;
  /** Epoch ms from which it is no longer handed out. */
  refreshAt: number;
}

interface CachedToken {
  token: string;
  scope: string | undefined;
  expiresAt: number;
  refreshAt: number;
}

/** Access tokens for one client. Create it with `createTokenManager` (or get it as `client.tokens`). */
export interface TokenManager {
  /** A token valid until at least its refresh point; concurrent callers share one token request. */
  getToken(): Promise<string>;
  /**
   * Forgets the cached token so the next `getToken` fetches a new one. With `token`, only if that is still the
   * cached one: callers that saw the same token rejected then share a single refresh.
   */
  invalidate(token?: string): void;
  /** The cached token's metadata (token masked), or undefined. */
  info(): TokenInfo | undefined;
  /** How many token requests this manager has sent (each 429 re-send counts). */
  readonly requestCount: number;
}

/** Creates a token manager for the client credentials grant against `tokenUrl`. */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const clock = options.clock ?? systemClock;
  const fetchFn = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const margin = options.refreshMargin ?? defaultRefreshMargin;
  const secrets = [options.clientSecret];
  const rules = TOKEN_ENDPOINT[dialectOf(options.dialect)];
  checkTokenUrl(options.tokenUrl);
  // A scope the endpoint ignores would hand out more than was asked for; better refused here than found out later.
  if (!rules.honoursScope && options.scope?.trim()) {
    throw new TypeError("scope: the deployed dialect's token endpoint ignores it (every token carries all of the client's scopes); leave it out.");
  }
  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  // Bumped by a full invalidate(): a token request started before it must not fill the cache after it.
  let generation = 0;
  let requestCount = 0;
  const rateLimit: RateLimitPolicy = { maxRetries: 2, maxWaitSeconds: 60, ...options.rateLimit, clock };

  function marginSeconds(expiresIn: number): number {
    const m = typeof margin === 'function' ? margin(expiresIn) : margin;
    // Never more than half the lifetime, or a short-lived token would be stale on arrival.
    return Math.min(Math.max(0, m), expiresIn / 2);
  }

  async function requestToken(): Promise<CachedToken> {
    const init = tokenRequestInit(options.auth ?? rules.defaultAuth, options, { basicFormEncoded: rules.basicFormEncoded });
    // The lifetime counts from when the last attempt went out (after any 429 wait), so latency only shortens it.
    let sentAt = clock.now();
    const send = (request: Request) => {
      requestCount++;
      sentAt = clock.now();
      return fetchFn(request);
    };
    let response: Response;
    try {
      const request = new Request(options.tokenUrl, { method: 'POST', headers: init.headers, body: init.body });
      response = await sendWithRateLimitRetry(request, send, rateLimit);
    } catch (cause) {
      throw new OAuthTokenError({ status: 0, description: cause instanceof Error ? cause.message : String(cause), tokenUrl: options.tokenUrl, secrets, cause });
    }
    const body = await readJson(response);
    if (!response.ok) throw tokenError(response, body);
    const token = body as Partial<TokenResponse> | undefined;
    if (
      typeof token?.access_token !== 'string' ||
      token.access_token === '' ||
      typeof token.token_type !== 'string' ||
      token.token_type.toLowerCase() !== 'bearer'
    ) {
      throw new OAuthTokenError({
        status: response.status,
        description: 'The token response has no access_token of token_type Bearer.',
        tokenUrl: options.tokenUrl,
        secrets,
      });
    }
    // Some servers send the number as a string; anything else unusable falls back to a short assumed lifetime.
    const announced = Number(token.expires_in);
    const expiresIn = Number.isFinite(announced) && announced > 0 ? announced : ASSUMED_LIFETIME_SECONDS;
    return {
      token: token.access_token,
      scope: typeof token.scope === 'string' ? token.scope : undefined,
      expiresAt: sentAt + expiresIn * 1000,
      refreshAt: sentAt + (expiresIn - marginSeconds(expiresIn)) * 1000,
    };
  }

  function tokenError(response: Response, body: unknown): OAuthTokenError {
    const base = { status: response.status, tokenUrl: options.tokenUrl, secrets, retryAfterSeconds: retryAfterSeconds(response.headers) };
    if (isOAuthError(body)) return new OAuthTokenError({ ...base, error: body.error, description: body.error_description });
    // An OperationOutcome (published 429 and 500) or the deployed dialect's `{"detail": …}` (every refusal).
    const { code, text } = summarizeErrorBody(body);
    if (code !== undefined || text !== undefined) return new OAuthTokenError({ ...base, code, description: text });
    return new OAuthTokenError({
      ...base,
      description: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; the body is neither an OAuth error, an OperationOutcome nor a {"detail"} body`,
    });
  }

  return {
    getToken() {
      if (cached && clock.now() < cached.refreshAt) return Promise.resolve(cached.token);
      // Set synchronously, before any await, so that every caller in the same tick joins this one request.
      if (!inflight) {
        const started = generation;
        const pending = requestToken().then((fresh) => {
          if (started === generation) cached = fresh;
          return fresh;
        });
        inflight = pending;
        const clear = () => {
          if (inflight === pending) inflight = undefined;
        };
        pending.then(clear, clear);
      }
      return inflight.then((t) => t.token);
    },
    invalidate(token?: string) {
      if (token === undefined) {
        cached = undefined;
        inflight = undefined;
        generation++;
      } else if (cached?.token === token) {
        cached = undefined;
      }
    },
    info() {
      return cached ? { ...cached, token: maskToken(cached.token) } : undefined;
    },
    get requestCount() {
      return requestCount;
    },
  };
}

/** Refuses token URLs that would put credentials where they end up in logs; the message never repeats the URL. */
function checkTokenUrl(tokenUrl: string): void {
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new TypeError('tokenUrl is not an absolute URL.');
  }
  if (url.username || url.password) throw new TypeError('tokenUrl must not contain user info: pass clientId and clientSecret instead.');
  if (url.hash) throw new TypeError('tokenUrl must not contain a fragment (RFC 6749 §3.2).');
}

function isOAuthError(body: unknown): body is OAuthErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(async () => {
    await discard(response);
    return '';
  });
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
