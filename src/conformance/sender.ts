/**
 * The sending side of one check: every request goes through the run's budgets (waiting, and saying so, when the
 * next request does not fit yet), a 429 the check did not ask for is waited out once or cuts the check off, token
 * requests are counted, and every answer is recorded — a contract operation's answer as OSPP-CT-01 evidence.
 */
import { type OperationSpec } from '../contract/index.js';
import { kitOperation } from './kit-contract.js';
import { retryAfterSeconds } from '../rfc/http.js';
import type { RequestBudget } from './budget.js';
import type { ApiCall, TokenCall, RoleToken } from './check.js';
import { send, type HttpClientOptions, type HttpResult, type RequestSpec } from './http.js';
import type { CheckRecorder } from './recorder.js';
import type { Session } from './session.js';
import { cutOff, skipped } from './stopped.js';
import { buildTokenRequest, readTokenResponse } from './tokens.js';
import type { Exchange, Role } from './types.js';

/** How one request meets the rate limits: the budget it counts against, and whether a 429 is what it is for. */
interface Pacing {
  budget: RequestBudget | undefined;
  /** A 429 is the answer the check wants (rate-limit probes): returned instead of stopping the check. */
  expect429?: boolean | undefined;
  /** Rate-limit probe: counted, but not held back by the minute window. */
  probe?: boolean | undefined;
}

/** Longest Retry-After the kit waits out once for a 429 it did not cause (someone else spent the window). */
const MAX_FOREIGN_RETRY_AFTER_MS = 65_000;

