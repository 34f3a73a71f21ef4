/**
 * Every search parameter the contract declares, keyset paging through next and previous links, and cursors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedContract } from '../../../src/contract/contract.js';
import { operationIndex } from '../../../src/contract/index.js';
import { CONTROL_PARAMETERS, SEARCH_SPECS } from '../../../src/server/registry/search/specs.js';
import { enrolment, fullScans, household, makeRegistry, person, planOf, programme, recordingDb, type RegistryHarness } from './harness.js';

const NID = 'urn:gov:ph:psa:national-id';
let h: RegistryHarness;

const values = (r: { body: any }) => r.body.entry.map((e: any) => e.resource.identifier[0].value);
const code = (r: { body: any }) => r.body?.issue?.[0]?.details?.coding?.[0]?.code;
const enc = encodeURIComponent;

async function search(path: string, who: 'dswd' | 'consent' = 'dswd') {
  const r = await h.call(who, 'GET', path);
  expect(r.status, `${path}: ${r.text}`).toBe(200);
  expect(r.body.total).toBeGreaterThanOrEqual(r.body.entry.length);
  return r;
}

beforeAll(async () => {
  h = makeRegistry();
  const at = (iso: string) => (h.clock.now = new Date(iso));
  at('2025-06-01T08:00:00.000Z');
  const people = [
    person('PH-1', 'Santos', 'Maria', {
      name: { family: 'Santos', given: 'Maria', middle: 'Dela Cruz' },
      birthDate: '1985-03-15',
      gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '2' }] },
      address: [{ line: ['12 Rizal Street'], city: 'Quezon City', state: 'Metro Manila', postalCode: '1121' }],
    }),
    person('PH-2', 'Santos', 'Jose', {
      birthDate: '1982-11-02',
      gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '1' }] },
      address: [{ city: 'Quezon City' }],
    }),
    person('PH-3', 'Reyes', 'Niño', {
      birthDate: '2012-12-12',
      gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '1' }] },
      address: [{ district: 'Barangay San Jose', city: 'Tacloban City' }],
    }),
    person('PH-4', 'Go', 'Henry', {
      birthDate: '1968-05-05',
      gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '1' }] },
      address: [{ text: 'Cagayan de Oro' }],
    }),
    person('PH-5', 'Bautista', 'Elena', { birthDate: '1958-09-23', active: false, gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '2' }] } }),
    {
      ...person('PH-6', 'Castillo', 'Alfredo'),
      identifier: [
        { system: NID, value: 'PH-6' },
        { system: 'urn:openspp:vocab:id-type#philhealth', value: '12-000000006-6' },
      ],
    },
  ];
  for (const p of people) expect((await h.call('dswd', 'POST', '/Individual', p)).status).toBe(201);
  at('2026-01-15T10:00:00.000Z');
  expect(
    (
      await h.call(
        'dswd',
        'POST',
        '/Group',
        household('HH-1', 'Santos household', ['PH-1', 'PH-2', { entity: { reference: `Individual/${NID}|PH-6` }, period: { end: '2024-12-31' } }]),
      )
    ).status,
  ).toBe(201);
  expect((await h.call('dswd', 'POST', '/Group', household('HH-2', 'Reyes family', ['PH-3'], { type: 'family', active: false }))).status).toBe(201);
  expect(
    (await h.call('dswd', 'POST', '/Program', programme('4Ps', 'Pantawid Pamilyang Pilipino Program', 'group', { period: { start: '2008-01-01' } }))).status,
  ).toBe(201);
  expect((await h.call('dswd', 'POST', '/Program', programme('SOCPEN', 'Social Pension', 'individual'))).status).toBe(201);
  expect(
    (await h.call('dswd', 'POST', '/Program', programme('SAP-2020', 'Social Amelioration', 'group', { period: { start: '2020-04-01', end: '2020-12-31' } })))
      .status,
  ).toBe(201);
  expect((await h.call('dswd', 'POST', '/Program', programme('OLD', 'Old scheme', 'individual', { active: false }))).status).toBe(201);
  const pm = [
    enrolment('M-1', '4Ps', 'Group/urn:openspp:group|HH-1', { enrollmentDate: '2024-02-01' }),
    enrolment('M-2', '4Ps', 'Group/urn:openspp:group|HH-2', { enrollmentDate: '2019-07-01', status: 'suspended' }),
    enrolment('M-3', 'SOCPEN', `Individual/${NID}|PH-5`, { enrollmentDate: '2021-06-01' }),
    enrolment('M-4', 'SAP-2020', 'Group/urn:openspp:group|HH-1', { status: 'exited' }),
  ];
  at('2026-02-20T12:00:00.000Z');
  for (const m of pm) expect((await h.call('dswd', 'POST', '/ProgramMembership', m)).status).toBe(201);
  at('2026-03-02T09:15:00.000Z');
});

describe('the search parameters', () => {
  const queryParameters = (ops: Iterable<{ method: string; pathTemplate: string; parameters: Array<{ in: string; name: string }> }>, type: string) =>
    [...ops]
      .find((o) => o.method === 'GET' && o.pathTemplate === `/${type}`)!
      .parameters.filter((p) => p.in === 'query')
      .map((p) => p.name);

  it('every filter parameter the contract declares for a search has an implementation, and nothing else', () => {
    for (const [type, spec] of Object.entries(SEARCH_SPECS)) {
      const declared = queryParameters(operationIndex.values(), type).sort();
      const control: readonly string[] = CONTROL_PARAMETERS;
      const deployedOnly = queryParameters(deployedContract.operations.values(), type).filter(
        (n) => !control.includes(n) && n !== '_lastId' && !declared.includes(n),
      );
      expect(Object.keys(spec.filters).sort(), type).toEqual([...declared.filter((n) => !control.includes(n)), ...deployedOnly].sort());
      // Paging and shaping on every search; extension blocks only where the type has extensions.
      const expectedControl = control.filter((n) => n !== '_extensions' || ['Individual', 'Group'].includes(type));
      expect(
        declared.filter((n) => control.includes(n)),
        type,
      ).toEqual([...expectedControl].sort());
    }
  });
});

describe('Individual search', () => {
  it('identifier: system|value, or a bare value in any system', async () => {
    expect(values(await search(`/Individual?identifier=${enc(`${NID}|PH-2`)}`))).toEqual(['PH-2']);
    expect(values(await search('/Individual?identifier=12-000000006-6'))).toEqual(['PH-6']);
    expect(values(await search(`/Individual?identifier=${enc('urn:other|PH-2')}`))).toEqual([]);
  });

  it('name: case- and accent-insensitive substring of family, given or middle name, also of two characters', async () => {
    expect(values(await search('/Individual?name=SANTOS'))).toEqual(['PH-2', 'PH-1']);
    expect(values(await search('/Individual?name=ela%20cr'))).toEqual(['PH-1']);
    expect(values(await search('/Individual?name=nino'))).toEqual(['PH-3']);
    expect(values(await search('/Individual?name=go'))).toEqual(['PH-4']);
    expect(values(await search('/Individual?name=ia'))).toEqual(['PH-1']);
    expect(values(await search('/Individual?name=xyz'))).toEqual([]);
  });

  it('name and address needles are text, never text-index syntax', async () => {
    for (const needle of ['a"b', 'san*', 'NEAR(a b)', 'x OR y', '{name}:', '""', "o'"]) {
      expect(values(await search(`/Individual?name=${enc(needle)}`)), needle).toEqual([]);
      expect(values(await search(`/Individual?address=${enc(needle)}`)), needle).toEqual([]);
    }
  });

  it('birthdate with every prefix, and a range', async () => {
    expect(values(await search('/Individual?birthdate=1985-03-15'))).toEqual(['PH-1']);
    expect(values(await search('/Individual?birthdate=eq1985-03-15'))).toEqual(['PH-1']);
    expect(values(await search('/Individual?birthdate=ne1985-03-15&_sort=birthdate'))).toEqual(['PH-5', 'PH-4', 'PH-2', 'PH-3']);
    expect(values(await search('/Individual?birthdate=lt1982-11-02&_sort=birthdate'))).toEqual(['PH-5', 'PH-4']);
    expect(values(await search('/Individual?birthdate=le1982-11-02&_sort=birthdate'))).toEqual(['PH-5', 'PH-4', 'PH-2']);
    expect(values(await search('/Individual?birthdate=gt1985-03-15'))).toEqual(['PH-3']);
    expect(values(await search('/Individual?birthdate=ge1985-03-15&_sort=birthdate'))).toEqual(['PH-1', 'PH-3']);
    expect(values(await search('/Individual?birthdate=ge1980-01-01&birthdate=le1989-12-31'))).toEqual(['PH-2', 'PH-1']);
  });

  it('gender with or without its system; address substring; active', async () => {
    expect(values(await search(`/Individual?gender=${enc('urn:iso:std:iso:5218|2')}`))).toEqual(['PH-5', 'PH-1']);
    expect(values(await search('/Individual?gender=1'))).toEqual(['PH-4', 'PH-3', 'PH-2']);
    expect(values(await search('/Individual?address=quezon'))).toEqual(['PH-2', 'PH-1']);
    expect(values(await search('/Individual?address=san%20jose'))).toEqual(['PH-3']);
    expect(values(await search('/Individual?address=1121'))).toEqual(['PH-1']);
    expect(values(await search('/Individual?address=cagayan'))).toEqual(['PH-4']);
    expect(values(await search('/Individual?active=false'))).toEqual(['PH-5']);
    expect((await search('/Individual?active=true')).body.total).toBe(5);
  });

  it('group: the active members of a group, or none for people in no group', async () => {
    expect(values(await search(`/Individual?group=${enc('urn:openspp:group|HH-1')}`))).toEqual(['PH-2', 'PH-1']);
    expect(values(await search('/Individual?group=none'))).toEqual(['PH-5', 'PH-6', 'PH-4']);
    expect(values(await search(`/Individual?group=${enc('urn:openspp:group|NOPE')}`))).toEqual([]);
  });

  it('_lastUpdated with prefixes and a range', async () => {
    expect((await search('/Individual?_lastUpdated=2025-06-01')).body.total).toBe(6);
    expect((await search('/Individual?_lastUpdated=gt2025-06-01')).body.total).toBe(0);
    expect((await search('/Individual?_lastUpdated=ge2025-06-01T08:00:00Z&_lastUpdated=lt2025-06-01T08:00:01Z')).body.total).toBe(6);
    expect((await search(`/Individual?_lastUpdated=${enc('le2025-06-01T10:00+02:00')}`)).body.total).toBe(6);
    expect((await search(`/Individual?_lastUpdated=${enc('le2025-06-01T09:59+02:00')}`)).body.total).toBe(0);
    expect((await search('/Individual?_lastUpdated=ne2025-06-01')).body.total).toBe(0);
  });

  it('_sort on each key, ascending and descending; ties broken stably', async () => {
    expect(values(await search('/Individual'))).toEqual(['PH-5', 'PH-6', 'PH-4', 'PH-3', 'PH-2', 'PH-1']);
    expect(values(await search('/Individual?_sort=-name'))).toEqual(['PH-1', 'PH-2', 'PH-3', 'PH-4', 'PH-6', 'PH-5']);
    expect(values(await search('/Individual?_sort=-birthdate'))).toEqual(['PH-3', 'PH-1', 'PH-2', 'PH-4', 'PH-5', 'PH-6']);
    expect(values(await search('/Individual?_sort=_lastUpdated'))).toEqual(['PH-1', 'PH-2', 'PH-3', 'PH-4', 'PH-5', 'PH-6']);
  });

  it('_elements narrows every entry; entries carry fullUrl and search.mode', async () => {
    const r = await search('/Individual?name=santos&_elements=name');
    expect(Object.keys(r.body.entry[0].resource)).toEqual(['resourceType', 'identifier', 'name', 'meta']);
    expect(r.body.entry[0].fullUrl).toBe(`/api/v2/spp/Individual/${NID}%7CPH-2`);
    expect(r.body.entry[0].search).toEqual({ mode: 'match' });
    expect(r.headers.get('x-consent-status')).toBe('legal_basis');
  });

  it('unknown and repeated parameters, and malformed values, are 400 MALFORMED_REQUEST', async () => {
    for (const path of [
      '/Individual?foo=1',
      '/Individual?name=aa&name=bb',
      '/Individual?birthdate=1985-02-30',
      '/Individual?_count=101',
      '/Individual?name=a',
      '/Individual?_lastUpdated=yesterday',
    ]) {
      const r = await h.call('dswd', 'GET', path);
      expect([r.status, code(r)], path).toEqual([400, 'MALFORMED_REQUEST']);
    }
  });
});

describe('Group, Program and ProgramMembership search', () => {
  it('Group: identifier, name, type, member, active, _lastUpdated, _sort', async () => {
    expect(values(await search('/Group?identifier=HH-2'))).toEqual(['HH-2']);
    expect(values(await search('/Group?name=REY'))).toEqual(['HH-2']);
    expect(values(await search('/Group?type=household'))).toEqual(['HH-1']);
    expect(values(await search(`/Group?member=${enc(`Individual/${NID}|PH-1`)}`))).toEqual(['HH-1']);
    expect(values(await search(`/Group?member=${enc(`Individual/${NID}|PH-6`)}`))).toEqual([]);
    expect(values(await search('/Group?active=false'))).toEqual(['HH-2']);
    expect((await search('/Group?_lastUpdated=2026-01-15')).body.total).toBe(2);
    expect(values(await search('/Group?_sort=-name'))).toEqual(['HH-1', 'HH-2']);
    expect(values(await search('/Group?_sort=_lastUpdated'))).toEqual(['HH-1', 'HH-2']);
  });

  it('Program: identifier, name, status active|ended, targetType, _lastUpdated; no X-Consent-Status', async () => {
    expect(values(await search(`/Program?identifier=${enc('urn:openspp:program|4Ps')}`))).toEqual(['4Ps']);
    expect(values(await search('/Program?name=social'))).toEqual(['SAP-2020', 'SOCPEN']);
    expect(values(await search('/Program?status=active'))).toEqual(['4Ps', 'SOCPEN']);
    expect(values(await search('/Program?status=ended'))).toEqual(['OLD', 'SAP-2020']);
    expect(values(await search('/Program?targetType=individual'))).toEqual(['OLD', 'SOCPEN']);
    const r = await search('/Program?_lastUpdated=ge2026-01-01&_sort=-name');
    expect(values(r)).toEqual(['SOCPEN', 'SAP-2020', '4Ps', 'OLD']);
    expect(r.headers.get('x-consent-status')).toBeNull();
  });

  it('ProgramMembership: identifier, beneficiary, program, status, _lastUpdated, _sort (default _lastUpdated)', async () => {
    expect(values(await search('/ProgramMembership?identifier=M-3'))).toEqual(['M-3']);
    expect(values(await search(`/ProgramMembership?beneficiary=${enc('Group/urn:openspp:group|HH-1')}`))).toEqual(['M-1', 'M-4']);
    expect(values(await search(`/ProgramMembership?beneficiary=${enc(`Individual/${NID}|PH-5`)}`))).toEqual(['M-3']);
    expect(values(await search(`/ProgramMembership?program=${enc('Program/urn:openspp:program|4Ps')}`))).toEqual(['M-1', 'M-2']);
    expect(values(await search('/ProgramMembership?status=exited'))).toEqual(['M-4']);
    expect((await search('/ProgramMembership?_lastUpdated=2026-02-20')).body.total).toBe(4);
    expect(values(await search('/ProgramMembership?_sort=-enrollmentDate'))).toEqual(['M-1', 'M-3', 'M-2', 'M-4']);
    expect(values(await search(`/ProgramMembership?program=${enc('Program/urn:openspp:program|NOPE')}`))).toEqual([]);
  });
});

describe('keyset paging', () => {
  let big: RegistryHarness;
  beforeAll(async () => {
    big = makeRegistry();
    const families = ['Santos', 'Reyes', 'Cruz', 'Garcia', 'Go'];
    for (let i = 0; i < 47; i++) {
      const r = await big.call(
        'dswd',
        'POST',
        '/Individual',
        person(`P-${String(i).padStart(2, '0')}`, families[i % 5]!, i % 3 === 0 ? 'Ana' : 'Jose', { birthDate: `19${50 + (i % 7)}-01-01` }),
      );
      expect(r.status).toBe(201);
    }
  });

  async function walk(first: string, relation: 'next' | 'previous', from = big) {
    const pages: any[] = [];
    let url: string | undefined = first;
    while (url) {
      const r = await from.call('dswd', 'GET', url);
      expect(r.status, r.text).toBe(200);
      pages.push(r.body);
      url = r.body.link.find((l: any) => l.relation === relation)?.url;
      expect(pages.length).toBeLessThan(20);
    }
    return pages;
  }

  for (const sort of ['name', '-name', 'birthdate', '-birthdate', '_lastUpdated']) {
    it(`follows next links to the end and previous links back (_sort=${sort})`, async () => {
      const all = (await big.call('dswd', 'GET', `/Individual?_count=100&_sort=${sort}`)).body.entry.map((e: any) => e.fullUrl);
      expect(all).toHaveLength(47);
      const forward = await walk(`/Individual?_count=10&_sort=${sort}`, 'next');
      expect(forward.map((p) => p.entry.length)).toEqual([10, 10, 10, 10, 7]);
      expect(forward.every((p) => p.total === 47)).toBe(true);
      expect(forward.flatMap((p) => p.entry.map((e: any) => e.fullUrl))).toEqual(all);
      expect(forward[0].link.map((l: any) => l.relation)).toEqual(['self', 'next']);
      expect(forward[4].link.map((l: any) => l.relation)).toEqual(['self', 'previous']);
      const lastPrevious = forward[4].link.find((l: any) => l.relation === 'previous').url;
      const backward = await walk(lastPrevious, 'previous');
      expect(backward.map((p) => p.entry.map((e: any) => e.fullUrl))).toEqual(
        forward
          .slice(0, 4)
          .reverse()
          .map((p) => p.entry.map((e: any) => e.fullUrl)),
      );
      expect(backward[3].link.map((l: any) => l.relation)).toEqual(['self', 'next']);
    });
  }

  it('pages a filtered search with exact totals; the links pass the contract (validated responses)', async () => {
    const pages = await walk('/Individual?name=an&_count=4', 'next');
    const total = pages[0].total;
    // Santos (every fifth person) or Ana (every third), counted once.
    expect(total).toBe(10 + 16 - 4);
    expect(pages.flatMap((p) => p.entry).length).toBe(total);
    expect(pages[0].link[0].url).toBe('/api/v2/spp/Individual?name=an&_count=4&_sort=name');
    expect(big.violations).toEqual([]);
  });

  it('a cursor used with other parameters, or tampered with, is 400 MALFORMED_REQUEST', async () => {
    const first = await big.call('dswd', 'GET', '/Individual?_count=5&name=santos');
    const next = new URL(first.body.link.find((l: any) => l.relation === 'next').url, 'http://x');
    const cursor = next.searchParams.get('_cursor')!;
    for (const path of [
      `/Individual?_count=5&name=reyes&_cursor=${cursor}`,
      `/Individual?_count=6&name=santos&_cursor=${cursor}`,
      `/Individual?_count=5&name=santos&_cursor=${cursor.slice(0, -3)}AAA`,
    ]) {
      const r = await big.call('dswd', 'GET', path);
      expect([r.status, code(r), r.body.issue[0].expression], path).toEqual([400, 'MALFORMED_REQUEST', ['_cursor']]);
    }
    expect((await big.call('dswd', 'GET', `${next.pathname}${next.search}`)).status).toBe(200);
  });
});

describe('query plans (EXPLAIN QUERY PLAN of every statement a search runs)', () => {
  it('name contains, identifier lookups and deep keyset pages use indexes, never a full scan', async () => {
    const runs: Array<{ sql: string; args: unknown[] }> = [];
    const r = makeRegistry(recordingDb(':memory:', (sql, args) => void (sql.startsWith('EXPLAIN') || runs.push({ sql, args }))));
    for (let i = 0; i < 30; i++)
      await r.call('dswd', 'POST', '/Individual', person(`Q-${i}`, i % 2 ? 'Santos' : 'Reyes', 'Ana', { birthDate: `19${60 + i}-01-01` }));
    const check = async (path: string, pages = 3) => {
      runs.length = 0;
      let url: string | undefined = path;
      for (let p = 0; p < pages && url; p++) {
        const res = await r.call('dswd', 'GET', url);
        expect(res.status).toBe(200);
        url = res.body.link.find((l: any) => l.relation === 'next')?.url;
      }
      const statements = runs.filter((x) => / FROM (individuals|identifiers) /.test(x.sql) && !/^SELECT count\(\*\) FROM individuals r WHERE 1$/.test(x.sql));
      expect(statements.length).toBeGreaterThan(0);
      for (const { sql, args } of statements) expect(fullScans(planOf(r.db, sql, args), sql), sql).toEqual([]);
    };
    await check('/Individual?name=santos&_count=4');
    await check('/Individual?name=an&_count=4');
    await check(`/Individual?identifier=${enc(`${NID}|Q-3`)}`);
    await check('/Individual?identifier=Q-3');
    await check('/Individual?_count=4');
    await check('/Individual?_count=4&_sort=-birthdate');
    await check('/Individual?_count=4&_sort=_lastUpdated');
    await check('/Individual?birthdate=ge1970-01-01&birthdate=lt1980-01-01&_sort=birthdate&_count=3');
    runs.length = 0;
    expect((await r.call('dswd', 'GET', `/Individual/${NID}|Q-3`)).status).toBe(200);
    for (const { sql, args } of runs) expect(fullScans(planOf(r.db, sql, args), sql), sql).toEqual([]);
  });
});

describe('dense text matches: probing the sort order within a budget, else listing the matches', () => {
  let r: RegistryHarness;
  const runs: string[] = [];
  beforeAll(async () => {
    r = makeRegistry(recordingDb(':memory:', (sql) => void runs.push(sql)));
    // 420 people who sort first, then 10 Zunigas at the very end of the name order, and "Ana" on every third.
    for (let i = 0; i < 430; i++) {
      const family = i < 420 ? `Abad${String.fromCharCode(97 + (i % 26))}` : 'Zuniga';
      const res = await r.call('dswd', 'POST', '/Individual', person(`D-${String(i).padStart(3, '0')}`, family, i % 3 === 0 ? 'Ana' : 'Jose'));
      expect(res.status).toBe(201);
    }
  });

  async function pages(path: string) {
    const out: any[] = [];
    let url: string | undefined = path;
    while (url) {
      const res = await r.call('dswd', 'GET', url);
      expect(res.status, res.text).toBe(200);
      out.push(res.body);
      url = res.body.link.find((l: any) => l.relation === 'next')?.url;
    }
    return out;
  }

  it('spread matches: the page comes from the probe walk, with the exact total', async () => {
    runs.length = 0;
    const [first] = await pages('/Individual?name=ana&_count=5').then((p) => p.slice(0, 1));
    expect(first.total).toBe(144);
    expect(first.entry.map((e: any) => String(e.resource.name.given))).toEqual(['Ana', 'Ana', 'Ana', 'Ana', 'Ana']);
    expect(runs.some((s) => s.includes(' AS hit '))).toBe(true);
    expect(runs.some((s) => s.includes('+r.id IN'))).toBe(false);
  });

  it('matches clustered beyond the budget: falls back to listing them, same pages and links', async () => {
    runs.length = 0;
    const all = await pages('/Individual?name=zuni&_count=4');
    expect(all.map((p) => p.entry.length)).toEqual([4, 4, 2]);
    expect(all.every((p) => p.total === 10)).toBe(true);
    const walked = all.flatMap((p) => p.entry.map((e: any) => e.resource.identifier[0].value));
    // Name order: the Zunigas called Ana, then those called Jose; ties by record.
    expect(walked).toEqual(['D-420', 'D-423', 'D-426', 'D-429', 'D-421', 'D-422', 'D-424', 'D-425', 'D-427', 'D-428']);
    expect(runs.some((s) => s.includes(' AS hit '))).toBe(true);
    expect(runs.some((s) => s.includes('+r.id IN'))).toBe(true);
    expect(r.violations).toEqual([]);
  });
});
