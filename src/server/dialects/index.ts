/**
 * The two dialects the reference server speaks. One registry, one store, one auth and consent engine; a dialect
 * decides only the wire format at the edge: which contract is served (and so which requests are accepted and how
 * errors are rendered), how a bearer token is read and refused, what a rate-limit refusal looks like, the token
 * format, and the route table that turns requests into engine calls and engine results into its resources.
 */
import type { Contract, Dialect } from '../../contract/contract.js';
import type { ApiError } from '../../contract/errors.js';
import type { BearerStyle } from '../auth/bearer.js';
import type { TokenSettings } from '../auth/tokens.js';
import type { RateDecision } from '../rate-limit/limiter.js';

export interface DialectEdge {
  name: Dialect;
  contract: Contract;
  bearer: BearerStyle;
  tokenFormat: NonNullable<TokenSettings['format']>;
  /** The refusal of a token request over the per-address limit. */
  addressLimited(decision: RateDecision): ApiError;
  /** The refusal of an API request over the client's limit. */
  clientLimited(decision: RateDecision): ApiError;
  /** Whether successful API answers report the remaining quota. */
  quotaOnSuccess: boolean;
}