/** `/Individual/{identifier}` + {identifier: 'sys|val'} under baseUrl; `|` stays raw, other reserved characters are encoded. */
function operationUrl(baseUrl: string, op: OperationSpec, params: Record<string, string> = {}, query?: Record<string, string> | URLSearchParams): string {
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

/** The one way a check reaches the target. */
export class CheckSender {
  private readonly http: HttpClientOptions;

  constructor(
    private readonly session: Session,
    private readonly recorder: CheckRecorder,
    private readonly log: (line: string) => void,
  ) {
    this.http = session.httpOptions((e) => recorder.exchange(e));
  }

  /** A token for a client role: the run's cached one, else a new one; a refusal skips the check (its own token checks say why). */
  async token(role: Role, scope?: string): Promise<RoleToken> {
    const cached = this.session.cachedToken(role, scope);
    if (cached) return cached;
    const { config, masker } = this.session;
    const client = config.target.clients[role];
    if (!client) throw skipped(`the target file declares no ${role} client`);
    const result = await this.tokenRequest({ method: config.profile.clientAuth.primary, client, ...(scope ? { params: { scope } } : {}) });
    const token = readTokenResponse(role, result, config.clockSkewMs, scope ?? client.scope);
    if (!token)
      throw skipped(
        `precondition not met: the ${role} client could not get a token${scope ? ` for scope '${scope}'` : ''}: ${result.status} ${masker.text(result.text.slice(0, 200))}`,
      );
    this.session.storeToken(scope, token);
    return token;
  }

  /** A token-endpoint request, counted against the token budget and the check's token requests. */
  async tokenRequest(call: TokenCall): Promise<HttpResult> {
    const { config } = this.session;
    this.recorder.tokenRequests++;
    const spec = buildTokenRequest(config.tokenEndpoint, call);
    // Token answers are contract answers too (issueToken), except under profiles for other servers.
    if (config.profile.contract && (call.httpMethod ?? 'POST') === 'POST') spec.operation = kitOperation('issueToken');
    return this.send(spec, { budget: this.session.tokenBudget, expect429: call.expect429, probe: call.probe });
  }

  /** A contract operation under baseUrl; a role's token counts against that role's API budget. */
  async api(op: OperationSpec, call: ApiCall = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json', ...(call.headers ?? {}) };
    if (call.token !== undefined) headers.authorization ??= `Bearer ${typeof call.token === 'string' ? call.token : call.token.accessToken}`;
    const role = typeof call.token === 'object' ? call.token.role : undefined;
    const owner = role ?? call.forgedFrom;
    const spec: RequestSpec = {
      method: op.method,
      url: operationUrl(this.session.config.target.baseUrl, op, call.params, call.query),
      headers,
      operation: op,
      ...(call.body !== undefined ? { body: call.body } : {}),
      ...(owner || call.forged ? { credential: { ...(owner ? { role: owner } : {}), ...(call.forged ? { forged: call.forged } : {}) } } : {}),
      ...(call.optional ? { optional: true } : {}),
    };
    const result = await this.send(spec, { budget: role ? this.session.apiBudget(role) : undefined, expect429: call.expect429, probe: call.probe });
    if (role)
      this.session.apiAnswers.push({
        role,
        operation: op.id,
        status: result.status,
        ratelimit: result.headers.get('ratelimit'),
        policy: result.headers.get('ratelimit-policy'),
        legacyRemaining: result.headers.get('x-ratelimit-remaining'),
        legacyLimit: result.headers.get('x-ratelimit-limit'),
      });
    return result;
  }

  /** Any other request (discovery documents, wrong methods, next links, a sign-in, revocation, introspection). */
  async request(spec: RequestSpec & { expect429?: boolean; role?: Role; countsAsToken?: boolean }): Promise<HttpResult> {
    if (spec.countsAsToken) {
      // The OAuth endpoints that take a secret or a password share the token endpoint's per-address limit on many servers.
      this.recorder.tokenRequests++;
      return this.send(spec, { budget: this.session.tokenBudget, expect429: spec.expect429 });
    }
    const withOwner = spec.role && !spec.credential ? { ...spec, credential: { role: spec.role } } : spec;
    return this.send(withOwner, { budget: spec.role ? this.session.apiBudget(spec.role) : undefined, expect429: spec.expect429 });
  }

  /** A preflight exchange (a token response) taken into this check's evidence, judged like the check's own answers. */
  adopt(exchangeId: number | undefined): Exchange | undefined {
    const e = this.session.config.preflightExchanges.find((x) => x.id === exchangeId);
    if (!e) return undefined;
    this.recorder.exchange(e);
    this.recorder.answer(e);
    return e;
  }

  /** Sends within the budget; a 429 the check did not ask for is waited out once when short, else the check is cut off. */
  private async send(spec: RequestSpec, pacing: Pacing): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      if (pacing.budget) await this.waitForRoom(pacing.budget, pacing.probe);
      const result = await send(spec, this.http);
      if (result.status !== 429 || pacing.expect429) {
        this.recorder.answer(result.exchange);
        return result;
      }
      const retryAfter = retryAfterSeconds(result.headers.get('retry-after'));
      if (attempt === 0 && retryAfter !== undefined && retryAfter * 1000 <= Math.min(this.session.config.maxWaitMs, MAX_FOREIGN_RETRY_AFTER_MS)) {
        this.log(`429 from ${spec.method} ${this.pathOf(spec)}: waiting Retry-After ${retryAfter} s`);
        await this.session.wait(retryAfter * 1000, 250);
        continue;
      }
      // Remember the refusal: later checks on this budget are cut off at once instead of waiting out windows.
      if (pacing.budget && !pacing.probe && retryAfter !== undefined) pacing.budget.block(Date.now() + retryAfter * 1000);
      throw cutOff(`rate limited (429) at ${spec.method} ${this.pathOf(spec)}${retryAfter !== undefined ? `, Retry-After ${retryAfter} s` : ''}`);
    }
  }

  /** Waits (printing why) until one more request fits; cut off when the wait would pass --max-wait. A probe does not wait. */
  private async waitForRoom(budget: RequestBudget, probe = false): Promise<void> {
    let delay = budget.delayFor(Date.now());
    // A probe spends the window on purpose: it is held back only by the day's budget (delayFor throws for that).
    if (probe) delay = 0;
    if (delay > this.session.config.maxWaitMs) {
      const why = budget.blockedUntil > Date.now() ? 'the target refused with 429 and Retry-After' : 'the next request fits';
      throw cutOff(`${budget.name}: ${why} in ${Math.ceil(delay / 1000)} s, beyond --max-wait`);
    }
    if (delay > 0) {
      this.log(`waiting ${Math.ceil(delay / 1000)} s for the ${budget.name} rate-limit window (${budget.limits.perMinute}/min)`);
      await this.session.wait(delay);
    }
    budget.record(Date.now());
  }

  private pathOf(spec: RequestSpec): string {
    return this.session.masker.text(new URL(spec.url).pathname);
  }
}
