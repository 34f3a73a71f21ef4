/**
 * oidc-provider (a certified OpenID provider) with the authorization code flow enabled, on a free port of
 * 127.0.0.1: a confidential web app and a public browser app registered with loopback redirect URIs, refresh
 * tokens for both, revocation and introspection on, and its development sign-in pages (devInteractions: any
 * username and password is accepted, fields `login` and `password`). `settings` changes what a deployment may
 * change: whether PKCE is required of public clients, whether refresh tokens rotate.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export const OIDC_WEB = { clientId: 'kit-web', clientSecret: 'kit-web-secret-5b8e2c1d9f3a7046b2e8d1c5a9f3b7e2', redirectUri: 'http://127.0.0.1:8765/callback' };
export const OIDC_SPA = { clientId: 'kit-spa', redirectUri: 'http://127.0.0.1:8766/callback' };
export const OIDC_SCOPES = ['individual:read', 'individual:search'];

export interface OidcSettings {
  /** oidc-provider's default requires PKCE of public clients only. */
  pkceRequired?: (ctx: unknown, client: { clientAuthMethod: string }) => boolean;
  /** oidc-provider's default rotates the refresh tokens of public clients, and of others late in their life. */
  rotateRefreshToken?: boolean;
}

export async function startOidcProviderUserFlows(settings: OidcSettings = {}): Promise<{ issuer: string; close(): Promise<void> }> {
  // oidc-provider ships no types; only its constructor and callback() are used here.
  const moduleName = 'oidc-provider';
  const { default: Provider } = (await import(moduleName)) as { default: new (issuer: string, config: Record<string, unknown>) => { callback(): unknown } };
  const { createServer } = await import('node:http');
  let handler: ((req: unknown, res: unknown) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const common = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: OIDC_SCOPES.join(' ') };
  const provider = new Provider(issuer, {
    clients: [
      {
        ...common,
        client_id: OIDC_WEB.clientId,
        client_secret: OIDC_WEB.clientSecret,
        grant_types: [...common.grant_types, 'client_credentials'],
        redirect_uris: [OIDC_WEB.redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
      },
      { ...common, client_id: OIDC_SPA.clientId, redirect_uris: [OIDC_SPA.redirectUri], token_endpoint_auth_method: 'none' },
    ],
    scopes: OIDC_SCOPES,
    features: { devInteractions: { enabled: true }, clientCredentials: { enabled: true }, revocation: { enabled: true }, introspection: { enabled: true } },
    cookies: { keys: ['spp-kit-test-cookie-key-7e2d9c4b1a8f3056'] },
    // Refresh tokens for every client allowed the grant (the default issues them only with offline_access and
    // prompt=consent, an OpenID Connect rule outside OAuth).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    ...(settings.pkceRequired ? { pkce: { required: settings.pkceRequired } } : {}),
    ...(settings.rotateRefreshToken !== undefined ? { rotateRefreshToken: settings.rotateRefreshToken } : {}),
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
