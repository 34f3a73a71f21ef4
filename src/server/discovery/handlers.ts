/** Public discovery operations: capability statement, OpenAPI document, documentation page, JWKS, RFC 8414 metadata. */
import { publishedContract } from '../../contract/contract.js';
import type { RouteTable } from '../../contract/route-table.js';
import type { SigningKeys } from '../auth/keys.js';
import type { ServerConfig } from '../config.js';
import type { ServerContext } from '../context.js';
import { capabilityStatement } from './capability.js';
import { docsPage } from './docs-page.js';

type DiscoveryHandlers = Pick<RouteTable<ServerContext>, 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs' | 'getJwks' | 'getAuthorizationServerMetadata'>;

export function discoveryHandlers(config: ServerConfig, keys: SigningKeys, software: { name: string; version: string }): DiscoveryHandlers {
  const absolute = (id: 'issueToken' | 'getJwks' | 'getApiDocs' | 'authorize' | 'revokeToken' | 'introspectToken') =>
    `${config.publicOrigin}${publishedContract.operation(id).fullPath}`;
  // Built once: both depend only on the contract and the configuration.
  const metadata = capabilityStatement(config, software);
  const asMetadata = {
    issuer: config.issuer,
    authorization_endpoint: absolute('authorize'),
    token_endpoint: absolute('issueToken'),
    revocation_endpoint: absolute('revokeToken'),
    introspection_endpoint: absolute('introspectToken'),
    jwks_uri: absolute('getJwks'),
    scopes_supported: [...publishedContract.scopes.keys()],
    response_types_supported: ['code'],
    grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
    // RFC 8414 lists registered method names only; the JSON body style is OpenSPP's own and appears in /metadata.
    // `none`: public clients, which identify themselves by client_id and use PKCE.
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: absolute('getApiDocs'),
  };
  return {
    getMetadata: async () => ({ status: 200, body: metadata }),
    getOpenApiDocument: async () => ({ status: 200, body: publishedContract.document as never }),
    getApiDocs: async () => ({ status: 200, body: await docsPage() }),
    getJwks: async () => ({ status: 200, body: { keys: keys.jwks as never } }),
    getAuthorizationServerMetadata: async () => ({ status: 200, body: asMetadata }),
  };
}
