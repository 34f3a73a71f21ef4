/**
 * The registry at 1,000,000 individuals (run with SPP_SCALE=1; SPP_SCALE_INDIVIDUALS overrides the size).
 * Prints seed time, lookup by identifier, name search p50/p95 (first page, and a page reached through next
 * links), deep keyset pages and a 50-create transaction. Asserts correctness and query plans only, never times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRegistry } from '../../../src/server/registry/seed.js';
import { FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN } from '../../../src/server/registry/seed-vocabulary.js';
import { fullScans, makeRegistry, person, planOf, recordingDb, type RegistryHarness } from './harness.js';

const N = Number(process.env.SPP_SCALE_INDIVIDUALS ?? 1_000_000);
const DEEP = 50;
const psn = (id: number) =>
  `PSN-${String(id)
    .padStart(12, '0')
    .replace(/(\d{4})(?=\d)/g, '$1-')}`;

function percentile(ms: number[], p: number): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const fmt = (ms: number[]) => `p50 ${percentile(ms, 50).toFixed(2)} ms, p95 ${percentile(ms, 95).toFixed(2)} ms (n=${ms.length})`;

describe.skipIf(!process.env.SPP_SCALE)(`registry at ${N.toLocaleString('en')} individuals`, () => {
  let dir: string;
  let h: RegistryHarness;
  const runs: Array<{ sql: string; args: unknown[] }> = [];
  let recording = false;
  const report: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spp-scale-'));
    const db = recordingDb(join(dir, 'scale.db'), (sql, args) => void (recording && !sql.startsWith('EXPLAIN') && runs.push({ sql, args })));
    h = makeRegistry(db, { validateResponses: false });
    const seeded = seedRegistry(h.db, { individuals: N, seed: 2026, now: h.clock.now });
    expect(seeded.individuals).toBe(N);
    report.push(`seed: ${N} individuals, ${seeded.groups} households, ${seeded.programMemberships} enrolments in ${(seeded.ms / 1000).toFixed(1)} s`);
  }, 600_000);

  afterAll(() => {
    console.log(`\n=== registry scale (${N} individuals) ===\n${report.join('\n')}\n`);
    h?.db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function timed(path: string) {
    const t = performance.now();
    const r = await h.call('dswd', 'GET', path);
    const ms = performance.now() - t;
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    return { r, ms };
  }

  /** Every statement the recorded requests ran uses an index (see harness.fullScans). */
  function expectIndexed(label: string) {
    const statements = runs.filter((x) => / FROM (individuals|identifiers) /.test(x.sql) && !/^SELECT count\(\*\) FROM individuals r WHERE 1$/.test(x.sql));
    expect(statements.length, label).toBeGreaterThan(0);
    for (const { sql, args } of statements) expect(fullScans(planOf(h.db, sql, args), sql), `${label}: ${sql}`).toEqual([]);
  }

  it('looks records up by identifier', async () => {
    const ms: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = 1 + ((i * 7919) % N);
      const { r, ms: t } = await timed(`/Individual/urn:gov:ph:psa:national-id|${psn(id)}`);
      expect(r.body.identifier[0].value).toBe(psn(id));
      ms.push(t);
    }
    runs.length = 0;
    recording = true;
    await timed(`/Individual/urn:gov:ph:psa:national-id|${psn(N)}`);
    await timed(`/Individual?identifier=${psn(N)}`);
    recording = false;
    expectIndexed('lookup');
    report.push(`read by identifier (GET /Individual/{id}): ${fmt(ms)}`);
  }, 300_000);

  it('searches names: first pages and pages deep through next links, with exact totals', async () => {
    const needles = [
      ...FAMILY_NAMES.slice(0, 40).map((n) => n.toLowerCase()),
      ...MALE_GIVEN.slice(0, 15),
      ...FEMALE_GIVEN.slice(0, 15),
      'ria',
      'dela',
      'an',
      'go',
      'ño',
      'nino',
    ];
    const first: number[] = [];
    for (const needle of needles) {
      const { r, ms } = await timed(`/Individual?name=${encodeURIComponent(needle)}`);
      first.push(ms);
      if (r.body.total > 0) expect(r.body.entry.length).toBe(Math.min(20, r.body.total));
    }
    // Exact totals: following every link of a mid-sized result, and the text index's own count.
    const { r: some } = await timed('/Individual?name=dumalagan&_count=100');
    let seen = some.body.entry.length;
    let next = some.body.link.find((l: any) => l.relation === 'next')?.url;
    while (next) {
      const { r } = await timed(next);
      expect(r.body.total).toBe(some.body.total);
      seen += r.body.entry.length;
      next = r.body.link.find((l: any) => l.relation === 'next')?.url;
    }
    expect(seen).toBe(some.body.total);
    expect(some.body.total).toBe(h.db.prepare('SELECT count(*) FROM individual_text WHERE individual_text MATCH \'{name} : "dumalagan"\'').pluck().get());

    const deep: number[] = [];
    const sameFirst: number[] = [];
    for (const needle of needles.slice(0, 12)) {
      let url = `/Individual?name=${encodeURIComponent(needle)}`;
      for (let page = 1; page < DEEP; page++) {
        const { r, ms } = await timed(url);
        if (page === 1) sameFirst.push(ms);
        const link = r.body.link.find((l: any) => l.relation === 'next')?.url;
        if (!link) break;
        url = link;
      }
      runs.length = 0;
      recording = true;
      deep.push((await timed(url)).ms);
      recording = false;
      expectIndexed(`name=${needle} deep`);
    }
    report.push(`name search, first page (${needles.length} names incl. 2-letter ones): ${fmt(first)}`);
    report.push(`name search, the 12 most common family names: first page ${fmt(sameFirst)}; page ${DEEP} via next links ${fmt(deep)}`);
  }, 600_000);

  it('pages the whole registry by name: a page 1,000 links deep costs what the first page does', async () => {
    const firstMs: number[] = [];
    for (let i = 0; i < 20; i++) firstMs.push((await timed('/Individual?_count=100')).ms);
    let url = '/Individual?_count=100';
    const seen = new Set<string>();
    const depth = Math.min(1000, Math.floor(N / 100) - 25);
    for (let page = 0; page < depth; page++) {
      const { r } = await timed(url);
      for (const e of r.body.entry) seen.add(e.fullUrl);
      url = r.body.link.find((l: any) => l.relation === 'next').url;
    }
    expect(seen.size).toBe(depth * 100);
    const deepMs: number[] = [];
    runs.length = 0;
    recording = true;
    for (let i = 0; i < 20; i++) {
      const { r, ms } = await timed(url);
      expect(r.body.total).toBe(N);
      deepMs.push(ms);
      url = r.body.link.find((l: any) => l.relation === 'next').url;
    }
    recording = false;
    expectIndexed('deep keyset');
    report.push(`unfiltered, _sort=name, _count=100: first page ${fmt(firstMs)}; pages ${depth + 1}-${depth + 20} via next ${fmt(deepMs)}`);
  }, 300_000);

  it('runs a 50-create transaction', async () => {
    const entry = Array.from({ length: 50 }, (_, i) => ({
      request: { method: 'POST', url: 'Individual' },
      resource: person(`SCALE-T-${i}`, 'Transaccion', 'Prueba'),
    }));
    const ms: number[] = [];
    // Round 0 warms up (statements are prepared once per database); rounds 1-5 are measured.
    for (let round = 0; round < 6; round++) {
      const body = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: entry.map((e) => ({
          ...e,
          resource: { ...e.resource, identifier: [{ system: 'urn:test:scale', value: `R${round}-${e.resource.identifier[0]!.value}` }] },
        })),
      };
      runs.length = 0;
      recording = round === 5;
      const t = performance.now();
      const r = await h.call('dswd', 'POST', '/$batch', body);
      if (round > 0) ms.push(performance.now() - t);
      recording = false;
      expect(r.status).toBe(200);
      expect(r.body.entry.every((e: any) => e.response.status === '201 Created')).toBe(true);
    }
    const writes = new Map(runs.map((x) => [x.sql, x.args]));
    for (const [sql, args] of writes) expect(fullScans(planOf(h.db, sql, args), sql), sql).toEqual([]);
    const { r } = await timed('/Individual?name=transaccion');
    expect(r.body.total).toBe(300);
    report.push(`$batch transaction of 50 creates: ${fmt(ms)}`);
  }, 300_000);
});
