/**
 * The user flows of the published dialect (issue 19) as route-table entries: the authorization endpoint (page
 * and form), revocation and introspection. The token endpoint's user grants live in token-endpoint.ts.
 */
import { publishedContract } from '../../contract/contract.js';
import type { RouteTable } from '../../contract/route-table.js';
import type { ServerConfig } from '../config.js';
import type { ServerContext } from '../context.js';
import { authorizeDecision, authorizePage } from './authorize.js';
import { introspectionEndpoint } from './introspection.js';
import type { SigningKeys } from './keys.js';
import { revocationEndpoint } from './revocation.js';
import type { TokenSettings } from './tokens.js';

export type UserFlowOperation = 'authorize' | 'authorizeDecision' | 'revokeToken' | 'introspectToken';

/**
 * Operations limited per IP address like the token endpoint (one shared budget): each takes a client secret or a
 * user's password, so each is a place to guess one (RFC 6749 §2.3.1, §10.10).
 */
export const ADDRESS_LIMITED: ReadonlySet<string> = new Set(['issueToken', 'authorizeDecision', 'revokeToken', 'introspectToken']);

export function userFlowHandlers(config: ServerConfig, keys: SigningKeys, tokenSettings: TokenSettings): Pick<RouteTable<ServerContext>, UserFlowOperation> {
  const settings = { issuer: config.issuer, formAction: publishedContract.operation('authorizeDecision').fullPath };
  return {
    authorize: authorizePage(settings),
    authorizeDecision: authorizeDecision(settings),
    revokeToken: revocationEndpoint(keys, tokenSettings),
    introspectToken: introspectionEndpoint(keys, tokenSettings),
  };
}
