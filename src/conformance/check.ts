/**
 * What a check is: an id, the requirement ids it verifies, what it needs from the target, the token requests it
 * may spend, and a `run` that talks to the target through a CheckContext and records assertions. Checks are
 * plain objects, so the planner can select and count them without running anything.
 */
import type { OperationSpec } from '../contract/index.js';
import type { HttpResult, RequestSpec } from './http.js';
import type { AuthMethod, Profile } from './profiles.js';
import type { ApiAnswer } from './session.js';
import type { Target, TargetClient } from './target.js';
import type { Exchange, Role, Tier } from './types.js';

/** What shows an assertion: the answers (or recorded exchanges) it was read from. */
export type Evidence = HttpResult | Exchange | Array<HttpResult | Exchange>;

/** Rate limits as a run uses them. */
export interface RunLimits {
  perMinute: number;
  perDay: number;
  assumed?: boolean;
}

/** How an assertion weighs and groups (see CheckContext.assert). */
export interface AssertHow {
  cause?: string;
  weight?: 'should';
}

/** The suites in run order — the one place it is declared: budget-consuming probes last. */
export const SUITES = ['discovery', 'token', 'user-flows', 'jwt', 'auth', 'scopes', 'consent', 'resources', 'expiry', 'rate-limits'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface CheckNeeds {
  clients?: Role[];
  records?: Array<'consented' | 'unconsented' | 'consent' | 'foreignConsent'>;
  /** Signing key material in the target file. */
  key?: boolean;
  /** `writes: true` in the target file. */
  writes?: boolean;
  /** A `userFlows` section with a client of this kind (`any`: either; `both`: one of each). */
  userFlows?: 'any' | 'confidential' | 'public' | 'both';
  tier?: Tier;
}

export interface Check {
  id: string;
  title: string;
  suite: SuiteName;
  verifies: string[];
  needs?: CheckNeeds;
  /** Worst-case requests to the token endpoint besides shared tokens (the planner's budget). */
  tokenRequests?: number | ((profile: Profile) => number);
  /** Shared tokens the check uses: fetched once per run whichever check asks first. */
  uses?: TokenKey[];
  /** A rate-limit probe spends the rest of a window on purpose (planned separately, run last). */
  probe?: 'token' | 'api';
  /** A reason when the profile rules the check out beyond its requirement ids (e.g. an auth method it does not use). */
  notApplicable?: (profile: Profile) => string | undefined;
  run(ctx: CheckContext): Promise<void>;
}

/** A client role's default token, or the full client's `subset` (a resource:all scope) or `narrow` (one scope) token. */
export type TokenKey = Role | 'subset' | 'narrow';

/**
 * A token the kit holds for one client role, with what the token response said about it (fields and headers,
 * masked) — the checks' evidence. Not the client library's TokenInfo, which is a caller's view of a cached token.
 */
export interface RoleToken {
  role: Role;
  accessToken: string;
  /** The scopes the token holds: the response's scope, else its claims, else the scope requested (tokens.ts heldScopes). */
  scope: string;
  /** The scope parameter the request sent, when it sent one. */
  requested?: string;
  /** expires_in as sent (undefined when absent). */
  expiresIn?: number;
  /** Local time (ms) the token expires, from expires_in or exp. */
  expiresAt: number;
  /** The masked exchange that produced it. */
  exchangeId?: number;
  /** The token response body with the token masked (for field checks). */
  response: Record<string, unknown>;
  responseHeaders: Record<string, string>;
  status: number;
}

export interface ApiCall {
  /** The bearer credential: a cached token, or any string (forged, garbage); omit for no Authorization header. */
  token?: RoleToken | string;
  /** For a string token: how the kit made it (`the full client's token with alg none`), for the curl reproduction. */
  forged?: string;
  /** The client role whose token a forged one was made from. */
  forgedFrom?: Role;
  /** Path parameters by name. */
  params?: Record<string, string>;
  query?: Record<string, string> | URLSearchParams;
  headers?: Record<string, string>;
  body?: RequestSpec['body'];
  /** A 429 is what this request is for (rate-limit probes): return it instead of stopping the check. */
  expect429?: boolean;
  /** Rate-limit probe: counted, but not held back by the minute window. */
  probe?: boolean;
  /** An optional feature's operation: an absent answer is not judged under OSPP-CT-01 (RequestSpec.optional). */
  optional?: boolean;
}

export interface TokenCall {
  method: AuthMethod;
  client?: TargetClient;
  /** Extra or replacing parameters (`undefined` removes one). */
  params?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Send this raw form body instead (repeated parameters). */
  rawForm?: string;
  httpMethod?: string;
  expect429?: boolean;
  /** Rate-limit probe: not held back by the minute window (still counted, still within the day's budget). */
  probe?: boolean;
}

export interface CheckContext {
  readonly target: Target;
  readonly profile: Profile;
  readonly tier: Tier;
  readonly runId: string;
  readonly tokenEndpoint: string;
  /** Server clock minus local clock, ms (from Date headers). */
  readonly clockSkewMs: number;
  /** The limits the run paces by; `assumed` when nobody declared or advertised them (then no limit is judged on them). */
  readonly limits: { token: RunLimits; api: RunLimits };
  /** GET /metadata as the preflight saw it (openspp profile), undefined otherwise. */
  readonly metadata: Record<string, any> | undefined;
  /** Requests per side for timing comparisons. */
  readonly timingSamples: number;

  /** A token for a client role (fetched once, reused; `scope` asks for a subset). */
  token(role: Role, scope?: string): Promise<RoleToken>;
  /** Sends a token-endpoint request, counted against the token budget. */
  tokenRequest(call: TokenCall): Promise<HttpResult>;
  /** Calls a contract operation under baseUrl; the answer is validated against the contract. */
  api(op: OperationSpec, call?: ApiCall): Promise<HttpResult>;
  /** Any other request (discovery documents, wrong methods); `countsAsToken`: spends the token endpoint's budget (a sign-in, revocation). */
  request(spec: RequestSpec & { expect429?: boolean; role?: Role; countsAsToken?: boolean }): Promise<HttpResult>;

  /**
   * Records an observation on a declared requirement; returns `ok`. `how.cause` names what was observed without
   * the operation (failures sharing requirement and cause are one root cause); `how.weight: 'should'` makes a
   * failure at most a warning (a limit nobody declared was not seen enforced).
   */
  assert(requirement: string, ok: boolean, message: string, evidence?: Evidence, how?: AssertHow): boolean;
  /** The requirement does not arise in this run (e.g. no error_uri was ever sent). */
  notApplicable(requirement: string, reason: string): void;
  /** Stops the check: a precondition the target does not meet. */
  skip(reason: string): never;
  measure(name: string, value: string | number | boolean): void;
  /** Requests this run sent in the last minute to the token endpoint, or to the API with a role's tokens. */
  recent(kind: 'token' | Role): number;
  /** Every API answer this run received for a request with a client's token so far (their quota headers). */
  apiAnswers(): readonly ApiAnswer[];
  /** Computes once per run (shared by every check): control tokens, found records. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** An exchange the preflight made (the token responses), added to this check's evidence. */
  adopt(exchangeId: number | undefined): Exchange | undefined;
  log(line: string): void;
  sleep(ms: number): Promise<void>;
}
