/**
 * The server the fuzzer attacks: the reference server as `npm start` runs it (demo clients and registry), in
 * either dialect, in memory on a free loopback port, with rate limits raised so that the fuzzer's volume meets validation rather
 * than 429s — and the context the generators need (tokens, identifiers that exist, the secrets to look for).
 */
import { contractFor, type Dialect } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { readDemoRegistry } from '../../src/server/registry/demo.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { FuzzContext } from './requests.js';

const JWT_SECRET = 'fuzz-target-signing-secret-3f9a1c7e5b2d8046a1c9e7f3b5d2a804';

export async function startFuzzTarget(dialect: Dialect = 'published'): Promise<{ origin: string; context: FuzzContext; close: () => Promise<void> }> {
  const server = await startReferenceServer(
    loadConfig({
      SPP_DIALECT: dialect,
      PORT: '0',
      SPP_DB: ':memory:',
      OPENSPP_JWT_SECRET: JWT_SECRET,
      SPP_TOKEN_RATE_PER_MINUTE: '1000000',
      SPP_TOKEN_RATE_PER_DAY: '1000000',
      SPP_API_RATE_PER_MINUTE: '1000000',
      SPP_API_RATE_PER_DAY: '10000000',
    }),
  );
  const clients = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));
  const token = async (role: string) => {
    const c = clients[role]!;
    const r = await fetch(`${server.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const demo = readDemoRegistry();
  const ids = (list: Array<{ identifier: Array<{ system: string; value: string }> }>) =>
    list.slice(0, 5).map((r) => `${r.identifier[0]!.system}|${r.identifier[0]!.value}`);
  const context: FuzzContext = {
    contract: contractFor(dialect),
    tokens: { full: await token('full'), reader: await token('reader'), consent: await token('consent') },
    known: {
      Individual: ids(demo.individuals as never),
      Group: ids(demo.groups as never),
      Program: ids(demo.programs as never),
      ProgramMembership: ids(demo.programMemberships as never),
    },
    secrets: [
      clients.full!.clientSecret,
      ...Object.values(clients)
        .map((c) => c.clientSecret)
        .filter((s) => s !== clients.full!.clientSecret),
      JWT_SECRET,
    ],
    clientId: clients.full!.clientId,
  };
  return { origin: new URL(server.baseUrl).origin, context, close: () => server.close() };
}
