/**
 * Before any check runs (main process): find the token endpoint, make sure the target answers, learn the rate
 * limits (declared in the target file, else advertised by GET /metadata), make sure the day's token budget can
 * hold the run (earlier runs' spend included), fetch one token per client role the plan needs — counted against
 * the token budget — and verify what the target file claims (its key material, its records) before any check
 * could blame the target for a mistake in the file. Anything that makes the target unusable is a TargetError
 * naming the problem (the CLI exits with 2).
 */
import { kitOperation, useDialect } from './kit-contract.js';
import { BudgetExhausted, RequestBudget, type Limits } from './budget.js';
import type { RoleToken } from './check.js';
import { authorizationServerMetadataUrl } from './checks/discovery.js';
import { NetworkError, send, type HttpClientOptions, type HttpResult, type RequestSpec } from './http.js';
import { retryAfterSeconds } from '../rfc/http.js';
import { Masker } from './mask.js';
import type { Profile } from './profiles.js';
import { secretVariables, TargetError, targetSecrets, type Target, type TargetClient } from './target.js';
import { recordSpend, spentToday } from './ledger.js';
import { buildTokenRequest, readTokenResponse, skewFromDate, tokenHowTo } from './tokens.js';
import { verifyTargetFile } from './verify-target.js';
import type { Exchange, Role } from './types.js';

/** OpenSPP's documented defaults, assumed when neither the target file nor the target says otherwise. */
const DEFAULT_LIMITS = { token: { perMinute: 5, perDay: 50 }, api: { perMinute: 60, perDay: 10_000 } } as const;

export interface LimitsWithSource extends Limits {
  source: string;
  /** Nobody declared or advertised them: the kit paces by them but judges no limit on them. */
  assumed?: boolean;
}

export interface PreflightResult {
  tokenEndpoint: string;
  metadata?: Record<string, any>;
  limits: { token: LimitsWithSource; api: LimitsWithSource };
  tokens: Partial<Record<Role, RoleToken>>;
  tokenLedger: number[];
  exchanges: Exchange[];
  clockSkewMs: number;
  waitsMs: number;
  notes: string[];
  /** API requests the preflight sent with each role's token (verifying the target file), for the API budgets. */
  apiLedgers: Partial<Record<Role, number[]>>;
  /** Token requests earlier runs from this machine sent to this token endpoint in the last 24 h. */
  spentEarlier: number;
}

export interface PreflightOptions {
  roles: Role[];
  log: (line: string) => void;
  maxWaitMs: number;
  /** Token-endpoint requests the plan makes (the preflight's included, the probe excluded): the day must hold them. */
  plannedTokenRequests?: number;
  /** The token ledger (state file): earlier runs' spend is read from it, this run's appended to it. */
  ledgerFile?: string;
  timeoutMs?: number;
  /** Verify the target file's claims the plan relies on: its key material, its records. */
  verify?: { key: boolean; records: boolean };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The preflight's door to the network: records the exchanges (masked), learns the clock skew, keeps the waits. */
class PreflightClient {
  readonly masker: Masker;
  readonly exchanges: Exchange[] = [];
  clockSkewMs: number | undefined;
  waitsMs = 0;
  private readonly http: HttpClientOptions;
  private seq = 0;

  /** Known once resolved: the curl lines of requests with a role's token say how to get one from it. */
  tokenEndpoint: string | undefined;

  constructor(
    target: Target,
    profile: Profile,
    readonly options: PreflightOptions,
  ) {
    this.masker = new Masker(targetSecrets(target));
    const variables = secretVariables(target);
    this.http = {
      masker: this.masker,
      validate: profile.contract,
      variables,
      onExchange: (e) => this.exchanges.push(e),
      nextId: () => ++this.seq,
      tokenHowTo: (role) => {
        const client = target.clients[role as Role];
        return client && this.tokenEndpoint ? tokenHowTo(this.tokenEndpoint, profile.clientAuth.primary, role, client, variables, this.masker) : [];
      },
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    };
  }

  /** Sends a request; no answer means the target is unusable. The first Date header sets the clock skew. */
  async request(spec: RequestSpec, what: string): Promise<HttpResult> {
    try {
      const r = await send(spec, this.http);
      this.clockSkewMs ??= r.headers.get('date') ? skewFromDate(r.headers.get('date'), r.receivedAt, r.ms) : undefined;
      return r;
    } catch (e) {
      if (e instanceof NetworkError) throw new TargetError(`the target is unreachable (${what}): ${e.message}`);
      throw e;
    }
  }

  /** Waits until the budget holds one more request (printing why), and counts it. */
  async waitForRoom(budget: RequestBudget): Promise<void> {
    let delay: number;
    try {
      delay = budget.delayFor(Date.now());
    } catch (e) {
      if (e instanceof BudgetExhausted)
        throw new TargetError(`${e.message}: run again once it resets, or raise the declared limits in the target file if the deployment allows more`);
      throw e;
    }
    if (delay > this.options.maxWaitMs) throw new TargetError(`the next token request fits in ${Math.ceil(delay / 1000)} s, beyond --max-wait`);
    if (delay > 0) {
      this.options.log(`waiting ${Math.ceil(delay / 1000)} s for the token endpoint's rate-limit window (${budget.limits.perMinute}/min)`);
      await this.wait(delay);
    }
    budget.record(Date.now());
  }

