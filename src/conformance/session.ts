/**
 * The state of one kit run inside the vitest worker: the target, the tokens (fetched once and shared by every
 * check), the token and API budgets, and the context each check talks through. Every check file of a run shares
 * one Session (single worker, isolate: false; the session lives on globalThis, keyed by run id).
 */
import { getOperation, type OperationSpec } from '../contract/index.js';
import { BudgetExhausted, RequestBudget } from './budget.js';
import { catalogueById, severityOf } from './catalogue.js';
import { Inconclusive, SkipCheck, TokenRefused, type ApiCall, type Check, type CheckContext, type Evidence, type TokenCall, type TokenInfo } from './check.js';
import { NetworkError, send, type HttpResult, type RequestSpec } from './http.js';
import { retryAfterSeconds } from '../rfc/http.js';
import { Masker } from './mask.js';
import { applicability, type Profile } from './profiles.js';
import { buildTokenRequest, readTokenResponse } from './tokens.js';
import { targetSecrets, type Target } from './target.js';
import type { Assertion, CheckResult, Exchange, Role, Tier } from './types.js';
import { decideOutcomes } from './verdict.js';

/** What the main process hands the worker (vitest `provide`): plain data, kept in memory only. */
export interface RunConfig {
  runId: string;
  target: Target;
  profile: Profile;
  tier: Tier;
  /** Check ids to run; the rest were skipped or deselected by the planner. */
  selected: string[];
  tokenEndpoint: string;
  limits: { token: { perMinute: number; perDay: number }; api: { perMinute: number; perDay: number } };
  tokenLedger: number[];
  apiLedgers: Partial<Record<Role, number[]>>;
  tokens: Partial<Record<Role, TokenInfo>>;
  clockSkewMs: number;
  metadata?: Record<string, any>;
  /** The preflight's exchanges (token responses, metadata), already masked. */
  preflightExchanges: Exchange[];
  /** Longest single wait for a rate-limit window before a check is declared inconclusive. */
  maxWaitMs: number;
  timingSamples: number;
}

/** Shell variable names for secrets in curl lines. */
export function secretVariables(target: Target): Array<[string, string]> {
  const vars: Array<[string, string]> = [];
  for (const [role, c] of Object.entries(target.clients))
    vars.push([c.clientSecret, `SPP_${role.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}_CLIENT_SECRET`]);
  if (target.jwt?.secret) vars.push([target.jwt.secret, 'SPP_JWT_SECRET']);
  return vars.sort((a, b) => b[0].length - a[0].length);
}

