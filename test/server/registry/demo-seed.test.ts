/** The demo registry, the synthetic generator, consent administration and their commands. */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerConsent } from '../../../src/cli/commands/consent.js';
import { register as registerSeed } from '../../../src/cli/commands/seed.js';
import { getOperation } from '../../../src/contract/index.js';
import { contractValidator } from '../../../src/contract/index.js';
import { ConsentAdminError, grant, list, withdraw } from '../../../src/server/registry/consent-admin.js';
import { DEMO_CONSENTED_INDIVIDUAL, DEMO_UNCONSENTED_INDIVIDUAL, loadDemoRegistry, readDemoRegistry } from '../../../src/server/registry/demo.js';
import { seedRegistry } from '../../../src/server/registry/seed.js';
import { openDatabase, type Db } from '../../../src/server/store/db.js';
import { addOrganizations, dumpRegistry, makeRegistry } from './harness.js';

const NOW = new Date('2026-03-02T09:15:00.000Z');

function freshDb(): Db {
  const db = openDatabase(':memory:');
  addOrganizations(db);
  return db;
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('demo registry', () => {
  it('holds contract-valid records: ~10 households of 2-6, 3 programmes (one ended), ~15 enrolments', () => {
    const demo = readDemoRegistry();
    expect(demo.groups).toHaveLength(10);
    for (const g of demo.groups as any[]) {
      expect(g.member.length).toBeGreaterThanOrEqual(2);
      expect(g.member.length).toBeLessThanOrEqual(6);
    }
    expect(demo.programs).toHaveLength(3);
    expect((demo.programs as any[]).filter((p) => p.period?.end)).toHaveLength(1);
    expect(demo.programMemberships).toHaveLength(15);
    const ops = { Individual: 'createIndividual', Group: 'createGroup', Program: 'createProgram', ProgramMembership: 'createProgramMembership' } as const;
    for (const r of [...demo.individuals, ...demo.groups, ...demo.programs, ...demo.programMemberships]) {
      expect(contractValidator.validateBody(getOperation(ops[r.resourceType]), 'application/json', r)).toEqual([]);
    }
  });

  it('loads once (idempotent) and has a consented and an unconsented individual', async () => {
    const h = makeRegistry();
    expect(loadDemoRegistry(h.db, NOW)).toBe(true);
    const before = dumpRegistry(h.db);
    expect(loadDemoRegistry(h.db, NOW)).toBe(false);
    expect(dumpRegistry(h.db)).toEqual(before);
    expect((await h.call('consent', 'GET', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`)).status).toBe(200);
    expect((await h.call('consent', 'GET', `/Individual/${DEMO_UNCONSENTED_INDIVIDUAL}`)).status).toBe(403);
    expect(list(h.db, { subject: `Individual/${DEMO_UNCONSENTED_INDIVIDUAL}` }, NOW)).toEqual([]);
    const statuses = list(h.db, { organizationCode: 'ministry-of-agriculture' }, NOW)
      .map((c) => `${c.status}:${c.validToday}`)
      .sort();
    expect(statuses).toEqual(['expired:false', 'given:false', 'given:true', 'given:true', 'renewed:true', 'withdrawn:false']);
    expect(h.violations).toEqual([]);
  });

  it('needs the demo organizations', () => {
    expect(() => loadDemoRegistry(openDatabase(':memory:'), NOW)).toThrow(/ministry-of-agriculture/);
  });
});

describe('synthetic registry', () => {
  it('is deterministic for a seed, and differs for another', () => {
    const a = freshDb();
    const b = freshDb();
    const c = freshDb();
    const ra = seedRegistry(a, { individuals: 600, seed: 3, now: NOW });
    seedRegistry(b, { individuals: 600, seed: 3, now: NOW });
    seedRegistry(c, { individuals: 600, seed: 4, now: NOW });
    expect(ra).toMatchObject({ individuals: 600, groupMembers: 600 });
    expect(ra.groups).toBeGreaterThan(100);
    expect(ra.groups).toBeLessThan(220);
    expect(ra.programMemberships).toBeGreaterThan(0);
    expect(dumpRegistry(a)).toEqual(dumpRegistry(b));
    expect(dumpRegistry(a).individual_docs).not.toEqual(dumpRegistry(c).individual_docs);
    expect(a.pragma('foreign_key_check')).toEqual([]);
    expect(a.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(a.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('adds to what is there, with unique identifiers', () => {
    const db = freshDb();
    loadDemoRegistry(db, NOW);
    seedRegistry(db, { individuals: 300, seed: 1, now: NOW });
    seedRegistry(db, { individuals: 300, seed: 1, now: NOW });
    expect(db.prepare('SELECT count(*) FROM individuals').pluck().get()).toBe(38 + 600);
    expect(db.prepare('SELECT count(*) FROM identifiers WHERE resource_type = ?').pluck().get('Program')).toBe(5);
  });

  it('writes records the API reads, searches and would write identically', async () => {
    const h = makeRegistry(freshDb());
    h.clock.now = NOW;
    seedRegistry(h.db, { individuals: 400, seed: 9, now: NOW });
    const page = await h.call('dswd', 'GET', '/Individual?_count=100&_sort=-birthdate');
    expect([page.status, page.body.total]).toEqual([200, 400]);
    const family = page.body.entry[0].resource.name.family as string;
    const byName = await h.call('dswd', 'GET', `/Individual?name=${encodeURIComponent(family.slice(0, 2))}`);
    expect(byName.body.total).toBeGreaterThan(0);
    const byAddress = await h.call('dswd', 'GET', `/Individual?address=${encodeURIComponent(page.body.entry[0].resource.address[0].city)}`);
    expect(byAddress.body.total).toBeGreaterThan(0);
    // Sending a seeded record back unchanged stores exactly what the seed stored (but the version).
    const url = page.body.entry[0].fullUrl as string;
    const { meta: _meta, groupMembership: _g, ...resource } = (await h.call('dswd', 'GET', url)).body;
    const id = h.db.prepare("SELECT record_id FROM identifiers WHERE resource_type = 'Individual' AND value = ?").pluck().get(resource.identifier[0].value);
    const row = () =>
      h.db.prepare('SELECT name_key, birth_date, gender, active, d.doc FROM individuals i JOIN individual_docs d USING (id) WHERE id = ?').get(id);
    const size = () => h.db.prepare('SELECT sz FROM individual_text_docsize WHERE id = ?').get(id);
    const [rowBefore, sizeBefore] = [row(), size()];
    expect((await h.call('dswd', 'PUT', url, resource)).status).toBe(200);
    expect([row(), size()]).toEqual([rowBefore, sizeBefore]);
    const groups = await h.call('dswd', 'GET', '/Group?_count=5');
    expect(groups.body.entry[0].resource.quantity).toBeGreaterThan(0);
    expect(h.violations).toEqual([]);
  });
});

describe('consent administration', () => {
  const db = (() => {
    const d = freshDb();
    loadDemoRegistry(d, NOW);
    return d;
  })();
  const subject = 'Individual/urn:gov:ph:psa:national-id|PH-900000001';

  it('grants, lists and withdraws, naming consents by UUID', () => {
    const id = grant(db, { organizationCode: 'dswd', subject, resourceTypes: ['Individual', 'ProgramMembership'], expiryDate: '2027-01-01' }, NOW);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [view] = list(db, { organizationCode: 'dswd' }, NOW);
    expect(view).toMatchObject({
      consentId: id,
      organization: 'dswd',
      subject,
      resourceTypes: ['Individual', 'ProgramMembership'],
      status: 'given',
      effectiveDate: '2026-03-02',
      validToday: true,
    });
    const withdrawn = withdraw(db, id, 'moved away', NOW);
    expect(withdrawn).toMatchObject({ status: 'withdrawn', withdrawalReason: 'moved away', validToday: false, withdrawnAt: NOW.toISOString() });
    expect(() => withdraw(db, id, 'again', NOW)).toThrow(ConsentAdminError);
    expect(list(db, { status: 'withdrawn' }, NOW).map((c) => c.consentId)).toContain(id);
  });

  it('refuses what cannot be a consent', () => {
    const bad: Array<Parameters<typeof grant>[1]> = [
      { organizationCode: 'nobody', subject, resourceTypes: ['Individual'], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject: 'Individual/urn:gov:ph:psa:national-id|NOPE', resourceTypes: ['Individual'], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject: 'Program/urn:openspp:program|4Ps', resourceTypes: ['Individual'], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject, resourceTypes: ['Program'], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject, resourceTypes: ['Group'], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject, resourceTypes: [], expiryDate: '2027-01-01' },
      { organizationCode: 'dswd', subject, resourceTypes: ['Individual'], expiryDate: '2027-02-30' },
      { organizationCode: 'dswd', subject, resourceTypes: ['Individual'], effectiveDate: '2027-02-01', expiryDate: '2027-01-01' },
    ];
    for (const input of bad) expect(() => grant(db, input, NOW), JSON.stringify(input)).toThrow(ConsentAdminError);
    expect(() => withdraw(db, '00000000-0000-4000-8000-000000000000', 'x', NOW)).toThrow(ConsentAdminError);
  });
});

describe('commands', () => {
  function cli(db: Db) {
    const program = new Command('spp-kit').exitOverride();
    registerConsent(program, () => db);
    registerSeed(program, () => db);
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    vi.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
    return { run: (...args: string[]) => program.parseAsync(['node', 'spp-kit', ...args]), out, err };
  }

  it('consent grant|list|withdraw with --json', async () => {
    const db = freshDb();
    loadDemoRegistry(db, NOW);
    const c = cli(db);
    await c.run(
      'consent',
      'grant',
      '--org',
      'dswd',
      '--subject',
      'Group/urn:openspp:group|HH-2024-003',
      '--types',
      'Group,Individual',
      '--expiry',
      '2099-12-31',
      '--json',
    );
    const granted = JSON.parse(c.out.pop()!);
    expect(granted).toMatchObject({
      organization: 'dswd',
      subject: 'Group/urn:openspp:group|HH-2024-003',
      resourceTypes: ['Individual', 'Group'],
      status: 'given',
    });
    await c.run('consent', 'list', '--org', 'dswd', '--json');
    expect(JSON.parse(c.out.pop()!).map((x: any) => x.consentId)).toEqual([granted.consentId]);
    await c.run('consent', 'withdraw', granted.consentId, '--reason', 'request of the household', '--json');
    expect(JSON.parse(c.out.pop()!).status).toBe('withdrawn');
    await c.run('consent', 'list', '--status', 'withdrawn');
    expect(c.out.pop()).toContain(granted.consentId);
  });

  it('a bad grant prints one line and sets exit status 2', async () => {
    const c = cli(freshDb());
    await c.run('consent', 'grant', '--org', 'nobody', '--subject', 'Individual/urn:x|1', '--types', 'Individual', '--expiry', '2099-12-31');
    expect(c.err).toEqual(["spp-kit: no organization has the code 'nobody'"]);
    expect(process.exitCode).toBe(2);
  });

  it('seed --individuals N --seed S --json', async () => {
    const db = freshDb();
    const c = cli(db);
    await c.run('seed', '--individuals', '250', '--seed', '5', '--json');
    expect(JSON.parse(c.out.pop()!)).toMatchObject({ individuals: 250, groupMembers: 250 });
    expect(db.prepare('SELECT count(*) FROM individuals').pluck().get()).toBe(250);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(c.run('seed', '--individuals', 'many')).rejects.toThrow(/whole number/);
  });
});
