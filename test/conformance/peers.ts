/**
 * Third-party OAuth 2.0 authorization servers for the token-only profiles, on free ports of 127.0.0.1:
 * oidc-provider (a certified OpenID provider, an npm devDependency) and Glewlwyd (a server in C, Debian's package).
 */
import { existsSync } from 'node:fs';
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

/** Where Debian's glewlwyd package puts the server and its SQLite schema. */
const GLEWLWYD = { binary: '/usr/bin/glewlwyd', schema: '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3', config: '/etc/glewlwyd/glewlwyd.conf' };

/** Whether Debian's glewlwyd package is installed (apt-get install glewlwyd). */
export function glewlwydInstalled(): boolean {
  return [GLEWLWYD.binary, GLEWLWYD.schema, GLEWLWYD.config].every((f) => existsSync(f));
}

/** Glewlwyd's client: client_secret_basic and client_secret_post, the client-credentials grant, two scopes. */
export const GLEWLWYD_CLIENT = { clientId: 'kit-client', clientSecret: 'kit-client-secret-4c2a9e7f1b3d8e605a7c', scope: 'spp-read spp-write' };

export interface RunningGlewlwyd {
  /** The OpenID Connect plugin's issuer (its discovery document is under it). */
  issuer: string;
  tokenEndpoint: string;
  close(): Promise<void>;
}

/**
 * Glewlwyd 2.7 (Debian's package, an OAuth 2.0 / OpenID Connect server in C) on a free port of 127.0.0.1: a SQLite
 * database made from the package's schema in a temporary directory, its OpenID Connect plugin configured for the
 * client-credentials grant (HS256 tokens), and one confidential client — everything through its admin API with the
 * package's default administrator, as an operator would.
 */
export async function startGlewlwyd(): Promise<RunningGlewlwyd> {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(join(tmpdir(), 'spp-kit-glewlwyd-'));
  const db = new Database(join(dir, 'glewlwyd.db'));
  db.exec(readFileSync(GLEWLWYD.schema, 'utf8'));
  db.close();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = readFileSync(GLEWLWYD.config, 'utf8')
    .replace(/^port=.*$/m, `port=${port}`)
    .replace(/^external_url=.*$/m, `external_url="${origin}"`)
    .replace(/^log_mode=.*$/m, 'log_mode="console"')
    .replace(/^log_level=.*$/m, 'log_level="ERROR"')
    .replace(/^@include .*glewlwyd-db\.conf.*$/m, `database =\n{\n  type = "sqlite3"\n  path = "${join(dir, 'glewlwyd.db')}"\n};`);
  writeFileSync(join(dir, 'glewlwyd.conf'), config);
  const child = spawn(GLEWLWYD.binary, ['-c', join(dir, 'glewlwyd.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(`${origin}/config`);
    const admin = await adminSession(origin);
    for (const name of ['spp-read', 'spp-write'])
      await admin('POST', '/api/scope/', {
        name,
        display_name: name,
        description: `${name} (spp-kit)`,
        password_required: false,
        password_max_age: 0,
        scheme: {},
      });
    await admin('POST', '/api/mod/plugin/', {
      module: 'oidc',
      name: 'oidc',
      display_name: 'OpenID Connect',
      parameters: oidcParameters(origin),
      order_rank: 0,
      readonly: false,
    });
    await admin('POST', '/api/client/', {
      client_id: GLEWLWYD_CLIENT.clientId,
      name: 'spp-kit conformance',
      confidential: true,
      enabled: true,
      password: GLEWLWYD_CLIENT.clientSecret,
      redirect_uri: [],
      authorization_type: ['client_credentials'],
      token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
      scope: GLEWLWYD_CLIENT.scope.split(' '),
    });
  } catch (e) {
    child.kill();
    throw e;
  }
  const issuer = `${origin}/api/oidc`;
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    close: async () => {
      child.kill();
      await exited;
    },
  };
}

/** The OpenID Connect plugin: client credentials only, HS256 access tokens, the two scopes allowed. */
function oidcParameters(origin: string): Record<string, unknown> {
  return {
    iss: `${origin}/api/oidc`,
    'jwt-type': 'sha',
    'jwt-key-size': '256',
    key: 'glewlwyd-test-shared-secret-3f8a9c2e7d1b6054a9c3e8f2d7b1a605',
    cert: '',
    'jwks-show': true,
    'access-token-duration': 3600,
    'refresh-token-duration': 1209600,
    'code-duration': 600,
    'refresh-token-rolling': false,
    'allow-non-oidc': true,
    'auth-type-code-enabled': false,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': false,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': true,
    'auth-type-device-enabled': false,
    'auth-type-refresh-enabled': false,
    'allowed-scope': ['openid', 'spp-read', 'spp-write'],
    scope: [],
    'additional-parameters': [],
    claims: [],
    'name-claim': 'no',
    'email-claim': 'no',
    'scope-claim': 'no',
    'address-claim': { type: 'no', formatted: '', street_address: '', locality: '', region: '', postal_code: '', country: '', mandatory: false },
    'secret-type': 'pairwise',
    'request-parameter-allow': false,
    'pkce-allowed': false,
    'introspection-revocation-allowed': false,
    'register-client-allowed': false,
    'session-management-allowed': false,
    'client-jwks-parameter': 'jwks',
    'client-jwks_uri-parameter': 'jwks_uri',
    'client-pubkey-parameter': '',
    'encrypt-out-token-allow': false,
    'oauth-dpop-allowed': false,
  };
}

/** A port of 127.0.0.1 that nothing listens on (for servers that must know their URL before they start). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls until the server answers (bounded: 100 tries, 50 ms apart). */
async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`glewlwyd did not answer at ${url}`);
}

/** Logs in as the package's default administrator (admin / password) and returns a request function with its session. */
async function adminSession(origin: string): Promise<(method: string, path: string, body: unknown) => Promise<void>> {
  const login = await fetch(`${origin}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'password' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  if (!login.ok || !cookie) throw new Error(`glewlwyd admin login answered ${login.status}`);
  return async (method, path, body) => {
    const r = await fetch(`${origin}${path}`, { method, headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`glewlwyd ${method} ${path} answered ${r.status}: ${await r.text()}`);
  };
}
