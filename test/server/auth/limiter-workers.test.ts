/**
 * The shared limiter (SPP_RATE_LIMITS=shared) under real parallelism: worker threads, each with its own connection to one database file, race
 * for the same key. Exactly `limit` requests may pass, however the race goes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/server/store/db.js';

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Workers run plain JavaScript: they load the compiled-on-the-fly limiter through tsx's loader.
const workerSource = `
  const { parentPort, workerData } = require('node:worker_threads');
  (async () => {
    const { tsImport } = await import('tsx/esm/api');
    const { SharedRateLimiter, policiesFor } = await tsImport(workerData.limiter, workerData.from);
    const { openDatabase } = await tsImport(workerData.db, workerData.from);
    const limiter = new SharedRateLimiter(openDatabase(workerData.file));
    const policies = policiesFor({ perMinute: workerData.limit, perDay: 1000000 });
    let allowed = 0;
    for (let i = 0; i < workerData.attempts; i++) if (limiter.consume('api:race', policies, workerData.now).allowed) allowed++;
    parentPort.postMessage(allowed);
  })().catch((e) => { throw e; });
`;

describe('rate limiter concurrency', () => {
  it('4 workers × 100 attempts against a limit of 137 → exactly 137 allowed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spp-race-'));
    const file = join(dir, 'race.db');
    openDatabase(file).close(); // schema first, so the workers do not race on migrations
    const from = import.meta.url;
    const data = {
      file,
      from,
      limiter: new URL('../../../src/server/rate-limit/limiter.ts', from).href,
      db: new URL('../../../src/server/store/db.ts', from).href,
      limit: 137,
      attempts: 100,
      now: Date.parse('2026-03-02T10:00:00Z'),
    };
    const counts = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(workerSource, { eval: true, workerData: data });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(137);
    // Every worker got some: the race was real, not one worker after another.
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);
  }, 60_000);
});
