/**
 * One registry, two dialects: what a client writes through one dialect, a client of the other reads in its own
 * words, on the same database file — and each server answers only what its own contract has.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployedContract, publishedContract, type Contract, type Dialect } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'spp-dialects-'));
const dbPath = join(dir, 'registry.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
const contracts: Record<Dialect, Contract> = { published: publishedContract, deployed: deployedContract };

/** Runs `fn` against a server of the dialect on the shared file, with a token of the full demo client. */
async function withServer<T>(
  dialect: Dialect,
  fn: (call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>) => Promise<T>,
) {
  const server = await startReferenceServer(loadConfig({ SPP_DIALECT: dialect, PORT: '0', SPP_DB: dbPath, SPP_TOKEN_RATE_PER_MINUTE: '1000' }));
  try {
    const t = await fetch(`${server.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: full.clientId, client_secret: full.clientSecret }),
    });
    const token = ((await t.json()) as { access_token: string }).access_token;
    return await fn(async (method, path, body) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const parsed = (await res.json()) as unknown;
      const match = contracts[dialect].match(method, new URL(`${server.baseUrl}${path}`).pathname);
      if (match && 'op' in match) {
        const issues = contracts[dialect].validator.validateResponse(match.op, {
          status: res.status,
          headers: res.headers,
          contentType: res.headers.get('content-type'),
          body: parsed,
        });
        expect(issues, `${dialect} ${method} ${path}`).toEqual([]);
      }
      return { status: res.status, body: parsed };
    });
  } finally {
    await server.close();
  }
}

describe('one store, two dialects', () => {
  it('an enrolment written as not_eligible (deployed) reads as exited in the published dialect, and as not_eligible again', async () => {
    const program = 'Program/urn:openspp:program|SOCPEN';
    await withServer('deployed', async (call) => {
      const r = await call('POST', '/ProgramMembership', {
        program: { reference: program },
        beneficiary: { reference: 'Individual/urn:gov:ph:psa:national-id|PH-123456789' },
        status: 'not_eligible',
      });
      expect(r.status).toBe(201);
    });
    const inPublished = await withServer('published', (call) =>
      call(
        'GET',
        `/ProgramMembership?beneficiary=${encodeURIComponent('Individual/urn:gov:ph:psa:national-id|PH-123456789')}&program=${encodeURIComponent(program)}`,
      ),
    );
    expect(inPublished.body.entry.map((e: any) => e.resource.status)).toEqual(['exited']);
    const inDeployed = await withServer('deployed', (call) =>
      call('GET', `/ProgramMembership/urn:gov:ph:psa:national-id|PH-123456789?program=${encodeURIComponent(program)}`),
    );
    expect(inDeployed.body.status).toBe('not_eligible');
  });

  it('a Group written with groupType (deployed) reads with type (published)', async () => {
    await withServer('deployed', (call) =>
      call('POST', '/Group', { identifier: [{ system: 'urn:openspp:group', value: 'HH-BOTH-1' }], groupType: 'organization', name: 'Both dialects' }),
    );
    const r = await withServer('published', (call) => call('GET', '/Group/urn:openspp:group|HH-BOTH-1'));
    expect(r.body).toMatchObject({ resourceType: 'Group', type: 'organization' });
  });

  it('each dialect answers only its own operations: PATCH of an Individual is deployed-only, conditional update published-only', async () => {
    const deployedPatch = await withServer('deployed', (call) => call('PATCH', '/Individual/urn:gov:ph:psa:national-id|PH-123456789', { active: true }));
    const publishedPatch = await withServer('published', (call) => call('PATCH', '/Individual/urn:gov:ph:psa:national-id|PH-123456789', { active: true }));
    expect([deployedPatch.status, publishedPatch.status]).toEqual([200, 405]);
    const conditional = await withServer('deployed', (call) =>
      call('PUT', '/Individual?identifier=urn:x|y', { identifier: [{ system: 'urn:x', value: 'y' }] }),
    );
    expect(conditional.status).toBe(405);
  });
});
