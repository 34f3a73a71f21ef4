/** The client example against the real reference server (in-process, free port, demo registry in memory). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExample } from '../../examples/search-read-update.js';
import { createSppClient, unwrap } from '../../src/client/index.js';
import { loadConfig } from '../../src/server/config.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';
import { demo } from '../server/auth/harness.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:', SPP_VALIDATE_RESPONSES: 'true' }));
});
afterAll(async () => {
  await server.close();
});

describe('examples/search-read-update.ts against the reference server', () => {
  it('searches, reads and replaces with If-Match, with one token request', async () => {
    const summary = await runExample({ baseUrl: server.baseUrl, clientId: demo.full.clientId, clientSecret: demo.full.clientSecret });
    expect(summary.search.total).toBeGreaterThan(0);
    expect(Number(summary.update.versionId)).toBe(Number(summary.read.versionId) + 1);
    expect(summary.update.etag).toBe(`"${summary.update.versionId}"`);
    expect(summary.tokenRequests).toBe(1);
    // The change is really stored.
    const spp = createSppClient({ baseUrl: server.baseUrl, clientId: demo.reader.clientId, clientSecret: demo.reader.clientSecret });
    const stored = unwrap(await spp.GET('/Individual/{identifier}', { params: { path: { identifier: summary.search.identifier } } }));
    expect(stored.telecom?.some((t) => t.value === summary.update.mobile)).toBe(true);
  });

  it('a stale If-Match is a typed VERSION_CONFLICT error', async () => {
    const spp = createSppClient({ baseUrl: server.baseUrl, clientId: demo.full.clientId, clientSecret: demo.full.clientSecret });
    const hits = unwrap(await spp.GET('/Individual', { params: { query: { name: 'santos', _count: 1 } } }));
    const person = hits.entry[0]!.resource;
    const identifier = `${person.identifier[0]!.system}|${person.identifier[0]!.value}`;
    const full = unwrap(await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } }));
    const result = await spp.PUT('/Individual/{identifier}', {
      params: { path: { identifier }, header: { 'If-Match': '"999"' } },
      body: { ...full, name: full.name! },
    });
    expect(result.response.status).toBe(409);
    expect(result.error?.issue[0]?.details.coding[0]?.code).toBe('VERSION_CONFLICT');
  });
});
