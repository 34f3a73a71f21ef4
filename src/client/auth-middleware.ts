/**
 * Bearer tokens on every API call, and the one recovery a 401 allows: the token may have been revoked or may
 * have expired early (clock skew, a rotated secret), so drop it, get a fresh one and re-send the request once.
 * A second 401 is the answer: the client is not allowed in, and asking again would only loop.
 */
import type { Middleware } from 'openapi-fetch';
import { discard, PendingRequests } from './pending.js';
import type { Send } from './rate-limit.js';
import type { TokenManager } from './token-manager.js';

export interface AuthMiddlewareOptions {
  tokens: Pick<TokenManager, 'getToken' | 'invalidate'>;
  /** How the retry after a 401 is sent (the client passes one that also honours 429). Defaults to a plain send. */
  resend?: (request: Request, send: Send) => Promise<Response>;
  /** Operations (contract paths) that must not carry a bearer token, such as the token endpoint itself. */
  skip?: (schemaPath: string) => boolean;
}

/** openapi-fetch middleware: adds `Authorization: Bearer …` and retries exactly once after a 401. */
export function authMiddleware({ tokens, resend = (r, send) => send(r), skip = () => false }: AuthMiddlewareOptions): Middleware {
  // The request body is consumed by the first send; the clone is what a retry sends.
  const pending = new PendingRequests<{ replay: Request; token: string }>();
  return {
    async onRequest({ request, schemaPath, id }) {
      if (skip(schemaPath)) return undefined;
      const token = await tokens.getToken();
      request.headers.set('Authorization', `Bearer ${token}`);
      pending.set(id, { replay: request.clone(), token });
      return request;
    },
    async onResponse({ response, id, options }) {
      const entry = pending.take(id);
      if (!entry || response.status !== 401) return undefined;
      await discard(response);
      // Only drops the token if no concurrent caller has replaced it already: concurrent 401s share one refresh.
      tokens.invalidate(entry.token);
      const fresh = await tokens.getToken();
      entry.replay.headers.set('Authorization', `Bearer ${fresh}`);
      return resend(entry.replay, (r) => options.fetch(r));
    },
    onError({ id }) {
      pending.take(id);
      return undefined;
    },
  };
}
