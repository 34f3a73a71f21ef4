/**
 * Composes the reference server: the route table of the configured dialect's contract mounted on Hono, with
 * these edge steps in front of the operation call (contract/mount.ts), which then checks scopes, validates, and
 * runs the handler:
 *
 *   token endpoint:      per-address rate limit (429); so are the sign-in form, revocation and introspection
 *   secured operations:  bearer token (401) → per-client rate limit (429)
 *   every response:      rendered in one place (contract/render.ts); in the published dialect secured ones
 *                        carry the remaining quota
 *
 * The dialect (dialects/) decides the contract, how tokens are read, issued and refused, and what a 429 looks
 * like; the store, the clients, the limiter and the registry engine are the same for both.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { ApiError } from '../contract/errors.js';
import { mountOperations, type EdgeStep } from '../contract/mount.js';
import { isPublic, type OperationSpec } from '../contract/operations.js';
import { errorResponse } from '../contract/render.js';
import type { DeployedRouteTable, RouteTable } from '../contract/route-table.js';
import { authenticateBearer, BearerCache, REALM, type ClientLimits } from './auth/bearer.js';
import type { SigningKeys } from './auth/keys.js';
import { tokenEndpoint } from './auth/token-endpoint.js';
import { userFlowHandlers, ADDRESS_LIMITED, type UserFlowOperation } from './auth/user-flows.js';
import type { ServerConfig } from './config.js';
import type { Principal, ServerContext } from './context.js';
import { discoveryHandlers } from './discovery/handlers.js';
import { policiesFor, rateLimiterOf, rateLimitHeaders } from './rate-limit/limiter.js';
import type { TokenSettings } from './auth/tokens.js';
import { identifyClient } from './request-log.js';
import type { Db } from './store/db.js';
import { deployedDiscovery } from './dialects/deployed/discovery.js';
import { deployedEdge } from './dialects/deployed/edge.js';
import { deployedTokenEndpoint } from './dialects/deployed/token-endpoint.js';
import type { DialectEdge } from './dialects/index.js';
import { publishedEdge } from './dialects/published.js';

export type ResourceHandlers = Omit<
  RouteTable<ServerContext>,
  'issueToken' | 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs' | 'getJwks' | 'getAuthorizationServerMetadata' | UserFlowOperation
>;
export type DeployedResourceHandlers = Omit<DeployedRouteTable<ServerContext>, 'issueToken' | 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs'>;

export interface AppDeps {
  config: ServerConfig;
  db: Db;
  keys: SigningKeys;
  /** The registry's handlers (resources and $batch) in the published dialect. */
  resources: ResourceHandlers;
  /** The registry's handlers in the deployed dialect (needed when the configuration names it). */
  deployedResources?: DeployedResourceHandlers;
  now?: () => Date;
  software?: { name: string; version: string };
  onError?: (op: OperationSpec | undefined, error: unknown, errorId: string) => void;
}

type AppEnv = { Variables: { principal: Principal; limits: ClientLimits } };

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

type AnyTable = Record<string, unknown>;

/** The route table of the configured dialect: its registry handlers, its discovery operations, its token endpoint. */
function routeTable(deps: AppDeps, edge: DialectEdge, tokenSettings: TokenSettings): AnyTable {
  const { config, keys } = deps;
  if (edge.name === 'deployed') {
    if (!deps.deployedResources) throw new Error('the deployed dialect needs the deployed registry handlers (deployedResources)');
    const table: DeployedRouteTable<ServerContext> = {
      ...deps.deployedResources,
      ...deployedDiscovery(edge.contract.basePath, edge.contract.version),
      issueToken: deployedTokenEndpoint(keys, { ...tokenSettings, defaultLifetime: config.tokenLifetime }),
    };
    return table;
  }
  const table: RouteTable<ServerContext> = {
    ...deps.resources,
    ...discoveryHandlers(config, keys, deps.software ?? { name: 'spp-api-kit reference server', version: '0' }),
    issueToken: tokenEndpoint(keys, { ...tokenSettings, defaultLifetime: config.tokenLifetime, allowQueryCredentials: config.allowQueryCredentials }),
    ...userFlowHandlers(config, keys, tokenSettings),
  };
  return table;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, db, keys } = deps;
  const edge = config.dialect === 'deployed' ? deployedEdge : publishedEdge;
  const contract = edge.contract;
  const now = deps.now ?? (() => new Date());
  const limiter = rateLimiterOf(db, config.rateLimitStore);
  const bearerCache = new BearerCache(db);
  const tokenPolicies = policiesFor(config.tokenRateLimit);
  const tokenSettings: TokenSettings = { issuer: config.issuer, audience: config.audience, leeway: config.leeway, format: edge.tokenFormat };
  const renderOptions = { realm: REALM, ...(deps.onError ? { onError: deps.onError } : {}) };
  const table = routeTable(deps, edge, tokenSettings);

  const limitAddress: EdgeStep<AppEnv> = ({ c }) => {
    const decision = limiter.consume(`token:${clientAddress(c, config.trustProxy)}`, tokenPolicies, now().getTime());
    if (!decision.allowed) throw edge.addressLimited(decision);
  };
  const authenticate: EdgeStep<AppEnv> = async ({ c }) => {
    const { principal, limits } = await authenticateBearer(db, keys, tokenSettings, c.req.raw, now(), edge.bearer, bearerCache);
    identifyClient(c.req.raw, principal.clientId);
    c.set('principal', principal);
    c.set('limits', limits);
  };
  const limitClient: EdgeStep<AppEnv> = ({ c, headers }) => {
    const own = c.get('limits');
    const policies = policiesFor({ perMinute: own.perMinute ?? config.apiRateLimit.perMinute, perDay: own.perDay ?? config.apiRateLimit.perDay });
    const decision = limiter.consume(`api:${c.get('principal').clientId}`, policies, now().getTime());
    if (!decision.allowed) throw edge.clientLimited(decision);
    if (edge.quotaOnSuccess) for (const [name, value] of Object.entries(rateLimitHeaders(decision))) headers[name.toLowerCase()] = value;
  };

  const app = new Hono<AppEnv>();
  mountOperations<ServerContext, AppEnv>(app, table, {
    contract,
    ...renderOptions,
    validateResponses: config.validateResponses,
    edge: (op) => (ADDRESS_LIMITED.has(op.id) ? [limitAddress] : isPublic(op) ? [] : [authenticate, limitClient]),
    grantedScopes: (ctx: ServerContext) => ctx.principal?.scopes,
    context: (c, _op, invoke) => {
      const ctx: ServerContext = {
        db,
        basePath: contract.basePath,
        principal: c.get('principal'),
        now,
        invoke: (op, call) => invoke(op, call, ctx),
        identify: (clientId) => identifyClient(c.req.raw, clientId),
      };
      return ctx;
    },
  });

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const match = contract.match(c.req.method, path);
    const error =
      match && 'allowed' in match
        ? new ApiError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here. Allowed: ${match.allowed.join(', ')}.`, {
            headers: { Allow: match.allowed.join(', ') },
          })
        : new ApiError('RESOURCE_NOT_FOUND', `No endpoint ${path}. See ${contract.basePath}/metadata and ${contract.basePath}/docs.`);
    return errorResponse(contract, undefined, error, renderOptions);
  });
  // Anything that escapes a route (a framework error) is answered like every other error.
  app.onError((error) => errorResponse(contract, undefined, error, renderOptions));
  return app;
}
