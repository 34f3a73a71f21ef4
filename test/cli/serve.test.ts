/**
 * `spp-kit serve` as an operator sees it: the start-up banner (URLs, signing-key source, token lifetime, effective
 * rate limits, the public demo credentials — no repository file needed) and the request log (one line per request,
 * pretty or JSON or off), which never holds a token or a secret.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { formatEntry, loggedPath } from '../../src/server/request-log.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const demo = readDemoFixture().clients;
const reader = demo.find((c) => c.role === 'reader')!;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-serve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcessWithoutNullStreams;
  banner: string;
  baseUrl: string;
  output(): string;
  stop(): Promise<string>;
}

/** Starts `spp-kit serve` on a free port and waits for its banner. */
async function serve(db: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--db', db, 'serve', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', OPENSPP_JWT_SECRET: '', SPP_LOG: '', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Ctrl+C stops the server.')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code}: ${out}`));
    });
  });
  const baseUrl = /API\s+(http:\/\/\S+)/.exec(out)![1]!;
  return {
    child,
    banner: out,
    baseUrl,
    output: () => out,
    stop: () =>
      new Promise<string>((resolve) => {
        child.once('exit', () => resolve(out));
        child.kill('SIGTERM');
      }),
  };
}

async function token(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${reader.clientId}:${reader.clientSecret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('spp-kit serve: the banner', () => {
  it('prints the URLs, the settings in force and every demo client with its public credentials', async () => {
    const db = join(dir, 'banner.db');
    const first = await serve(db, [], { SPP_TOKEN_RATE_PER_MINUTE: '7', SPP_API_RATE_PER_DAY: '900', SPP_TOKEN_LIFETIME: '600' });
    await first.stop();
    const b = first.banner;
    expect(b).toContain(`API          ${first.baseUrl}`);
    expect(b).toContain(`Docs         ${first.baseUrl}/docs`);
    expect(b).toContain('Signing key  HS256, secret generated now and kept in the database');
    expect(b).toContain('Tokens       valid 600 s, 10 s clock leeway');
    expect(b).toContain('Rate limits  token endpoint 7/min and 50/day per address; API 60/min and 900/day per client');
    expect(b).toContain('own settings: demo-short-lived 5 s tokens');
    for (const c of demo) expect(b).toMatch(new RegExp(`${c.clientId}\\s+${c.clientSecret}\\s`));
    expect(b).not.toContain('fixtures/');
    // Started again on the same database: the key is the one kept there.
    const again = await serve(db);
    await again.stop();
    expect(again.banner).toContain('Signing key  HS256, secret generated on an earlier start, kept in the database');
  }, 60_000);

  it('names OPENSPP_JWT_SECRET as the key source without printing it, and leaves out demo clients whose secret changed', async () => {
    const db = join(dir, 'env.db');
    const secret = 'cli-test-secret-Vq3xZ8mN2pL7wR4tY9uK1hG6fD0sA5cB';
    const first = await serve(db, [], { OPENSPP_JWT_SECRET: secret });
    await first.stop();
    expect(first.banner).toContain('Signing key  HS256, secret from OPENSPP_JWT_SECRET');
    expect(first.banner).not.toContain(secret);
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, ['--import', 'tsx', main, '--db', db, 'clients', 'rotate-secret', reader.clientId], { cwd: root });
    const again = await serve(db, [], { OPENSPP_JWT_SECRET: secret });
    await again.stop();
    expect(again.banner).not.toContain(reader.clientSecret);
    expect(again.banner).toContain(demo.find((c) => c.role === 'full')!.clientSecret);
  }, 60_000);
});

describe('spp-kit serve: the request log', () => {
  it('pretty (the default): one line per request with time, verified client, method, path, status and ms; no token, secret or query', async () => {
    const s = await serve(join(dir, 'pretty.db'));
    const t = await token(s.baseUrl);
    await fetch(`${s.baseUrl}/Individual?name=santos`, { headers: { authorization: `Bearer ${t}` } });
    await fetch(`${s.baseUrl}/metadata?client_secret=${reader.clientSecret}`);
    await fetch(`${s.baseUrl}/${t}`); // a token pasted into a URL
    await fetch(`${s.baseUrl}/Individual`, { headers: { authorization: 'Bearer not-a-token' } });
    const out = await s.stop();
    const log = out.slice(out.indexOf('Ctrl+C stops the server.')).split('\n').slice(1, 5);
    expect(log[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}demo-reader +POST +\/api\/v2\/spp\/oauth\/token {2}200 {2}[\d.]+ ms$/);
    expect(log[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}demo-reader +GET +\/api\/v2\/spp\/Individual {2}200 {2}[\d.]+ ms$/);
    expect(log[2]).toMatch(/^\S+ {2}- +GET +\/api\/v2\/spp\/metadata {2}400 /);
    expect(log[3]).toMatch(/^\S+ {2}- +GET +\/api\/v2\/spp\/eyJ[\w-]{5}…\[\d+ chars\] {2}404 /);
    expect(out).not.toContain(t);
    expect(out).not.toContain('santos');
    expect(out.split(reader.clientSecret).length - 1).toBe(1); // the banner's, only
    expect(out).toMatch(/ - +GET +\/api\/v2\/spp\/Individual {2}401 /);
  }, 60_000);

  it('--log json: one JSON object per line; --log off: none', async () => {
    const s = await serve(join(dir, 'json.db'), ['--log', 'json']);
    const t = await token(s.baseUrl);
    await fetch(`${s.baseUrl}/Group?_count=1`, { headers: { authorization: `Bearer ${t}` } });
    const out = await s.stop();
    const entries = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.clientId, e.method, e.path, e.status])).toEqual([
      ['demo-reader', 'POST', '/api/v2/spp/oauth/token', 200],
      ['demo-reader', 'GET', '/api/v2/spp/Group', 200],
    ]);
    for (const e of entries) {
      expect(Object.keys(e)).toEqual(['time', 'clientId', 'method', 'path', 'status', 'ms']);
      expect(new Date(e.time as string).toISOString()).toBe(e.time);
      expect(typeof e.ms).toBe('number');
    }
    const quiet = await serve(join(dir, 'off.db'), [], { SPP_LOG: 'off' });
    await fetch(`${quiet.baseUrl}/metadata`);
    const quietOut = await quiet.stop();
    expect(quietOut).toContain('Request log  off');
    expect(quietOut).not.toContain('/api/v2/spp/metadata  200');
  }, 60_000);

  it('refuses an unknown format with one line', async () => {
    await expect(serve(join(dir, 'bad.db'), ['--log', 'loud'])).rejects.toThrow(/SPP_LOG must be pretty, json, off, got 'loud'/);
  });
});

describe('request-log formatting', () => {
  it('keeps the path only: no scheme, host, query or fragment; JWT-shaped parts masked', () => {
    expect(loggedPath('http://h:1/api/v2/spp/Individual?client_secret=x#f')).toBe('/api/v2/spp/Individual');
    expect(loggedPath('http://h/')).toBe('/');
    expect(loggedPath('http://h/a/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).toMatch(/^\/a\/eyJhbGci…\[\d+ chars\]$/);
    const entry = { time: '2026-01-02T03:04:05.678Z', clientId: undefined, method: 'GET', path: '/x', status: 200, ms: 1.25 };
    expect(formatEntry(entry, 'pretty')).toBe('03:04:05.678  -                  GET    /x  200  1.3 ms');
    expect(JSON.parse(formatEntry(entry, 'json'))).toEqual({ ...entry, clientId: null });
  });
});
