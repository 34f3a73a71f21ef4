/**
 * The user flows under test: the auth harness with the demo users and their two applications loaded, and the
 * steps a browser and an application take — the sign-in form posted, the code exchanged, a token refreshed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { contractValidator, operationIndex, type OperationId } from '../../../src/contract/index.js';
import { loadDemoUsers, readDemoUsers } from '../../../src/server/demo-users.js';
import { basic, form, makeHarness, type Harness } from './harness.js';

const fixture = readDemoUsers();
export const webApp = fixture.clients.find((c) => c.type === 'confidential')!;
export const spa = fixture.clients.find((c) => c.type === 'public')!;
export const maria = fixture.users[0]!;
export const jose = fixture.users[1]!;
export type DemoApp = typeof webApp;

export async function userFlowHarness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await makeHarness(env);
  loadDemoUsers(h.db);
  return h;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization request's parameters for an app (PKCE unless `pkce: false`). */
export function authorizationParams(
  app: DemoApp,
  options: { challenge?: string | false; scope?: string; state?: string; extra?: Record<string, string> } = {},
) {
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: app.redirectUris[0]!,
    state: options.state ?? 'st-123',
  };
  if (options.scope) params.scope = options.scope;
  if (options.challenge) Object.assign(params, { code_challenge: options.challenge, code_challenge_method: 'S256' });
  return { ...params, ...options.extra };
}

/** Every answer of an operation conforms to the contract (status, headers, body). */
export async function conforms(opId: string, res: Response): Promise<string> {
  const text = await res.clone().text();
  const contentType = res.headers.get('content-type');
  const body = contentType?.includes('json') && text ? JSON.parse(text) : text || undefined;
  const issues = contractValidator.validateResponse(operationIndex.get(opId as OperationId)!, { status: res.status, headers: res.headers, contentType, body });
  if (issues.length) throw new Error(`${opId} ${res.status} breaks the contract: ${issues.map((i) => i.message).join('; ')}`);
  return text;
}

/** The sign-in form posted with a decision: the 303's Location, parsed. */
export async function decide(
  h: Harness,
  params: Record<string, string>,
  user = maria,
  decision = 'allow',
): Promise<{ res: Response; location: URL | undefined }> {
  const res = await h.request('/oauth/authorize', form({ ...params, username: user.username, password: user.password, decision }));
  await conforms('authorizeDecision', res);
  const location = res.headers.get('location');
  return { res, location: location ? new URL(location) : undefined };
}

/** A fresh code for an app and user, with its PKCE verifier. */
export async function codeFor(h: Harness, app: DemoApp = webApp, options: { pkce?: boolean; scope?: string } = {}) {
  const pair = pkcePair();
  const params = authorizationParams(app, { challenge: options.pkce === false ? false : pair.challenge, ...(options.scope ? { scope: options.scope } : {}) });
  const { location } = await decide(h, params);
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location?.href}`);
  return { code, verifier: pair.verifier, params };
}

/** How an app authenticates at the token endpoint: Basic for the confidential one, its client_id alone for the public one. */
export function clientAuth(app: DemoApp): { headers: Record<string, string>; fields: Record<string, string> } {
  return app.clientSecret
    ? { headers: { authorization: basic(app.clientId, app.clientSecret) }, fields: {} }
    : { headers: {}, fields: { client_id: app.clientId } };
}

export async function tokenRequest(h: Harness, app: DemoApp, fields: Record<string, string>, path = '/oauth/token'): Promise<{ res: Response; body: any }> {
  const auth = clientAuth(app);
  const res = await h.request(path, form({ ...auth.fields, ...fields }, auth.headers));
  const opId = path === '/oauth/token' ? 'issueToken' : path === '/oauth/revoke' ? 'revokeToken' : 'introspectToken';
  const text = await conforms(opId, res);
  return { res, body: text ? JSON.parse(text) : undefined };
}

export async function exchange(h: Harness, app: DemoApp, code: string, verifier: string | undefined, redirectUri = app.redirectUris[0]!) {
  return tokenRequest(h, app, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...(verifier ? { code_verifier: verifier } : {}) });
}

/** A user's tokens for an app, through the whole flow. */
export async function userTokens(h: Harness, app: DemoApp = webApp) {
  const { code, verifier } = await codeFor(h, app);
  const { res, body } = await exchange(h, app, code, verifier);
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${JSON.stringify(body)}`);
  return body as { access_token: string; refresh_token: string; scope: string; expires_in: number };
}

export const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
