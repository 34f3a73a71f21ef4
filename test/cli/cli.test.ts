/** The spp-kit command as an operator uses it: a real process, its output, its exit status. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src/cli/main.ts');
let dir: string;
let db: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-cli-'));
  db = join(dir, 'cli.db');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--db', db, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

describe('spp-kit clients', () => {
  let clientId: string;
  let secret: string;

  it('creates a client with its organization and shows the secret once, storing only a hash', () => {
    const r = cli([
      'clients',
      'create',
      '--name',
      'Ministry X',
      '--org',
      'ministry-x',
      '--org-name',
      'Ministry X',
      '--legal-basis',
      'public_task',
      '--scopes',
      'individual:read, individual:search',
      '--token-lifetime',
      '600',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      name: 'Ministry X',
      organization: 'ministry-x',
      legalBasis: 'public_task',
      scopes: ['individual:read', 'individual:search'],
      active: true,
      tokenLifetime: 600,
    });
    expect(out.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    clientId = out.clientId;
    secret = out.clientSecret;
    const row = new Database(db, { readonly: true }).prepare('SELECT secret_hash FROM api_clients WHERE client_id = ?').get(clientId) as {
      secret_hash: string;
    };
    expect(row.secret_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(row.secret_hash).not.toContain(secret);
  });

  it('lists and shows clients without secrets', () => {
    const list = cli(['clients', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((c: { clientId: string }) => c.clientId)).toContain(clientId);
    const show = cli(['clients', 'show', clientId]);
    expect(show.stdout).toContain('legal basis   public_task');
    expect(list.stdout + show.stdout).not.toContain(secret);
  });

  it('replaces scopes, disables and enables, rotates the secret', () => {
    expect(JSON.parse(cli(['clients', 'set-scopes', clientId, 'group:read', 'group:search', '--json']).stdout).scopes).toEqual(['group:read', 'group:search']);
    expect(JSON.parse(cli(['clients', 'disable', clientId, '--json']).stdout).active).toBe(false);
    expect(JSON.parse(cli(['clients', 'enable', clientId, '--json']).stdout).active).toBe(true);
    const rotated = JSON.parse(cli(['clients', 'rotate-secret', clientId, '--json']).stdout);
    expect(rotated.clientSecret).not.toBe(secret);
  });

  it('refuses bad input with one line and status 2', () => {
    for (const args of [
      ['clients', 'create', '--name', 'x', '--org', 'ministry-x', '--scopes', 'individual:read foo:bar'],
      ['clients', 'create', '--name', 'x', '--org', 'nowhere', '--scopes', 'individual:read'],
      ['clients', 'show', 'nobody'],
      ['clients', 'create', '--name', 'x', '--org', 'ministry-x', '--scopes', 'individual:read', '--token-lifetime', '-5'],
    ]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^spp-kit: /);
    }
  });
});

describe('spp-kit serve', () => {
  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ OPENSPP_JWT_SECRET: 'too-short' }, /OPENSPP_JWT_SECRET is too short/],
    [{ SPP_JWT_ALG: 'RS256', SPP_JWT_KEY_FILE: '/nonexistent.pem' }, /cannot read SPP_JWT_KEY_FILE/],
  ])('stops a bad configuration with one readable line (%o)', (env, message) => {
    const r = cli(['serve'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('serves the demo registry, answers a token request, and stops cleanly on SIGTERM', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', main, '--db', join(dir, 'serve.db'), 'serve', '--port', '0'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 30_000;
    while (!/API\s+(http\S+)/.test(out) && Date.now() < deadline && proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const base = /API\s+(http\S+)/.exec(out)?.[1];
    expect(base, out).toBeDefined();
    // The banner names the public demo credentials itself: an installed package has no fixtures/ to point at.
    expect(out).not.toContain('fixtures/');
    expect(out).toMatch(/demo-reader\s+demo-secret-reader-do-not-deploy-7d3a5e6b1c0f/);
    const res = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('demo-reader:demo-secret-reader-do-not-deploy-7d3a5e6b1c0f').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/SIGTERM: finishing requests in flight/);
    // …and only there: the request log and the shutdown lines repeat no secret.
    expect(out.split('demo-secret-reader-do-not-deploy-7d3a5e6b1c0f')).toHaveLength(2);
  }, 60_000);
});

describe('spp-kit seed', () => {
  it('reports progress on stderr (plain lines off a terminal) and keeps --json output one document', () => {
    const r = cli(['seed', '--individuals', '2000', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ individuals: 2000 });
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^seeding individuals: [\d,]+\/2,000 \(10 %/);
    expect(lines.at(-1)).toBe('seeding individuals: building the indexes and the text index');
    expect(r.stderr).not.toContain('\r');
  });
});
