/**
 * Replays the published developer guide's requests (requests.yaml, transcribed by hand) against the reference
 * server with its demo registry, in order, as the guide's clients would send them: every request the guide
 * promises must be answered as it says — and, like every answer, within the contract.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { publishedContract } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

interface Example {
  id: string;
  source: string;
  as?: 'full' | 'reader' | 'consent' | 'none';
  request: { method: string; path: string; json?: unknown };
  expect: {
    status: number;
    has?: string[];
    lacks?: string[];
    equals?: Record<string, unknown>;
    min?: Record<string, number>;
    links?: string[];
    headers?: Record<string, string>;
  };
}

const examples = parse(readFileSync(new URL('./requests.yaml', import.meta.url), 'utf8')) as Example[];
let server: RunningServer;
const tokens: Record<string, string> = {};
let consentId = '';

const at = (value: unknown, path: string): unknown => path.split('.').reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), value);

beforeAll(async () => {
  server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:', SPP_TOKEN_RATE_PER_MINUTE: '1000', SPP_API_RATE_PER_MINUTE: '100000' }));
  for (const c of readDemoFixture().clients.filter((x) => ['full', 'reader', 'consent'].includes(x.role))) {
    const r = await fetch(`${server.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    tokens[c.role] = ((await r.json()) as { access_token: string }).access_token;
  }
  consentId = server.db
    .prepare(
      "SELECT c.consent_id FROM consents c JOIN organizations o ON o.id = c.organization_id WHERE o.code = 'ministry-of-agriculture' AND c.status = 'given' ORDER BY c.id LIMIT 1",
    )
    .pluck()
    .get() as string;
});
afterAll(() => server.close());

describe('the published guide, request by request', () => {
  const results: Array<{ id: string; ok: boolean }> = [];
  afterAll(() => console.log(`published examples: ${results.filter((r) => r.ok).length}/${results.length} passed`));

  for (const ex of examples) {
    it(`${ex.id} — ${ex.source}`, async () => {
      results.push({ id: ex.id, ok: false });
      const path = ex.request.path.replace('{consentId}', consentId);
      const role = ex.as ?? 'full';
      const res = await fetch(`${server.baseUrl}${path}`, {
        method: ex.request.method,
        headers: {
          ...(role !== 'none' ? { authorization: `Bearer ${tokens[role]}` } : {}),
          ...(ex.request.json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(ex.request.json !== undefined ? { body: JSON.stringify(ex.request.json) } : {}),
      });
      const body = (await res.json()) as unknown;
      const e = ex.expect;
      expect(res.status, JSON.stringify(body).slice(0, 400)).toBe(e.status);
      for (const p of e.has ?? []) expect(at(body, p), p).toBeDefined();
      for (const p of e.lacks ?? []) expect(at(body, p), p).toBeUndefined();
      for (const [p, v] of Object.entries(e.equals ?? {})) expect(at(body, p), p).toEqual(v);
      for (const [p, v] of Object.entries(e.min ?? {})) expect(Number(at(body, p)), p).toBeGreaterThanOrEqual(v);
      for (const relation of e.links ?? []) expect((at(body, 'link') as Array<{ relation: string }>).map((l) => l.relation)).toContain(relation);
      for (const [name, value] of Object.entries(e.headers ?? {})) expect(res.headers.get(name), name).toBe(value);
      const match = publishedContract.match(ex.request.method, new URL(`${server.baseUrl}${path}`).pathname);
      if (match && 'op' in match) {
        const issues = publishedContract.validator.validateResponse(match.op, {
          status: res.status,
          headers: res.headers,
          contentType: res.headers.get('content-type'),
          body,
        });
        expect(issues).toEqual([]);
      }
      results[results.length - 1]!.ok = true;
    });
  }
});
