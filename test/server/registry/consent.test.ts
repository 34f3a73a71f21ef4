/**
 * Consent rules on the demo registry: a consent-bound client (ministry-of-agriculture) reads only what a valid
 * consent covers, and cannot tell a record without consent from one that does not exist.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONSENTED_INDIVIDUAL, DEMO_UNCONSENTED_INDIVIDUAL, loadDemoRegistry } from '../../../src/server/registry/demo.js';
import { grant } from '../../../src/server/registry/consent-admin.js';
import { makeRegistry, person, recordingDb, type RegistryHarness, type Reply } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
const ind = (v: string) => `/Individual/${NID}|${v}`;
let h: RegistryHarness;
let executed: string[];

beforeEach(() => {
  executed = [];
  h = makeRegistry(recordingDb(':memory:', (sql) => executed.push(sql)));
  loadDemoRegistry(h.db, h.clock.now);
});
afterEach(() => {
  expect(h.violations).toEqual([]);
  expect(h.errors).toEqual([]);
});

/** Status, body and every header, as bytes. */
const wire = (r: Reply) => ({ status: r.status, text: r.text, headers: [...(r.headers as any).entries()] });

describe('reads by a consent-bound client', () => {
  it('a consented record: 200 with X-Consent-Status: active', async () => {
    const r = await h.call('consent', 'GET', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`);
    expect([r.status, r.headers.get('x-consent-status'), r.body.name.family]).toEqual([200, 'active', 'Santos']);
  });

  it('no consent, and no such record: the same status, body and headers, after the same statements', async () => {
    executed = [];
    const unconsented = await h.call('consent', 'GET', `/Individual/${DEMO_UNCONSENTED_INDIVIDUAL}`);
    const unconsentedSql = executed;
    executed = [];
    const missing = await h.call('consent', 'GET', ind('PH-000000000'));
    const missingSql = executed;
    expect(unconsented.status).toBe(403);
    expect(unconsented.body.issue[0].details.coding[0].code).toBe('CONSENT_REQUIRED');
    expect(wire(missing)).toEqual(wire(unconsented));
    expect(missingSql).toEqual(unconsentedSql);
    expect(missingSql.length).toBeGreaterThan(1);
  });

  it('withdrawn, expired, not yet effective, and other organizations’ consents do not count', async () => {
    const reference = wire(await h.call('consent', 'GET', ind('PH-999999999')));
    for (const v of ['PH-200000001', 'PH-200000002', 'PH-500000001', 'PH-600000001']) {
      expect(wire(await h.call('consent', 'GET', ind(v))), v).toEqual(reference);
    }
    // The NGO's own consent-bound client does see the person its consent covers.
    expect((await h.call('ngo', 'GET', ind('PH-600000001'))).status).toBe(200);
  });

  it('a consent that starts tomorrow counts from tomorrow; an expiry date is the last valid day', async () => {
    const id = ind('PH-300000002');
    grant(h.db, {
      organizationCode: 'ministry-of-agriculture',
      subject: `Individual/${NID}|PH-300000002`,
      resourceTypes: ['Individual'],
      effectiveDate: '2026-03-03',
      expiryDate: '2026-03-04',
    });
    expect((await h.call('consent', 'GET', id)).status).toBe(403);
    h.clock.now = new Date('2026-03-03T00:00:00Z');
    expect((await h.call('consent', 'GET', id)).status).toBe(200);
    h.clock.now = new Date('2026-03-04T23:59:59Z');
    expect((await h.call('consent', 'GET', id)).status).toBe(200);
    h.clock.now = new Date('2026-03-05T00:00:00Z');
    expect((await h.call('consent', 'GET', id)).status).toBe(403);
  });

  it("a household's consent covers the household and its active members, not a member who left", async () => {
    expect((await h.call('consent', 'GET', '/Group/urn:openspp:group|HH-2024-004')).status).toBe(200);
    for (const v of ['PH-400000001', 'PH-400000002', 'PH-400000005']) expect((await h.call('consent', 'GET', ind(v))).status, v).toBe(200);
    expect((await h.call('consent', 'GET', ind('PH-400000006'))).status).toBe(403);
    expect((await h.call('consent', 'GET', '/Group/urn:openspp:group|HH-2024-001')).status).toBe(403);
  });

  it('the consent must cover the resource type read; ProgramMemberships follow their beneficiary', async () => {
    expect((await h.call('consent', 'GET', ind('PH-120000001'))).status).toBe(200);
    expect((await h.call('consent', 'GET', '/ProgramMembership/urn:openspp:program-membership|SOCPEN-2016-0007')).status).toBe(403);
    expect((await h.call('consent', 'GET', '/ProgramMembership/urn:openspp:program-membership|4PS-2018-000455')).status).toBe(200);
    const hidden = await h.call('consent', 'GET', '/ProgramMembership/urn:openspp:program-membership|4PS-2024-001234');
    const missing = await h.call('consent', 'GET', '/ProgramMembership/urn:openspp:program-membership|NOPE');
    expect(wire(missing)).toEqual(wire(hidden));
  });

  it('Programs are not consent-checked', async () => {
    expect((await h.call('consent', 'GET', '/Program/urn:openspp:program|4Ps')).status).toBe(200);
    expect((await h.call('consent', 'GET', '/Program/urn:openspp:program|NOPE')).status).toBe(404);
  });

  it('withdrawing takes effect on the next request', async () => {
    const { withdraw, list } = await import('../../../src/server/registry/consent-admin.js');
    const [c] = list(h.db, { subject: `Individual/${DEMO_CONSENTED_INDIVIDUAL}` });
    withdraw(h.db, c!.consentId, 'asked to stop');
    expect((await h.call('consent', 'GET', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`)).status).toBe(403);
  });
});

