/** spp-kit clients for the user flows: a public client, redirect URIs, switching a client's type. */
import { spawnSync } from 'node:child_process';
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
  dir = await mkdtemp(join(tmpdir(), 'spp-cli-uf-'));
  db = join(dir, 'cli.db');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--db', db, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const create = [
  'clients',
  'create',
  '--name',
  'Field app',
  '--org',
  'field-org',
  '--org-name',
  'Field org',
  '--legal-basis',
  'public_task',
  '--scopes',
  'individual:read',
];

describe('spp-kit clients for the user flows', () => {
  it('creates a public client with its redirect URIs: no secret is shown or stored', () => {
    const r = cli([...create, '--public', '--redirect-uri', 'http://127.0.0.1:8799/cb', '--redirect-uri', 'com.example.field:/cb', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { clientId: string; clientType: string; redirectUris: string[]; clientSecret?: string };
    expect(out).toMatchObject({ clientType: 'public', redirectUris: ['http://127.0.0.1:8799/cb', 'com.example.field:/cb'] });
    expect(out.clientSecret).toBeUndefined();
    const row = new Database(db, { readonly: true }).prepare('SELECT secret_hash, client_type FROM api_clients WHERE client_id = ?').get(out.clientId) as {
      secret_hash: string;
      client_type: string;
    };
    expect(row).toEqual({ secret_hash: 'none', client_type: 'public' });
  });

  it('refuses a public client without a redirect URI, and redirect URIs that could leak a code, with one line and status 2', () => {
    for (const [args, message] of [
      [['--public'], /a public client needs at least one redirect URI/],
      [['--redirect-uri', 'http://app.example/cb'], /must be https, http on 127\.0\.0\.1/],
      [['--redirect-uri', 'https://app.example/cb#frag'], /must not have a fragment/],
    ] as const) {
      const r = cli([...create.map((a) => (a === 'field-org' ? 'field-org' : a)).filter((a) => a !== '--org-name' && a !== 'Field org'), ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('replaces the redirect URIs, and switches a client to confidential (a new secret, shown once) and back', () => {
    const created = JSON.parse(cli([...create.filter((a) => a !== '--org-name' && a !== 'Field org'), '--json']).stdout) as {
      clientId: string;
      clientSecret: string;
    };
    const set = cli(['clients', 'set-redirect-uris', created.clientId, 'https://app.example/cb', '--json']);
    expect(JSON.parse(set.stdout).redirectUris).toEqual(['https://app.example/cb']);
    const pub = cli(['clients', 'set-type', created.clientId, 'public']);
    expect(pub.stdout).toMatch(/is public$/m);
    const conf = cli(['clients', 'set-type', created.clientId, 'confidential']);
    expect(conf.stdout).toMatch(/^client_secret \S{43}$/m);
    expect(conf.stdout).not.toContain(created.clientSecret);
    expect(cli(['clients', 'rotate-secret', created.clientId]).status).toBe(0);
  });
});
