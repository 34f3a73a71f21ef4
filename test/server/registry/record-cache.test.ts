/**
 * Reads are answered from a cache of rendered records (store/record-cache.ts). Each test reads first — so that
 * the record is remembered — then changes it by one path and expects the next read to show the change: a record
 * is never served stale after a write, whatever wrote it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/server/store/db.js';
import { household, makeRegistry, person, type RegistryHarness } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
const MARIA = `/Individual/${NID}|PH-1`;
let h: RegistryHarness;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-record-cache-'));
  h = makeRegistry(openDatabase(join(dir, 'registry.db')));
  expect((await h.call('dswd', 'POST', '/Individual', person('PH-1', 'Santos', 'Maria'))).status).toBe(201);
  expect((await h.call('dswd', 'POST', '/Individual', person('PH-2', 'Santos', 'Jose'))).status).toBe(201);
});
afterEach(async () => {
  expect(h.violations).toEqual([]);
  expect(h.errors).toEqual([]);
  h.db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads Maria twice (the second from the cache) and returns what the reads said. */
async function readTwice() {
  const first = await h.call('dswd', 'GET', MARIA);
  const second = await h.call('dswd', 'GET', MARIA);
  expect(second.text).toBe(first.text);
  return first;
}

const bundle = (type: 'batch' | 'transaction', entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const put = (url: string, resource: unknown) => ({ request: { method: 'PUT', url }, resource });
const get = (url: string) => ({ request: { method: 'GET', url } });

describe('no stale record after a write', () => {
  it('PUT by identifier', async () => {
    expect((await readTwice()).body.meta.versionId).toBe('1');
    expect((await h.call('dswd', 'PUT', MARIA, person('PH-1', 'Santos', 'Mariah'))).status).toBe(200);
    const after = await h.call('dswd', 'GET', MARIA);
    expect([after.body.meta.versionId, after.body.name.given, after.headers.get('etag')]).toEqual(['2', 'Mariah', '"2"']);
  });

  it('conditional update (PUT /Individual?identifier=)', async () => {
    await readTwice();
    const r = await h.call('dswd', 'PUT', `/Individual?identifier=${NID}|PH-1`, person('PH-1', 'Santos', 'Marites'));
    expect(r.status).toBe(200);
    expect((await h.call('dswd', 'GET', MARIA)).body.name.given).toBe('Marites');
  });

  it('$batch, and a GET inside a transaction after its own PUT', async () => {
    await readTwice();
    const batch = await h.call('dswd', 'POST', '/$batch', bundle('batch', [put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Mia'))]));
    expect(batch.status).toBe(200);
    expect((await h.call('dswd', 'GET', MARIA)).body.name.given).toBe('Mia');
    await readTwice();
    const tx = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Maya')), get(`Individual/${NID}|PH-1`)]),
    );
    expect(tx.status, tx.text).toBe(200);
    expect(tx.body.entry[1].resource.name.given).toBe('Maya');
    expect((await h.call('dswd', 'GET', MARIA)).body.meta.versionId).toBe('3');
  });

  it('a transaction rolled back: what its entries read inside is not served afterwards', async () => {
    await readTwice();
    const tx = await h.call(
      'dswd',
      'POST',
      '/$batch',
      bundle('transaction', [
        put(`Individual/${NID}|PH-1`, person('PH-1', 'Santos', 'Ghost')),
        get(`Individual/${NID}|PH-1`),
        put(`Individual/${NID}|PH-404`, { resourceType: 'Individual' }),
      ]),
    );
    expect(tx.status).not.toBe(200);
    const after = await h.call('dswd', 'GET', MARIA);
    expect([after.body.meta.versionId, after.body.name.given]).toEqual(['1', 'Maria']);
  });

  it('a write to another record that changes this one (a household gains Maria as a member)', async () => {
    expect((await readTwice()).body.groupMembership).toBeUndefined();
    expect((await h.call('dswd', 'POST', '/Group', household('HH-1', 'Santos household', ['PH-1']))).status).toBe(201);
    expect((await h.call('dswd', 'GET', MARIA)).body.groupMembership[0].group.reference).toBe('Group/urn:openspp:group|HH-1');
  });

  it('a commit by another connection (another process)', async () => {
    await readTwice();
    const other = openDatabase(join(dir, 'registry.db'));
    try {
      const id = other.prepare(`SELECT record_id FROM identifiers WHERE resource_type = 'Individual' AND value = 'PH-1'`).pluck().get();
      other.prepare('UPDATE individuals SET version_id = 9 WHERE id = ?').run(id);
    } finally {
      other.close();
    }
    expect((await h.call('dswd', 'GET', MARIA)).body.meta.versionId).toBe('9');
  });

  it('the day changes: memberships that ended yesterday are no longer shown', async () => {
    const ending = household('HH-2', 'Short household', [{ entity: { reference: `Individual/${NID}|PH-1` }, period: { end: '2026-03-02' } }]);
    expect((await h.call('dswd', 'POST', '/Group', ending)).status).toBe(201);
    expect((await readTwice()).body.groupMembership).toHaveLength(1);
    h.clock.now = new Date('2026-03-03T09:15:00.000Z');
    expect((await h.call('dswd', 'GET', MARIA)).body.groupMembership).toBeUndefined();
  });
});