  async wait(ms: number, slackMs = 0): Promise<void> {
    this.waitsMs += ms;
    await sleep(ms + slackMs);
  }
}

/** GET /metadata: the target answers, and what it advertises (the openspp profile's capability statement). */
async function fetchMetadata(target: Target, client: PreflightClient): Promise<Record<string, any>> {
  const op = kitOperation('getMetadata');
  const url = `${target.baseUrl}${op.pathTemplate}`;
  const r = await client.request({ method: 'GET', url, headers: { accept: 'application/json' }, operation: op }, 'GET /metadata');
  if (r.status !== 200 || !r.json || typeof r.json !== 'object') {
    throw new TargetError(
      `GET ${url} answered ${r.status}${r.contentType ? ` (${r.contentType})` : ''}: is baseUrl the API's base URL (e.g. http://127.0.0.1:8069/api/v2/spp)?`,
    );
  }
  return r.json as Record<string, any>;
}

/** A token request for a role within the budget; a 429 (another run spent the window) is waited out once when short. */
async function requestRoleToken(
  role: Role,
  client: TargetClient,
  tokenEndpoint: string,
  profile: Profile,
  budget: RequestBudget,
  pc: PreflightClient,
): Promise<HttpResult> {
  for (let attempt = 0; ; attempt++) {
    await pc.waitForRoom(budget);
    const spec = buildTokenRequest(tokenEndpoint, { method: profile.clientAuth.primary, client });
    if (profile.contract) spec.operation = kitOperation('issueToken');
    const result = await pc.request(spec, `token request for the ${role} client`);
    if (result.status !== 429) return result;
    const retryAfter = retryAfterSeconds(result.headers.get('retry-after'));
    if (retryAfter === undefined || retryAfter * 1000 > pc.options.maxWaitMs || attempt === 1) {
      throw new TargetError(
        `the token endpoint is rate limiting this address (429${retryAfter !== undefined ? `, Retry-After ${retryAfter} s` : ''}): another run spent the quota; wait, or raise the limit on the target`,
      );
    }
    pc.options.log(`the token endpoint answered 429 (another run spent the window): waiting Retry-After ${retryAfter} s`);
    await pc.wait(retryAfter * 1000, 250);
  }
}

/**
 * Why a role got no token, as a TargetError that says what to fix: the credentials, the profile's way to send them,
 * or — for a server that refuses a token request naming no scope (RFC 6749 §3.3 lets it) — the scope to ask for.
 */
function refusal(role: Role, client: TargetClient, result: HttpResult, profile: Profile, tokenEndpoint: string, masker: Masker): TargetError {
  const body = result.json as { error?: string; error_description?: string } | undefined;
  const why = body?.error
    ? `${body.error}${body.error_description ? ` (${masker.text(body.error_description)})` : ''}`
    : masker.text(result.text.slice(0, 200)) || '(empty body)';
  const scopeHint =
    !client.scope && body?.error !== 'invalid_client'
      ? `. If the server requires a scope in the token request, declare the one this client asks for as clients.${role}.scope in the target file`
      : '';
  if (result.status !== 400 && result.status !== 401)
    return new TargetError(`the token endpoint ${masker.text(tokenEndpoint)} answered ${result.status} for the ${role} client: ${why}${scopeHint}`);
  if (body?.error === 'invalid_scope')
    return new TargetError(
      `the ${role} client (${client.clientId}) was refused a token: ${result.status} ${why}${client.scope ? `: clients.${role}.scope '${client.scope}' is not a scope the server grants this client` : scopeHint}.`,
    );
  const method =
    body?.error && body.error !== 'invalid_client'
      ? `, and that the token endpoint accepts ${profile.clientAuth.primary} client authentication (the ${profile.name} profile's way; try another --profile)`
      : '';
  return new TargetError(
    `the ${role} client (${client.clientId}) was refused a token: ${result.status} ${why}. Check its clientId/clientSecret in the target file${method}${scopeHint}.`,
  );
}

/** The token budget, seeded with earlier runs' spend from the ledger (and appending this run's to it). */
function tokenBudget(limits: LimitsWithSource, tokenEndpoint: string, options: PreflightOptions): { budget: RequestBudget; spentEarlier: number } {
  const prior = options.ledgerFile ? spentToday(options.ledgerFile, tokenEndpoint) : [];
  const budget = new RequestBudget('token endpoint', limits, prior);
  const file = options.ledgerFile;
  if (file) budget.onRecord = (t) => recordSpend(file, tokenEndpoint, [t]);
  return { budget, spentEarlier: prior.length };
}

/** Refuses a run the day's token budget cannot hold (earlier runs included) before it sends its first token request. */
function gateOnDay(budget: RequestBudget, limits: LimitsWithSource, spentEarlier: number, options: PreflightOptions): void {
  const needed = options.plannedTokenRequests ?? options.roles.length;
  const now = Date.now();
  const left = limits.perDay - budget.usedToday(now);
  if (limits.assumed || needed <= left) return;
  const oldest = budget.history.find((t) => t > now - 86_400_000);
  const frees = oldest ? ` The oldest of them leaves the 24-hour window at ${new Date(oldest + 86_400_000).toISOString()}.` : '';
  throw new TargetError(
    `the token endpoint's day budget cannot hold this run: it needs ${needed} token requests and ${Math.max(0, left)} of ${limits.perDay} are left (${spentEarlier} spent in the last 24 h by earlier runs from this machine${options.ledgerFile ? `, recorded in ${options.ledgerFile}` : ''}).${frees} Run again then, select fewer checks (--only, --exclude), or raise rateLimits.token.perDay in the target file if the deployment allows more`,
  );
}

/** Everything the checks need before the first one runs; a TargetError when the target is unusable. */
export async function preflight(target: Target, profile: Profile, options: PreflightOptions): Promise<PreflightResult> {
  useDialect(profile.dialect);
  const pc = new PreflightClient(target, profile, options);
  const metadata = profile.contract ? await fetchMetadata(target, pc) : undefined;
  const tokenEndpoint = await resolveTokenEndpoint(target, profile, (spec, what) => pc.request(spec, what));
  pc.tokenEndpoint = tokenEndpoint;
  const notes: string[] = [];
  const limits = { token: pick('token', target, metadata, notes), api: pick('api', target, metadata, notes) };
  const { budget, spentEarlier } = tokenBudget(limits.token, tokenEndpoint, options);
  gateOnDay(budget, limits.token, spentEarlier, options);
  const tokens: Partial<Record<Role, RoleToken>> = {};
  for (const role of options.roles) {
    const client = target.clients[role];
    if (!client) continue;
    const result = await requestRoleToken(role, client, tokenEndpoint, profile, budget, pc);
    const token = readTokenResponse(role, result, pc.clockSkewMs ?? 0, client.scope);
    if (!token) throw refusal(role, client, result, profile, tokenEndpoint, pc.masker);
    tokens[role] = token;
  }
  const apiLedgers = await verifyTargetFile(target, tokens, {
    request: (spec, what) => pc.request(spec, what),
    clockSkewMs: pc.clockSkewMs ?? 0,
    notes,
    ...(options.verify ?? { key: false, records: false }),
  });
  return {
    tokenEndpoint,
    ...(metadata ? { metadata } : {}),
    limits,
    tokens,
    tokenLedger: budget.history,
    exchanges: pc.exchanges,
    clockSkewMs: pc.clockSkewMs ?? 0,
    waitsMs: pc.waitsMs,
    notes,
    apiLedgers,
    spentEarlier,
  };
}

function pick(kind: 'token' | 'api', target: Target, metadata: Record<string, any> | undefined, notes: string[]): LimitsWithSource {
  const declared = target.rateLimits?.[kind];
  if (declared) return { ...declared, source: 'declared in the target file' };
  const advertised = metadata?.rateLimits?.[kind];
  if (advertised && Number.isInteger(advertised.perMinute) && Number.isInteger(advertised.perDay))
    return { perMinute: advertised.perMinute, perDay: advertised.perDay, source: 'advertised by GET /metadata' };
  notes.push(
    `no ${kind} rate limits declared or advertised: pacing by OpenSPP's defaults (${DEFAULT_LIMITS[kind].perMinute}/min, ${DEFAULT_LIMITS[kind].perDay}/day), judging no limit on them`,
  );
  return { ...DEFAULT_LIMITS[kind], source: "assumed (OpenSPP's documented defaults, for pacing only)", assumed: true };
}

async function resolveTokenEndpoint(target: Target, profile: Profile, request: (spec: RequestSpec, what: string) => Promise<HttpResult>): Promise<string> {
  if (target.tokenEndpoint) return target.tokenEndpoint;
  if (profile.tokenEndpoint === 'contract') return `${target.baseUrl}${kitOperation('issueToken').pathTemplate}`;
  if (profile.tokenEndpoint === 'target') throw new TargetError(`the ${profile.name} profile needs tokenEndpoint in the target file`);
  // RFC 8414 first, then OpenID Connect discovery (both built from the issuer = baseUrl).
  const candidates = [authorizationServerMetadataUrl(target.baseUrl), `${target.baseUrl}/.well-known/openid-configuration`];
  for (const url of candidates) {
    const r = await request({ method: 'GET', url, headers: { accept: 'application/json' } }, `discovery at ${url}`);
    const te = (r.json as { token_endpoint?: unknown } | undefined)?.token_endpoint;
    if (r.status === 200 && typeof te === 'string') return te;
  }
  throw new TargetError(`no token endpoint: the target file names none and neither ${candidates.join(' nor ')} publishes token_endpoint`);
}
