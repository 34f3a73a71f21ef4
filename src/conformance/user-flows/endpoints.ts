/**
 * Where the user flows happen: the authorization, revocation and introspection endpoints and the issuer — from the
 * target file, else from the server's RFC 8414 (then OpenID) discovery document, else (openspp profile) from the
 * contract. Looked up once per run.
 */
import { getOperation } from '../../contract/index.js';
import type { CheckContext } from '../check.js';
import { authorizationServerMetadataUrl } from '../checks/discovery.js';

export interface UserFlowEndpoints {
  authorization?: string;
  revocation?: string;
  introspection?: string;
  /** The issuer the server names in discovery (for the `iss` of authorization responses). */
  issuer?: string;
  /** Where each came from, for messages. */
  source: string;
}

async function discovered(ctx: CheckContext): Promise<Record<string, unknown> | undefined> {
  const issuer = String(ctx.metadata?.authentication?.issuer ?? ctx.target.baseUrl);
  for (const url of [authorizationServerMetadataUrl(issuer), `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`]) {
    const r = await ctx.request({ method: 'GET', url, headers: { accept: 'application/json' } });
    if (r.status === 200 && r.json && typeof r.json === 'object' && typeof (r.json as { issuer?: unknown }).issuer === 'string')
      return r.json as Record<string, unknown>;
  }
  return undefined;
}

export function userFlowEndpoints(ctx: CheckContext): Promise<UserFlowEndpoints> {
  return ctx.memo('user-flow-endpoints', async () => {
    const flows = ctx.target.userFlows;
    const meta = await discovered(ctx);
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const contract = (id: 'authorize' | 'revokeToken' | 'introspectToken') =>
      ctx.profile.contract ? `${ctx.target.baseUrl}${getOperation(id).pathTemplate}` : undefined;
    const authorization = flows?.authorizationEndpoint ?? str(meta?.authorization_endpoint) ?? contract('authorize');
    const revocation = flows?.revocationEndpoint ?? str(meta?.revocation_endpoint) ?? contract('revokeToken');
    const introspection = flows?.introspectionEndpoint ?? str(meta?.introspection_endpoint) ?? contract('introspectToken');
    const issuer = str(meta?.issuer) ?? str(ctx.metadata?.authentication?.issuer);
    return {
      ...(authorization ? { authorization } : {}),
      ...(revocation ? { revocation } : {}),
      ...(introspection ? { introspection } : {}),
      ...(issuer ? { issuer } : {}),
      source: meta ? 'the target file and the discovery document' : ctx.profile.contract ? 'the target file and the contract' : 'the target file',
    };
  });
}
