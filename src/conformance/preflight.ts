/**
 * Before any check runs (main process): find the token endpoint, make sure the target answers, learn the rate
 * limits (declared in the target file, else advertised by GET /metadata), and fetch one token per client role
 * the plan needs — counted against the token budget. Anything that makes the target unusable is a TargetError
 * naming the problem (the CLI exits with 2).
 */
import { getOperation } from '../contract/index.js';
import { BudgetExhausted, RequestBudget, type Limits } from './budget.js';
import type { RoleToken } from './check.js';
import { authorizationServerMetadataUrl } from './checks/discovery.js';
import { NetworkError, send, type HttpResult, type RequestSpec } from './http.js';
import { retryAfterSeconds } from '../rfc/http.js';
import { Masker } from './mask.js';
import type { Profile } from './profiles.js';
import { secretVariables, TargetError, targetSecrets, type Target } from './target.js';
import { buildTokenRequest, readTokenResponse, skewFromDate } from './tokens.js';
import type { Exchange, Role } from './types.js';

/** OpenSPP's documented defaults, assumed when neither the target file nor the target says otherwise. */
export const DEFAULT_LIMITS = { token: { perMinute: 5, perDay: 50 }, api: { perMinute: 60, perDay: 10_000 } } as const;

export interface LimitsWithSource extends Limits {
  source: string;
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
}

export interface PreflightOptions {
  roles: Role[];
  log: (line: string) => void;
  maxWaitMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function preflight(target: Target, profile: Profile, options: PreflightOptions): Promise<PreflightResult> {
  const masker = new Masker(targetSecrets(target));
  const exchanges: Exchange[] = [];
  let seq = 0;
  const httpOptions = {
    masker,
    validate: profile.contract,
    variables: secretVariables(target),
    onExchange: (e: Exchange) => exchanges.push(e),
    nextId: () => ++seq,
  };
  const notes: string[] = [];
  let waitsMs = 0;
  let clockSkewMs: number | undefined;

  const request = async (spec: RequestSpec, what: string): Promise<HttpResult> => {
    try {
      const r = await send(spec, httpOptions);
      clockSkewMs ??= r.headers.get('date') ? skewFromDate(r.headers.get('date'), r.receivedAt, r.ms) : undefined;
      return r;
    } catch (e) {
      if (e instanceof NetworkError) throw new TargetError(`the target is unreachable (${what}): ${e.message}`);
      throw e;
    }
  };

  let metadata: Record<string, any> | undefined;
  if (profile.contract) {
    const op = getOperation('getMetadata');
    const r = await request(
      { method: 'GET', url: `${target.baseUrl}${op.pathTemplate}`, headers: { accept: 'application/json' }, operation: op },
      'GET /metadata',
    );
    if (r.status !== 200 || !r.json || typeof r.json !== 'object') {
      throw new TargetError(
        `GET ${target.baseUrl}${op.pathTemplate} answered ${r.status}${r.contentType ? ` (${r.contentType})` : ''}: is baseUrl the API's base URL (e.g. http://127.0.0.1:8069/api/v2/spp)?`,
      );
    }
    metadata = r.json as Record<string, any>;
  }

  const tokenEndpoint = await resolveTokenEndpoint(target, profile, request);

  const limits = {
    token: pick('token', target, metadata, notes),
    api: pick('api', target, metadata, notes),
  };

  const budget = new RequestBudget('token endpoint', limits.token);
  const tokens: Partial<Record<Role, RoleToken>> = {};
  for (const role of options.roles) {
    const client = target.clients[role];
    if (!client) continue;
    let result: HttpResult | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      let delay: number;
      try {
        delay = budget.delayFor(Date.now());
      } catch (e) {
        throw new TargetError(`${(e as BudgetExhausted).message}: raise the declared limits in the target file if the deployment allows more`);
      }
      if (delay > options.maxWaitMs) throw new TargetError(`the next token request fits in ${Math.ceil(delay / 1000)} s, beyond --max-wait`);
      if (delay > 0) {
        options.log(`waiting ${Math.ceil(delay / 1000)} s for the token endpoint's rate-limit window (${limits.token.perMinute}/min)`);
        waitsMs += delay;
        await sleep(delay);
      }
      budget.record(Date.now());
      const spec = buildTokenRequest(tokenEndpoint, { method: profile.clientAuth.primary, client });
      if (profile.contract) spec.operation = getOperation('issueToken');
      result = await request(spec, `token request for the ${role} client`);
      if (result.status !== 429) break;
      const retryAfter = retryAfterSeconds(result.headers.get('retry-after')) ?? Number.NaN;
      if (!Number.isFinite(retryAfter) || retryAfter * 1000 > options.maxWaitMs || attempt === 1) {
        throw new TargetError(
          `the token endpoint is rate limiting this address (429${Number.isFinite(retryAfter) ? `, Retry-After ${retryAfter} s` : ''}): another run spent the quota; wait, or raise the limit on the target`,
        );
      }
      options.log(`the token endpoint answered 429 (another run spent the window): waiting Retry-After ${retryAfter} s`);
      waitsMs += retryAfter * 1000;
      await sleep(retryAfter * 1000 + 250);
    }
    const token = readTokenResponse(role, result!, clockSkewMs ?? 0);
    if (!token) {
      const body = result!.json as { error?: string; error_description?: string } | undefined;
      const why = body?.error
        ? `${body.error}${body.error_description ? ` (${masker.text(body.error_description)})` : ''}`
        : masker.text(result!.text.slice(0, 200));
      throw new TargetError(
        result!.status === 400 || result!.status === 401
          ? `the ${role} client (${client.clientId}) was refused a token: ${result!.status} ${why}. Check its clientId/clientSecret in the target file${body?.error && body.error !== 'invalid_client' ? `, and that the token endpoint accepts ${profile.clientAuth.primary} client authentication (the ${profile.name} profile's way; try another --profile)` : ''}.`
          : `the token endpoint ${masker.text(tokenEndpoint)} answered ${result!.status} for the ${role} client: ${why}`,
      );
    }
    tokens[role] = token;
  }
  return {
    tokenEndpoint,
    ...(metadata ? { metadata } : {}),
    limits,
    tokens,
    tokenLedger: budget.history,
    exchanges,
    clockSkewMs: clockSkewMs ?? 0,
    waitsMs,
    notes,
  };
}

function pick(kind: 'token' | 'api', target: Target, metadata: Record<string, any> | undefined, notes: string[]): LimitsWithSource {
  const declared = target.rateLimits?.[kind];
  if (declared) return { ...declared, source: 'declared in the target file' };
  const advertised = metadata?.rateLimits?.[kind];
  if (advertised && Number.isInteger(advertised.perMinute) && Number.isInteger(advertised.perDay))
    return { perMinute: advertised.perMinute, perDay: advertised.perDay, source: 'advertised by GET /metadata' };
  notes.push(
    `no ${kind} rate limits declared or advertised: assuming OpenSPP's defaults (${DEFAULT_LIMITS[kind].perMinute}/min, ${DEFAULT_LIMITS[kind].perDay}/day)`,
  );
  return { ...DEFAULT_LIMITS[kind], source: "assumed (OpenSPP's documented defaults)" };
}

async function resolveTokenEndpoint(target: Target, profile: Profile, request: (spec: RequestSpec, what: string) => Promise<HttpResult>): Promise<string> {
  if (target.tokenEndpoint) return target.tokenEndpoint;
  if (profile.tokenEndpoint === 'contract') return `${target.baseUrl}${getOperation('issueToken').pathTemplate}`;
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
