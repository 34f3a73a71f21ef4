/** The published dialect's edge: RFC 6750 bearer tokens, RFC 9068 JWTs, RateLimit headers on every answer. */
import { publishedContract } from '../../contract/contract.js';
import { ApiError } from '../../contract/errors.js';
import { rfc6750Bearer } from '../auth/bearer.js';
import { rateLimitHeaders } from '../rate-limit/limiter.js';
import type { DialectEdge } from './index.js';

export const publishedEdge: DialectEdge = {
  name: 'published',
  contract: publishedContract,
  bearer: rfc6750Bearer,
  tokenFormat: 'rfc9068',
  addressLimited: (d) =>
    new ApiError('RATE_LIMIT_EXCEEDED', `Too many token requests from this address. Retry after ${d.retryAfter} seconds.`, { headers: rateLimitHeaders(d) }),
  clientLimited: (d) =>
    new ApiError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded for this client. Retry after ${d.retryAfter} seconds.`, { headers: rateLimitHeaders(d) }),
  quotaOnSuccess: true,
};
