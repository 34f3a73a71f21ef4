/**
 * Composes the reference server: the contract's route table mounted on Hono, with authentication, rate limits
 * and scope checks in front of every secured operation, in this order:
 *
 *   token endpoint:      per-IP rate limit → handler
 *   secured operations:  bearer token (401) → per-client rate limit (429) → scopes (403) → validation → handler
 *   every response:      X-API-Version; remaining quota on secured operations
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { API_VERSION, mountOperations, outcomeResponse } from '../contract/mount.js';
import { isPublic, operationIndex, type OperationSpec } from '../contract/operations.js';
import type { RouteTable } from '../contract/route-table.js';
import { authenticateBearer, checkScopes } from './auth/bearer.js';
import type { SigningKeys } from './auth/keys.js';
import { tokenEndpoint } from './auth/token-endpoint.js';
import type { ServerConfig } from './config.js';
import type { Principal, ServerContext } from './context.js';
import { discoveryHandlers } from './discovery/handlers.js';
import { policiesFor, RateLimiter, rateLimitHeaders, type RateDecision } from './rate-limit/limiter.js';
import type { Db } from './store/db.js';

export type ResourceHandlers = Omit<
  RouteTable<ServerContext>,
  'issueToken' | 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs' | 'getJwks' | 'getAuthorizationServerMetadata'
>;

export interface AppDeps {
  config: ServerConfig;
  db: Db;
  keys: SigningKeys;
  /** The registry's handlers (resources and $batch). */
  resources: ResourceHandlers;
  now?: () => Date;
  software?: { name: string; version: string };
  onError?: (op: OperationSpec, error: unknown, errorId: string) => void;
}

type AppEnv = { Variables: { principal: Principal; rateLimit: RateDecision } };

/** The caller's address: the socket peer, or the first X-Forwarded-For hop when the proxy is trusted. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // in-process requests (tests) have no socket
  }
}

function tooManyRequests(decision: RateDecision, text: string): Response {
  return outcomeResponse({ code: 'RATE_LIMIT_EXCEEDED', text }, [], rateLimitHeaders(decision));
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, db, keys } = deps;
  const now = deps.now ?? (() => new Date());
  const limiter = new RateLimiter(db);
  const tokenPolicies = policiesFor(config.tokenRateLimit);
  const tokenSettings = { issuer: config.issuer, audience: config.audience, leeway: config.leeway };

  const table: RouteTable<ServerContext> = {
    ...deps.resources,
    ...discoveryHandlers(config, keys, deps.software ?? { name: 'spp-api-kit reference server', version: '0' }),
    issueToken: tokenEndpoint(keys, { ...tokenSettings, defaultLifetime: config.tokenLifetime, allowQueryCredentials: config.allowQueryCredentials }),
  };

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('X-API-Version', API_VERSION);
    const decision = c.get('rateLimit');
    if (decision?.allowed) for (const [name, value] of Object.entries(rateLimitHeaders(decision))) c.res.headers.set(name, value);
  });

  mountOperations(app, table, {
    validateResponses: config.validateResponses,
    ...(deps.onError ? { onError: deps.onError } : {}),
    context: (c) => ({ db, basePath: config.basePath, principal: c.get('principal'), now }),
    before: async (op, c) => {
      if (op.id === 'issueToken') {
        const decision = limiter.consume(`token:${clientAddress(c, config.trustProxy)}`, tokenPolicies, now().getTime());
        if (!decision.allowed) return tooManyRequests(decision, `Too many token requests from this address. Retry after ${decision.retryAfter} seconds.`);
        return undefined;
      }
      if (isPublic(op)) return undefined;
      const auth = await authenticateBearer(db, keys, tokenSettings, c.req.raw, now());
      if (!auth.ok) return auth.response;
      c.set('principal', auth.principal);
      const client = auth.principal;
      const limits = policiesFor({
        perMinute: auth.limits.perMinute ?? config.apiRateLimit.perMinute,
        perDay: auth.limits.perDay ?? config.apiRateLimit.perDay,
      });
      const decision = limiter.consume(`api:${client.clientId}`, limits, now().getTime());
      if (!decision.allowed) return tooManyRequests(decision, `Rate limit exceeded for this client. Retry after ${decision.retryAfter} seconds.`);
      c.set('rateLimit', decision);
      return checkScopes(op, client);
    },
  });

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = [...operationIndex.values()].filter((op) => matchesTemplate(op.fullPath, path)).map((op) => op.method);
    if (allowed.length) {
      return outcomeResponse({ code: 'METHOD_NOT_ALLOWED', text: `${c.req.method} is not allowed here. Allowed: ${allowed.join(', ')}.` }, [], {
        Allow: allowed.join(', '),
      });
    }
    return outcomeResponse({ code: 'RESOURCE_NOT_FOUND', text: `No endpoint ${path}. See ${config.basePath}/metadata and ${config.basePath}/docs.` });
  });
  return app;
}

function matchesTemplate(template: string, path: string): boolean {
  const pattern = new RegExp(`^${template.replace(/[.$]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return pattern.test(path);
}
