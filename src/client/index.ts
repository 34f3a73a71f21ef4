/**
 * The typed OpenSPP API V2 client: openapi-fetch over the contract's `paths`, with client-credentials tokens,
 * one retry after a 401 and bounded waiting on 429 done as middleware.
 *
 * ```ts
 * const spp = createSppClient({ baseUrl, clientId, clientSecret });
 * const { data, error } = await spp.GET('/Individual', { params: { query: { name: 'santos' } } });
 * const person = unwrap(await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } }));
 * ```
 */
import createClient from 'openapi-fetch';
import { authMiddleware } from './auth-middleware.js';
import { systemClock, type Clock } from './clock.js';
import { TOKEN_PATH, type paths } from './contract-types.js';
import type { ClientAuthStyle } from './credentials.js';
import { rateLimitMiddleware, sendWithRateLimitRetry, type RateLimitPolicy } from './rate-limit.js';
import { createTokenManager, type RefreshMargin, type TokenManager } from './token-manager.js';
import type { TypedClient } from './typed-client.js';
import { operationTagMiddleware } from './unwrap.js';

export interface SppClientOptions {
  /** The API base URL, e.g. `http://127.0.0.1:8069/api/v2/spp`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated subset of the client's scopes to ask for; omitted = all the client holds. */
  scope?: string;
  /** The fetch to use (tests pass an in-process app). Defaults to `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Client authentication at the token endpoint. Default `basic` (RFC 6749 §2.3.1). */
  auth?: ClientAuthStyle;
  /** Default `${baseUrl}/oauth/token`. */
  tokenUrl?: string;
  /** Seconds before expiry to replace a token, or a rule from the lifetime. Default: 10 % of it, within [5 s, 5 min]. */
  refreshMargin?: RefreshMargin;
  /** Retries after a 429, per call (and per token request). Default 2. */
  maxRateLimitRetries?: number;
  /** A 429 asking for a longer wait surfaces at once instead of being waited out. Default 60. */
  maxRetryAfterSeconds?: number;
  /** Time source; tests inject one to move time instead of waiting. */
  clock?: Clock;
}

/** An openapi-fetch client typed by the contract, plus its token manager. */
export interface SppClient extends TypedClient {
  readonly tokens: TokenManager;
}

/** Creates a client for one API client (one `client_id`). Tokens are fetched lazily, on the first call. */
export function createSppClient(options: SppClientOptions): SppClient {
  if (!options.baseUrl || !options.clientId || !options.clientSecret) throw new TypeError('createSppClient needs baseUrl, clientId and clientSecret.');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const limits = { maxRetries: options.maxRateLimitRetries ?? 2, maxWaitSeconds: options.maxRetryAfterSeconds ?? 60 };
  const tokens = createTokenManager({
    tokenUrl: options.tokenUrl ?? `${baseUrl}${TOKEN_PATH}`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    auth: options.auth ?? 'basic',
    ...(options.refreshMargin === undefined ? {} : { refreshMargin: options.refreshMargin }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    clock,
    rateLimit: limits,
  });
  const policy: RateLimitPolicy = {
    ...limits,
    clock,
    // After waiting out a 429, send the token that is current *now* (a no-op unless the wait crossed its refresh point).
    beforeResend: async (request) => {
      if (/^Bearer /i.test(request.headers.get('Authorization') ?? '')) request.headers.set('Authorization', `Bearer ${await tokens.getToken()}`);
    },
  };
  const client = createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  // Order matters: openapi-fetch runs onRequest in this order and onResponse in reverse. The tag sees the final
  // response; auth adds the token before the rate limiter copies the request, and handles a 401 after it.
  client.use(
    operationTagMiddleware,
    authMiddleware({ tokens, resend: (request, send) => sendWithRateLimitRetry(request, send, policy), skip: (path) => path === TOKEN_PATH }),
    rateLimitMiddleware(policy),
  );
  return Object.assign(client, { tokens }) as unknown as SppClient;
}

export { authMiddleware, type AuthMiddlewareOptions } from './auth-middleware.js';
export { systemClock, type Clock } from './clock.js';
export type { components, ErrorCode, OAuthErrorCode, OperationOutcome, operations, paths, TokenResponse } from './contract-types.js';
export { basicAuthorization, formEncode, type ClientAuthStyle, type ClientCredentials } from './credentials.js';
export { maskToken, OAuthTokenError, SppApiError } from './errors.js';
export { rateLimitDelayMs, rateLimitMiddleware, type RateLimitPolicy } from './rate-limit.js';
export { createTokenManager, defaultRefreshMargin, type RefreshMargin, type TokenInfo, type TokenManager, type TokenManagerOptions } from './token-manager.js';
export type { SppInit, SppResult, TypedClient } from './typed-client.js';
export { unwrap } from './unwrap.js';
