/** Rate limits: RFC 6585 §4, RFC 9110 Retry-After, the IETF RateLimit headers and OpenSPP's X-RateLimit-*. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { operationIndex } from '../../../src/contract/index.js';
import { contractValidator } from '../../../src/contract/index.js';
import { FLUSH_MS, flushRateLimits, policiesFor, ProcessRateLimiter, SharedRateLimiter } from '../../../src/server/rate-limit/limiter.js';
import { openDatabase } from '../../../src/server/store/db.js';
import { demo, form, makeHarness } from './harness.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const tokenRequest = (secret = demo.full.clientSecret, headers: Record<string, string> = {}) =>
  form({ grant_type: 'client_credentials', client_id: demo.full.clientId, client_secret: secret }, headers);

describe('token endpoint: per IP address (CA-07, RL-04)', () => {
  it('the sixth request in a minute is 429 with Retry-After and the RateLimit headers; failures count too', async () => {
    const h = await makeHarness({ SPP_TOKEN_RATE_PER_MINUTE: '5', SPP_TOKEN_RATE_PER_DAY: '50' });
    h.clock.now = new Date('2026-03-02T10:00:15Z');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await h.request('/oauth/token', tokenRequest(i % 2 ? 'wrong' : demo.full.clientSecret))).status);
    expect(statuses).toEqual([200, 400, 200, 400, 200]);
    const res = await h.request('/oauth/token', tokenRequest());
    const body = await res.json();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('45');
    expect(res.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60, "day";q=50;w=86400');
    expect(res.headers.get('ratelimit')).toBe('"minute";r=0;t=45');
    expect([res.headers.get('x-ratelimit-limit'), res.headers.get('x-ratelimit-remaining'), res.headers.get('x-ratelimit-reset')]).toEqual(['5', '0', '45']);
    expect(
      contractValidator.validateResponse(operationIndex.get('issueToken')!, {
        status: 429,
        headers: res.headers,
        contentType: res.headers.get('content-type'),
        body,
      }),
    ).toEqual([]);
    h.clock.now = new Date('2026-03-02T10:01:00Z');
    expect((await h.request('/oauth/token', tokenRequest())).status).toBe(200);
  });

  it('the day limit holds across minutes; Retry-After points at the end of the day window (RLH-03)', async () => {
    const h = await makeHarness({ SPP_TOKEN_RATE_PER_MINUTE: '5', SPP_TOKEN_RATE_PER_DAY: '7' });
    h.clock.now = new Date('2026-03-02T23:58:00Z');
    for (let i = 0; i < 5; i++) expect((await h.request('/oauth/token', tokenRequest())).status).toBe(200);
    h.clock.now = new Date('2026-03-02T23:59:00Z');
    for (let i = 0; i < 2; i++) expect((await h.request('/oauth/token', tokenRequest())).status).toBe(200);
    const res = await h.request('/oauth/token', tokenRequest());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('ratelimit')).toBe('"day";r=0;t=60');
  });

  it('X-Forwarded-For is used only when the proxy is trusted', async () => {
    const untrusted = await makeHarness({ SPP_TOKEN_RATE_PER_MINUTE: '2' });
    for (let i = 0; i < 2; i++) await untrusted.request('/oauth/token', tokenRequest(demo.full.clientSecret, { 'x-forwarded-for': `10.0.0.${i}` }));
    expect((await untrusted.request('/oauth/token', tokenRequest(demo.full.clientSecret, { 'x-forwarded-for': '10.0.0.9' }))).status).toBe(429);

    const trusted = await makeHarness({ SPP_TOKEN_RATE_PER_MINUTE: '2', SPP_TRUST_PROXY: 'true' });
    for (let i = 0; i < 2; i++) await trusted.request('/oauth/token', tokenRequest(demo.full.clientSecret, { 'x-forwarded-for': '10.0.0.1' }));
    expect((await trusted.request('/oauth/token', tokenRequest(demo.full.clientSecret, { 'x-forwarded-for': '10.0.0.1' }))).status).toBe(429);
    expect((await trusted.request('/oauth/token', tokenRequest(demo.full.clientSecret, { 'x-forwarded-for': '10.0.0.2, 10.0.0.1' }))).status).toBe(200);
  });
});

describe('API: per client', () => {
  it('reports the remaining quota on successful responses and refuses past the limit (RLH-01/02)', async () => {
    const h = await makeHarness({ SPP_API_RATE_PER_MINUTE: '3', SPP_API_RATE_PER_DAY: '1000' });
    h.clock.now = new Date('2026-03-02T10:00:50Z');
    const token = await h.token('reader');
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.request('/Individual', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('x-ratelimit-remaining'));
      expect(res.headers.get('ratelimit')).toBe(`"minute";r=${2 - i};t=10`);
      expect(res.headers.get('ratelimit-policy')).toBe('"minute";q=3;w=60, "day";q=1000;w=86400');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const res = await h.request('/Individual', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(((await res.json()) as any).issue[0].details.coding[0].code).toBe('RATE_LIMIT_EXCEEDED');
    // Another client has its own quota.
    expect((await h.request('/Individual', { headers: { authorization: `Bearer ${await h.token('full')}` } })).status).toBe(200);
  });

  it('a per-client override replaces the default', async () => {
    const h = await makeHarness({ SPP_API_RATE_PER_MINUTE: '100' });
    h.db.prepare('UPDATE api_clients SET rate_limit_per_minute = 1 WHERE client_id = ?').run(demo.reader.clientId);
    const token = await h.token('reader');
    expect((await h.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await h.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
  });

  it('counters survive a clean restart: the server writes them when it stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spp-rl-'));
    dirs.push(dir);
    const file = join(dir, 'rl.db');
    const first = await makeHarness({ SPP_API_RATE_PER_MINUTE: '2' }, file);
    first.clock.now = new Date('2026-03-02T10:00:00Z');
    const token = await first.token('reader');
    for (let i = 0; i < 2; i++) expect((await first.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    flushRateLimits(first.db); // what RunningServer.close() does before closing the database
    first.db.close();
    const second = await makeHarness({ SPP_API_RATE_PER_MINUTE: '2' }, file);
    second.clock.now = new Date('2026-03-02T10:00:20Z');
    expect((await second.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
    second.db.close();
  });

  it('a crash loses at most the last second of counts: what was counted a second ago is in the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spp-rl-'));
    dirs.push(dir);
    const file = join(dir, 'rl.db');
    const first = await makeHarness({ SPP_API_RATE_PER_MINUTE: '3' }, file);
    first.clock.now = new Date('2026-03-02T10:00:00Z');
    const token = await first.token('reader');
    for (let i = 0; i < 3; i++) expect((await first.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, FLUSH_MS + 200));
    // No flush on the way down: the process dies here.
    first.db.close();
    const second = await makeHarness({ SPP_API_RATE_PER_MINUTE: '3' }, file);
    second.clock.now = new Date('2026-03-02T10:00:20Z');
    expect((await second.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
    second.db.close();
  });

  it('SPP_RATE_LIMITS=shared counts in the database on every request', async () => {
    const h = await makeHarness({ SPP_API_RATE_PER_MINUTE: '5', SPP_RATE_LIMITS: 'shared' });
    h.clock.now = new Date('2026-03-02T10:00:00Z');
    const token = await h.token('reader');
    expect((await h.request('/Program', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const stored = h.db.prepare("SELECT count FROM rate_limit_counters WHERE key LIKE 'api:%' AND window_seconds = 60").pluck().get();
    expect(stored).toBe(1);
  });
});

describe('limiter', () => {
  it('one process: exactly k of N concurrent requests pass', async () => {
    const h = await makeHarness({ SPP_API_RATE_PER_MINUTE: '17' });
    h.clock.now = new Date('2026-03-02T10:00:00Z');
    const token = await h.token('reader');
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () => h.request('/Program', { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(17);
    expect(statuses.filter((s) => s === 429)).toHaveLength(43);
  });

  it('process store: refused requests are not counted, and the file receives each increment once', () => {
    const db = openDatabase(':memory:');
    const limiter = new ProcessRateLimiter(db);
    const policies = policiesFor({ perMinute: 3, perDay: 1000 });
    const now = Date.parse('2026-03-02T10:00:00Z');
    const allowed = Array.from({ length: 5 }, () => limiter.consume('api:x', policies, now).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    limiter.flush();
    limiter.flush();
    const counts = db.prepare("SELECT window_seconds, count FROM rate_limit_counters WHERE key = 'api:x' ORDER BY window_seconds").all();
    expect(counts).toEqual([
      { window_seconds: 60, count: 3 },
      { window_seconds: 86400, count: 3 },
    ]);
    // A new window starts from zero; the day window carries on.
    const next = limiter.consume('api:x', policies, now + 60_000);
    expect(next.allowed).toBe(true);
    expect(next.states.map((s) => s.remaining)).toEqual([2, 996]);
  });

  it('process store on a file shared by two processes: each is exact for itself; the file holds the sum for the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spp-rl-'));
    dirs.push(dir);
    const file = join(dir, 'p.db');
    const a = new ProcessRateLimiter(openDatabase(file));
    const b = new ProcessRateLimiter(openDatabase(file));
    const policies = policiesFor({ perMinute: 10, perDay: 1000 });
    const now = Date.parse('2026-03-02T10:00:00Z');
    expect(Array.from({ length: 12 }, () => a.consume('api:x', policies, now)).filter((d) => d.allowed)).toHaveLength(10);
    expect(Array.from({ length: 4 }, () => b.consume('api:x', policies, now)).filter((d) => d.allowed)).toHaveLength(4);
    a.flush();
    b.flush();
    const restarted = new ProcessRateLimiter(openDatabase(file));
    expect(restarted.consume('api:x', policies, now + 1000).allowed).toBe(false);
    expect(restarted.consume('api:x', policies, now + 1000).states[1]!.remaining).toBe(1000 - 14);
  });

  it('shared store: exactly k of N concurrent requests through, across two connections to one database file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spp-rl-'));
    dirs.push(dir);
    const file = join(dir, 'c.db');
    const a = new SharedRateLimiter(openDatabase(file));
    const b = new SharedRateLimiter(openDatabase(file));
    const policies = policiesFor({ perMinute: 17, perDay: 1000 });
    const now = Date.parse('2026-03-02T10:00:00Z');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => Promise.resolve().then(() => (i % 2 ? a : b).consume('api:x', policies, now))));
    expect(results.filter((r) => r.allowed)).toHaveLength(17);
  });
});
