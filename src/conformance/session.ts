/**
 * The state of one kit run inside the vitest worker: the run configuration, the tokens (fetched once and shared
 * by every check), the token and API budgets, the memos, the time spent waiting and the exchange numbering. Every
 * check of a run shares one Session (single worker, isolate: false; the session lives on globalThis, keyed by
 * run id).
 */
import { RequestBudget } from './budget.js';
import type { RoleToken, RunLimits } from './check.js';
import type { HttpClientOptions } from './http.js';
import { useDialect } from './kit-contract.js';
import { recordSpend } from './ledger.js';
import { Masker } from './mask.js';
import type { Profile } from './profiles.js';
import { secretVariables, targetSecrets, type Target } from './target.js';
import { tokenHowTo } from './tokens.js';
import type { Exchange, Role, Tier } from './types.js';

/** What the main process hands the worker (vitest `provide`): plain data, kept in memory only. */
export interface RunConfig {
  runId: string;
  target: Target;
  profile: Profile;
  tier: Tier;
  /** The ids of the checks to run, in run order: the planner's `selected`, nothing else. */
  selected: string[];
  tokenEndpoint: string;
  limits: { token: RunLimits; api: RunLimits };
  tokenLedger: number[];
  apiLedgers: Partial<Record<Role, number[]>>;
  tokens: Partial<Record<Role, RoleToken>>;
  clockSkewMs: number;
  metadata?: Record<string, any>;
  /** The preflight's exchanges (token responses, metadata), already masked. */
  preflightExchanges: Exchange[];
  /** Longest single wait for a rate-limit window before a check is declared inconclusive. */
  maxWaitMs: number;
  timingSamples: number;
  /** Per-request timeout (--request-timeout); the http layer's default when absent. */
  timeoutMs?: number;
  /** The state file that remembers this target's token spend across runs of the day (the worker appends to it). */
  ledgerFile?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An API answer to a request with a client's token, as the quota-header check reads them afterwards. */
export interface ApiAnswer {
  role: Role;
  operation: string;
  status: number;
  /** The quota headers as sent (null when absent). */
  ratelimit: string | null;
  policy: string | null;
  legacyRemaining: string | null;
  legacyLimit: string | null;
}

/** One run's shared state in the worker; see getSession. */
export class Session {
  readonly masker: Masker;
  readonly tokenBudget: RequestBudget;
  /** Time spent waiting for rate-limit windows (and deliberate waits of checks), over the whole run. */
  waitsMs = 0;
  /** Every API answer to a request with a client's token, in the order received (quota headers, OSPP-RL-02). */
  readonly apiAnswers: ApiAnswer[] = [];
  private readonly apiBudgets = new Map<Role, RequestBudget>();
  private readonly tokens = new Map<string, RoleToken>();
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly variables: Array<[string, string]>;
  private exchangeSeq: number;

  constructor(readonly config: RunConfig) {
    useDialect(config.profile.dialect);
    this.masker = new Masker(targetSecrets(config.target));
    this.variables = secretVariables(config.target);
    this.exchangeSeq = Math.max(0, ...config.preflightExchanges.map((e) => e.id));
    this.tokenBudget = new RequestBudget('token endpoint', config.limits.token, config.tokenLedger);
    const file = config.ledgerFile;
    if (file) this.tokenBudget.onRecord = (t) => recordSpend(file, config.tokenEndpoint, [t]);
    for (const [role, token] of Object.entries(config.tokens)) this.tokens.set(`${role}|`, token);
  }

  /** The API budget of a client role (each client has its own quota). */
  apiBudget(role: Role): RequestBudget {
    let b = this.apiBudgets.get(role);
    if (!b) {
      b = new RequestBudget(`API (${role} client)`, this.config.limits.api, this.config.apiLedgers[role] ?? []);
      this.apiBudgets.set(role, b);
    }
    return b;
  }

  /** A token fetched earlier in the run for this role and scope, unless it is close to expiry. */
  cachedToken(role: Role, scope?: string): RoleToken | undefined {
    const t = this.tokens.get(`${role}|${scope ?? ''}`);
    // Refresh well before expiry so that a long run never uses a token that dies mid-request.
    if (t && t.expiresAt - Date.now() > Math.min(60_000, (t.expiresIn ?? 3600) * 200)) return t;
    return undefined;
  }

  storeToken(scope: string | undefined, token: RoleToken): void {
    this.tokens.set(`${token.role}|${scope ?? ''}`, token);
  }

  /** Computes once per run, whichever check asks first; a failed computation is not kept, so the next may retry. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.memos.set(key, p);
      p.catch(() => this.memos.delete(key));
    }
    return p;
  }

  /** Waits `ms`, counted as time spent waiting for rate limits; `slackMs` more is slept but not counted. */
  async wait(ms: number, slackMs = 0): Promise<void> {
    this.waitsMs += ms;
    await sleep(ms + slackMs);
  }

  /** How the http layer records a check's exchanges: masked, numbered after the preflight's, with curl variables. */
  httpOptions(onExchange: (e: Exchange) => void): HttpClientOptions {
    const { target, profile, tokenEndpoint, timeoutMs } = this.config;
    return {
      masker: this.masker,
      validate: profile.contract,
      variables: this.variables,
      onExchange,
      nextId: () => ++this.exchangeSeq,
      tokenHowTo: (role) => {
        const client = target.clients[role as Role];
        return client ? tokenHowTo(tokenEndpoint, profile.clientAuth.primary, role, client, this.variables, this.masker) : [];
      },
      ...(timeoutMs ? { timeoutMs } : {}),
    };
  }
}

const KEY = Symbol.for('spp-kit.conformance.session');

/** The run's session, created by the first check of the run (a new run id replaces it). */
export function getSession(config: RunConfig): Session {
  const g = globalThis as unknown as Record<symbol, Session | undefined>;
  if (g[KEY]?.config.runId !== config.runId) g[KEY] = new Session(config);
  return g[KEY];
}
