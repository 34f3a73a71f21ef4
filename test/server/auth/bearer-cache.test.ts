/**
 * The server remembers verified tokens (auth/bearer.ts BearerCache) only while the database is as it was. These
 * tests use a token first — so that it is remembered — then change its client the way `spp-kit clients …` does,
 * from another connection to the same file (another process), and expect the very next request to be refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateSecret, setActive, setScopes } from '../../../src/server/clients/repository.js';
import { openDatabase, type Db } from '../../../src/server/store/db.js';
import { demo, makeHarness, type Harness } from './harness.js';

const READ = '/Individual/urn:gov:ph:psa:national-id|PH-123456789';
let dir: string;
let h: Harness;
let cli: Db;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-bearer-cache-'));
  const file = join(dir, 'server.db');
  h = await makeHarness({}, file);
  // What `spp-kit --db FILE clients …` opens: its own connection to the server's file.
  cli = openDatabase(file);
});
afterEach(async () => {
  cli.close();
  h.db.close();
  await rm(dir, { recursive: true, force: true });
});

const read = async (token: string) => (await h.request(READ, { headers: { authorization: `Bearer ${token}` } })).status;

/** A token that has just been accepted twice (so it is in the cache). */
async function usedToken(who: 'full' | 'reader'): Promise<string> {
  const token = await h.token(who);
  expect(await read(token)).toBe(200);
  expect(await read(token)).toBe(200);
  return token;
}

describe('a client changed by another process is refused on its very next request', () => {
  it('disabled', async () => {
    const token = await usedToken('full');
    setActive(cli, demo.full.clientId, false);
    expect(await read(token)).toBe(401);
    setActive(cli, demo.full.clientId, true);
    expect(await read(token)).toBe(200);
  });

  it('re-scoped', async () => {
    const token = await usedToken('reader');
    setScopes(cli, demo.reader.clientId, ['group:read']);
    expect(await read(token)).toBe(403);
  });

  it('secret rotated', async () => {
    const token = await usedToken('full');
    rotateSecret(cli, demo.full.clientId);
    expect(await read(token)).toBe(401);
  });

  it('changed by a raw UPDATE on the server’s own connection', async () => {
    const token = await usedToken('full');
    h.db.prepare('UPDATE api_clients SET active = 0 WHERE client_id = ?').run(demo.full.clientId);
    expect(await read(token)).toBe(401);
  });

  it('a remembered token still expires on time', async () => {
    const token = await usedToken('full');
    h.clock.now = new Date(h.clock.now.getTime() + 24 * 3600 * 1000);
    expect(await read(token)).toBe(401);
  });
});

describe('the token endpoint sees a client changed by another process at once', () => {
  const tokenStatus = async (who: 'full' | 'reader') =>
    (
      await h.request('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: demo[who].clientId, client_secret: demo[who].clientSecret }),
      })
    ).status;

  it('disabled, then rotated', async () => {
    expect([await tokenStatus('full'), await tokenStatus('full')]).toEqual([200, 200]);
    setActive(cli, demo.full.clientId, false);
    expect(await tokenStatus('full')).toBe(400);
    setActive(cli, demo.full.clientId, true);
    expect(await tokenStatus('full')).toBe(200);
    rotateSecret(cli, demo.full.clientId);
    expect(await tokenStatus('full')).toBe(400);
  });
});
