/**
 * The auth side of the reference server under test: an in-memory database with the demo clients, the real
 * app (token endpoint, bearer guard, rate limits, discovery), and a stand-in registry that records who called it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type ResourceHandlers } from '../../../src/server/app.js';
import { loadSigningKeys } from '../../../src/server/auth/keys.js';
import { loadConfig, type ConfigInput, type ServerConfig } from '../../../src/server/config.js';
import type { Principal } from '../../../src/server/context.js';
import { loadDemoClients, readDemoFixture } from '../../../src/server/demo-clients.js';
import { openDatabase } from '../../../src/server/store/db.js';
import { operationIndex } from '../../../src/contract/index.js';
import { example } from '../../contract/harness.js';

export const demo = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c])) as unknown as Record<
  'full' | 'reader' | 'consent' | 'shortLived' | 'disabled',
  { clientId: string; clientSecret: string }
>;

/** Registry stand-in: contract-valid answers, and a log of the principal each call carried. */
export function fakeRegistry(seen: Array<{ op: string; principal: Principal | undefined }>): ResourceHandlers {
  const handlers: Record<string, unknown> = {};
  for (const op of operationIndex.values()) {
    const type = op.pathTemplate.split('/')[1]!;
    const consent = type === 'Program' ? {} : { 'X-Consent-Status': 'legal_basis' };
    const resourceName = type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    let answer: () => unknown;
    if (op.id === 'processBatch') answer = () => ({ status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: [] } });
    else if (op.method === 'GET' && op.pathTemplate.endsWith('}'))
      answer = () => ({ status: 200, body: example(resourceName), headers: { ETag: '"1"', ...consent } });
    else if (op.method === 'GET')
      answer = () => ({
        status: 200,
        body: { resourceType: 'Bundle', type: 'searchset', total: 0, link: [{ relation: 'self', url: op.fullPath }], entry: [] },
        headers: consent,
      });
    else if (op.method === 'POST') answer = () => ({ status: 201, body: example(resourceName), headers: { Location: `${op.fullPath}/x%7Cy`, ETag: '"1"' } });
    else answer = () => ({ status: 200, body: example(resourceName), headers: { ETag: '"2"' } });
    handlers[op.id] = async (_req: unknown, ctx: { principal: Principal | undefined }) => {
      seen.push({ op: op.id, principal: ctx.principal });
      return answer();
    };
  }
  for (const id of ['issueToken', 'getMetadata', 'getOpenApiDocument', 'getApiDocs', 'getJwks', 'getAuthorizationServerMetadata']) delete handlers[id];
  return handlers as unknown as ResourceHandlers;
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  config: ServerConfig;
  db: ReturnType<typeof openDatabase>;
  seen: Array<{ op: string; principal: Principal | undefined }>;
  clock: { now: Date };
  token(who: keyof typeof demo, scope?: string): Promise<string>;
  request(path: string, init?: RequestInit): Promise<Response>;
}

export const ORIGIN = 'http://127.0.0.1:8069';
export const BASE = `${ORIGIN}/api/v2/spp`;

/** Generous limits unless a test sets its own, so that tests of other rules never meet a 429. */
export async function makeHarness(env: ConfigInput = {}, dbPath = ':memory:'): Promise<Harness> {
  const config = loadConfig({
    SPP_TOKEN_RATE_PER_MINUTE: '10000',
    SPP_TOKEN_RATE_PER_DAY: '100000',
    SPP_API_RATE_PER_MINUTE: '10000',
    SPP_API_RATE_PER_DAY: '100000',
    SPP_VALIDATE_RESPONSES: 'true',
    ...env,
  });
  const db = openDatabase(dbPath);
  loadDemoClients(db);
  const keys = await loadSigningKeys(config, db);
  const seen: Harness['seen'] = [];
  const clock = { now: new Date() };
  const app = createApp({ config, db, keys, resources: fakeRegistry(seen), now: () => clock.now, onError: (op, e) => console.error(op?.id, e) });
  const request = async (path: string, init?: RequestInit) => app.request(path.startsWith('http') ? path : `${BASE}${path}`, init);
  const token = async (who: keyof typeof demo, scope?: string) => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: demo[who].clientId,
      client_secret: demo[who].clientSecret,
      ...(scope ? { scope } : {}),
    });
    const res = await request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    if (res.status !== 200) throw new Error(`token request for ${who} failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return { app, config, db, seen, clock, token, request };
}

/** A PKCS#8 key file for ES256/RS256 tests. */
export function keyFile(algorithm: 'ES256' | 'RS256'): { path: string; publicKeyPem: string } {
  const pair = algorithm === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const path = join(tmpdir(), `spp-test-${algorithm}-${process.pid}-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(path, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  return { path, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
