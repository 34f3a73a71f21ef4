/**
 * A third-party OAuth 2.0 authorization server for the token-only profiles: oidc-provider (a certified OpenID
 * provider) configured for the client-credentials grant, on a free port of 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export const PEER_CLIENT = { clientId: 'kit-peer', clientSecret: 'kit-peer-secret-6c1d9e3f8a2b4705e9d1c3a5b7f9e2d4' };

export async function startOidcProvider(authMethod: 'client_secret_basic' | 'client_secret_post'): Promise<{ issuer: string; close(): Promise<void> }> {
  // oidc-provider ships no types; only its constructor and callback() are used here.
  const moduleName = 'oidc-provider';
  const { default: Provider } = (await import(moduleName)) as { default: new (issuer: string, config: Record<string, unknown>) => { callback(): unknown } };
  const { createServer } = await import('node:http');
  // The issuer needs the port before the provider exists: listen first, then attach.
  let handler: ((req: unknown, res: unknown) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: PEER_CLIENT.clientId,
        client_secret: PEER_CLIENT.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: authMethod,
        scope: 'individual:read individual:search',
      },
    ],
    scopes: ['individual:read', 'individual:search'],
    features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
  });
  handler = provider.callback() as unknown as typeof handler;
  return {
    issuer,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
