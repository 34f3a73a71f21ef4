/**
 * The deployed dialect's edge, as `spp_api_v2` answers: a bare token is accepted, the module's 401 texts, its
 * JWT claims, and its 429s — `Retry-After` alone on the token endpoint; `Retry-After` and `X-RateLimit-*` (the
 * reset in seconds) on the API, with no quota headers on successful answers.
 */
import { deployedContract } from '../../../contract/contract.js';
import { ApiError } from '../../../contract/errors.js';
import { deployedBearer } from '../../auth/bearer.js';
import type { RateDecision } from '../../rate-limit/limiter.js';
import type { DialectEdge } from '../index.js';

/** The exhausted window a 429 reports: the one that resets last. */
function exhausted(d: RateDecision) {
  const out = d.states.filter((s) => s.remaining <= 0);
  return (out.length ? out : d.states).reduce((a, b) => (b.resetIn > a.resetIn ? b : a));
}

export const deployedEdge: DialectEdge = {
  name: 'deployed',
  contract: deployedContract,
  bearer: deployedBearer,
  tokenFormat: 'openspp',
  addressLimited: (d) =>
    new ApiError('RATE_LIMIT_EXCEEDED', 'Too many authentication attempts. Please try again later.', {
      headers: { 'Retry-After': String(d.retryAfter ?? 1) },
    }),
  clientLimited: (d) => {
    const retry = String(d.retryAfter ?? 1);
    return new ApiError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded. Retry after ${retry} seconds.`, {
      headers: { 'Retry-After': retry, 'X-RateLimit-Limit': String(exhausted(d).policy.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': retry },
    });
  },
  quotaOnSuccess: false,
};