/** `/Individual/{identifier}` + {identifier: 'sys|val'} under baseUrl; `|` stays raw, other reserved characters are encoded. */
export function operationUrl(
  baseUrl: string,
  op: OperationSpec,
  params: Record<string, string> = {},
  query?: Record<string, string> | URLSearchParams,
): string {
  const path = op.pathTemplate.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`${op.id} needs the path parameter ${name}`);
    return v
      .split('|')
      .map((part) => part.replace(/[^A-Za-z0-9\-._~:@!$&'()*+,;=]/g, (c) => encodeURIComponent(c)))
      .join('|');
  });
  const qs = query ? new URLSearchParams(query).toString() : '';
  return `${baseUrl}${path}${qs ? `?${qs}` : ''}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Session {
  readonly masker: Masker;
  readonly tokenBudget: RequestBudget;
  readonly apiBudgets = new Map<Role, RequestBudget>();
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly variables: Array<[string, string]>;
  private exchangeSeq: number;
  readonly memos = new Map<string, Promise<unknown>>();
  waitsMs = 0;

  constructor(readonly config: RunConfig) {
    this.masker = new Masker(targetSecrets(config.target));
    this.variables = secretVariables(config.target);
    this.exchangeSeq = Math.max(0, ...config.preflightExchanges.map((e) => e.id));
    this.tokenBudget = new RequestBudget('token endpoint', config.limits.token, config.tokenLedger);
    for (const [role, token] of Object.entries(config.tokens)) this.tokens.set(`${role}|`, token);
  }

  apiBudget(role: Role): RequestBudget {
    let b = this.apiBudgets.get(role);
    if (!b) {
      b = new RequestBudget(`API (${role} client)`, this.config.limits.api, this.config.apiLedgers[role] ?? []);
      this.apiBudgets.set(role, b);
    }
    return b;
  }

  /** Waits (printing why) until one more request fits; inconclusive when the wait would be too long or the day is spent. */
  async acquire(budget: RequestBudget, log: (l: string) => void, probe = false): Promise<void> {
    let delay: number;
    try {
      delay = budget.delayFor(Date.now());
      if (probe) delay = 0;
    } catch (e) {
      if (e instanceof BudgetExhausted) throw new Inconclusive(e.message);
      throw e;
    }
    if (delay > this.config.maxWaitMs) {
      const why = budget.blockedUntil > Date.now() ? 'the target refused with 429 and Retry-After' : 'the next request fits';
      throw new Inconclusive(`${budget.name}: ${why} in ${Math.ceil(delay / 1000)} s, beyond --max-wait`);
    }
    if (delay > 0) {
      log(`waiting ${Math.ceil(delay / 1000)} s for the ${budget.name} rate-limit window (${budget.limits.perMinute}/min)`);
      this.waitsMs += delay;
      await sleep(delay);
    }
    budget.record(Date.now());
  }

  cachedToken(role: Role, scope?: string): TokenInfo | undefined {
    const t = this.tokens.get(`${role}|${scope ?? ''}`);
    // Refresh well before expiry so that a long run never uses a token that dies mid-request.
    if (t && t.expiresAt - Date.now() > Math.min(60_000, (t.expiresIn ?? 3600) * 200)) return t;
    return undefined;
  }

  storeToken(scope: string | undefined, token: TokenInfo): void {
    this.tokens.set(`${token.role}|${scope ?? ''}`, token);
  }

  nextExchangeId(): number {
    return ++this.exchangeSeq;
  }

  httpOptions(onExchange: (e: Exchange) => void) {
    return { masker: this.masker, validate: this.config.profile.contract, variables: this.variables, onExchange, nextId: () => this.nextExchangeId() };
  }
}

const KEY = Symbol.for('spp-kit.conformance.session');

export function getSession(config: RunConfig): Session {
  const g = globalThis as unknown as Record<symbol, Session | undefined>;
  if (g[KEY]?.config.runId !== config.runId) g[KEY] = new Session(config);
  return g[KEY];
}

/** Runs one check against the session and returns its result. Never throws. */
export async function runCheck(session: Session, check: Check, log: (line: string) => void): Promise<CheckResult> {
  const { config } = session;
  const started = Date.now();
  const waited = session.waitsMs;
  const assertions: Assertion[] = [];
  const exchanges: Exchange[] = [];
  const measurements: Record<string, string | number | boolean> = {};
  /** Ruled out by the profile: assertions on these ids are ignored. */
  const profileNa = new Map<string, string>();
  /** Did not arise in this run (declared by the check): reported as not applicable unless asserted. */
  const runtimeNa = new Map<string, string>();
  let tokenRequests = 0;
  const catalogue = catalogueById();
  const verifies = new Set(check.verifies);
  for (const id of check.verifies) {
    const a = applicability(config.profile, id);
    if (!a.applies) profileNa.set(id, a.reason);
  }
  const httpOptions = session.httpOptions((e) => exchanges.push(e));

  const evidenceIds = (evidence?: Evidence) =>
    evidence ? (Array.isArray(evidence) ? evidence : [evidence]).map((r) => ('exchange' in r ? r.exchange.id : r.id)) : undefined;

  const assert = (requirement: string, ok: boolean, message: string, evidence?: Evidence): boolean => {
    if (!verifies.has(requirement)) throw new Error(`check ${check.id} asserts ${requirement}, which it does not declare in verifies`);
    if (profileNa.has(requirement)) return ok;
    const ev = evidenceIds(evidence);
    assertions.push({ requirement, ok, message: session.masker.text(message), ...(ev ? { evidence: ev } : {}) });
    return ok;
  };

  /** Every validated answer verifies (or breaks) the contract: OSPP-CT-01 is asserted for each. */
  const contractAssert = (result: HttpResult) => {
    if (!config.profile.contract || !result.exchange.operation) return;
    verifies.add('OSPP-CT-01');
    const issues = result.exchange.contractIssues ?? [];
    assertions.push({
      requirement: 'OSPP-CT-01',
      ok: issues.length === 0,
      message: issues.length
        ? `${result.exchange.operation} ${result.status} breaks the contract: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`
        : `${result.exchange.operation} ${result.status} conforms to the contract`,
      evidence: [result.exchange.id],
    });
  };

  const send429Aware = async (spec: RequestSpec, expect429: boolean | undefined, budget: RequestBudget | undefined, probe = false): Promise<HttpResult> => {
    for (let attempt = 0; ; attempt++) {
      if (budget) await session.acquire(budget, log, probe);
      const result = await send(spec, httpOptions);
      if (result.status !== 429 || expect429) return result;
      const retryAfter = retryAfterSeconds(result.headers.get('retry-after')) ?? Number.NaN;
      // Someone else (another run, another client on this IP) spent the window: wait once, then give up.
      if (attempt === 0 && Number.isFinite(retryAfter) && retryAfter * 1000 <= Math.min(config.maxWaitMs, 65_000)) {
        log(`429 from ${spec.method} ${session.masker.text(new URL(spec.url).pathname)}: waiting Retry-After ${retryAfter} s`);
        session.waitsMs += retryAfter * 1000;
        await sleep(retryAfter * 1000 + 250);
        continue;
      }
      // Remember the refusal: later checks on this budget are cut off at once instead of waiting out windows.
      if (budget && !probe && Number.isFinite(retryAfter)) budget.block(Date.now() + retryAfter * 1000);
      throw new Inconclusive(
        `rate limited (429) at ${spec.method} ${session.masker.text(new URL(spec.url).pathname)}${Number.isFinite(retryAfter) ? `, Retry-After ${retryAfter} s` : ''}`,
      );
    }
  };

  const tokenRequest = async (call: TokenCall): Promise<HttpResult> => {
    tokenRequests++;
    const spec = buildTokenRequest(config.tokenEndpoint, call);
    // Token answers are contract answers too (issueToken), except under profiles for other servers.
    if (config.profile.contract && (call.httpMethod ?? 'POST') === 'POST') spec.operation = getOperation('issueToken');
    const result = await send429Aware(spec, call.expect429, session.tokenBudget, call.probe);
    contractAssert(result);
    return result;
  };

  const ctx: CheckContext = {
    target: config.target,
    profile: config.profile,
    tier: config.tier,
    runId: config.runId,
    tokenEndpoint: config.tokenEndpoint,
    clockSkewMs: config.clockSkewMs,
    limits: config.limits,
    metadata: config.metadata,
    timingSamples: config.timingSamples,
    async token(role, scope) {
      const cached = session.cachedToken(role, scope);
      if (cached) return cached;
      const client = config.target.clients[role];
      if (!client) throw new SkipCheck(`the target file declares no ${role} client`);
      const result = await tokenRequest({ method: config.profile.clientAuth.primary, client, ...(scope ? { params: { scope } } : {}) });
      const token = readTokenResponse(role, result, config.clockSkewMs);
      if (!token)
        throw new TokenRefused(
          `the ${role} client could not get a token${scope ? ` for scope '${scope}'` : ''}: ${result.status} ${session.masker.text(result.text.slice(0, 200))}`,
          result,
        );
      session.storeToken(scope, token);
      return token;
    },
    tokenRequest,
    async api(op, call: ApiCall = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...(call.headers ?? {}) };
      let role: Role | undefined;
      if (call.token !== undefined) {
        const credential = typeof call.token === 'string' ? call.token : call.token.accessToken;
        headers.authorization ??= `Bearer ${credential}`;
        if (typeof call.token !== 'string') role = call.token.role;
      }
      const spec: RequestSpec = {
        method: op.method,
        url: operationUrl(config.target.baseUrl, op, call.params, call.query),
        headers,
        operation: op,
        ...(call.body !== undefined ? { body: call.body } : {}),
      };
      const result = await send429Aware(spec, call.expect429, role ? session.apiBudget(role) : undefined, call.probe);
      contractAssert(result);
      return result;
    },
    async request(spec) {
      const result = await send429Aware(spec, spec.expect429, spec.role ? session.apiBudget(spec.role) : undefined);
      contractAssert(result);
      return result;
    },
    assert,
    notApplicable(requirement, reason) {
      if (!verifies.has(requirement)) throw new Error(`check ${check.id} marks ${requirement} not applicable, which it does not declare`);
      if (!profileNa.has(requirement)) runtimeNa.set(requirement, reason);
    },
    skip(reason) {
      throw new SkipCheck(reason);
    },
    recent(kind) {
      const budget = kind === 'token' ? session.tokenBudget : session.apiBudget(kind);
      return budget.inLastMinute(Date.now()).length;
    },
    measure(name, value) {
      measurements[name] = typeof value === 'string' ? session.masker.text(value) : value;
    },
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let p = session.memos.get(key) as Promise<T> | undefined;
      if (!p) {
        p = compute();
        session.memos.set(key, p);
        // A failed computation is not cached: the next check may try again.
        p.catch(() => session.memos.delete(key));
      }
      return p;
    },
    adopt(exchangeId) {
      const e = config.preflightExchanges.find((x) => x.id === exchangeId);
      if (!e) return undefined;
      if (!exchanges.includes(e)) exchanges.push(e);
      if (config.profile.contract && e.operation) {
        verifies.add('OSPP-CT-01');
        const issues = e.contractIssues ?? [];
        assertions.push({
          requirement: 'OSPP-CT-01',
          ok: issues.length === 0,
          message: issues.length
            ? `${e.operation} ${e.response?.status} breaks the contract: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`
            : `${e.operation} ${e.response?.status} conforms to the contract`,
          evidence: [e.id],
        });
      }
      return e;
    },
    log,
    sleep: async (ms) => {
      session.waitsMs += ms;
      await sleep(ms);
    },
  };

  let skipped: string | undefined;
  let interrupted: string | undefined;
  let error: string | undefined;
  try {
    await check.run(ctx);
  } catch (e) {
    if (e instanceof SkipCheck) skipped = e.reason;
    else if (e instanceof TokenRefused) skipped = `precondition not met: ${e.reason}`;
    else if (e instanceof Inconclusive) interrupted = e.reason;
    else if (e instanceof NetworkError) error = e.message;
    else error = `kit error: ${session.masker.text(e instanceof Error ? (e.stack ?? e.message) : String(e))}`;
  }
  const allVerifies = [...verifies];
  const decided = decideOutcomes({
    verifies: allVerifies,
    assertions,
    notApplicable: new Map([...runtimeNa, ...profileNa]),
    severity: (id) => severityOf(catalogue.get(id)?.level ?? 'MUST'),
    ...(interrupted ? { interrupted } : {}),
    ...(skipped ? { skipped } : {}),
    ...(error ? { error } : {}),
  });
  return {
    checkId: check.id,
    title: check.title,
    suite: check.suite,
    verifies: allVerifies,
    verdict: decided.verdict,
    ...(decided.reason ? { reason: session.masker.text(decided.reason) } : {}),
    outcomes: decided.outcomes.map((o) => ({ ...o, message: session.masker.text(o.message) })),
    assertions,
    exchanges,
    tokenRequests,
    durationMs: Date.now() - started,
    ...(session.waitsMs > waited ? { waitedMs: Math.round(session.waitsMs - waited) } : {}),
    ...(Object.keys(measurements).length ? { measurements } : {}),
  };
}