describe('searches by a consent-bound client', () => {
  it('omit records without valid consent, and total counts only the visible ones', async () => {
    const all = await h.call('consent', 'GET', '/Individual?_count=100');
    const visible = all.body.entry.map((e: any) => e.resource.identifier[0].value).sort();
    expect(visible).toEqual(['PH-120000001', 'PH-123456789', 'PH-400000001', 'PH-400000002', 'PH-400000003', 'PH-400000004', 'PH-400000005']);
    expect(all.body.total).toBe(7);
    expect(all.headers.get('x-consent-status')).toBe('active');
    const garcia = await h.call('consent', 'GET', '/Individual?name=garcia');
    expect(garcia.body.total).toBe(5);
    expect((await h.call('dswd', 'GET', '/Individual?name=garcia')).body.total).toBe(9);
  });

  it('paging a consent-filtered search walks exactly the visible records', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/Individual?_count=2';
    while (url) {
      const r = await h.call('consent', 'GET', url);
      expect(r.body.total).toBe(7);
      seen.push(...r.body.entry.map((e: any) => e.resource.identifier[0].value));
      url = r.body.link.find((l: any) => l.relation === 'next')?.url;
    }
    expect(seen).toHaveLength(7);
  });

  it('an identifier search for a hidden record looks like one for an unknown record', async () => {
    const hidden = await h.call('consent', 'GET', `/Individual?identifier=${encodeURIComponent(DEMO_UNCONSENTED_INDIVIDUAL)}`);
    const unknown = await h.call('consent', 'GET', `/Individual?identifier=${encodeURIComponent(`${NID}|PH-000000000`)}`);
    expect([hidden.body.total, hidden.body.entry]).toEqual([0, []]);
    expect(hidden.body.entry).toEqual(unknown.body.entry);
  });

  it('Groups and ProgramMemberships are filtered the same way', async () => {
    const groups = await h.call('consent', 'GET', '/Group');
    expect([groups.body.total, groups.body.entry.map((e: any) => e.resource.identifier[0].value)]).toEqual([1, ['HH-2024-004']]);
    const pm = await h.call('consent', 'GET', '/ProgramMembership');
    expect(pm.body.entry.map((e: any) => e.resource.identifier[0].value)).toEqual(['4PS-2018-000455']);
    expect((await h.call('consent', 'GET', '/Program')).body.total).toBe(3);
  });
});

describe('clients with another legal basis', () => {
  it('skip consent: they read everything, get 404 for unknown records and X-Consent-Status: legal_basis', async () => {
    const r = await h.call('dswd', 'GET', `/Individual/${DEMO_UNCONSENTED_INDIVIDUAL}`);
    expect([r.status, r.headers.get('x-consent-status')]).toEqual([200, 'legal_basis']);
    expect((await h.call('dswd', 'GET', ind('PH-000000000'))).status).toBe(404);
    expect((await h.call('dswd', 'GET', '/Individual?_count=100')).body.total).toBe(38);
  });
});

describe('writes', () => {
  it('check scopes only, not consent', async () => {
    const r = await h.call('consent', 'PUT', `/Individual/${DEMO_UNCONSENTED_INDIVIDUAL}`, person('PH-300000001', 'Bautista', 'Elena'));
    expect(r.status).toBe(200);
  });
});
