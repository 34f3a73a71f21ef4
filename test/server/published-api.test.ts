/**
 * The whole published API V2 (issue 14), against the reference server with its demo registry: offset paging,
 * multi-key sort, `_elements` with `identifier` and dotted names, extensions, Group `type`, enrolment without an
 * identifier, the published membership statuses, PATCH of a group member, the consent endpoints with their
 * access log, and X-Consent-Scope. Every answer is also checked against the contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedContract } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { DEMO_CONSENTED_INDIVIDUAL, DEMO_UNCONSENTED_INDIVIDUAL } from '../../src/server/registry/demo.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

let server: RunningServer;
const tokens: Record<string, string> = {};
const clients = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function call(role: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  const match = publishedContract.match(method, new URL(`${server.baseUrl}${path}`).pathname);
  if (match && 'op' in match) {
    const issues = publishedContract.validator.validateResponse(match.op, {
      status: res.status,
      headers: res.headers,
      contentType: res.headers.get('content-type'),
      body: parsed,
    });
    expect(issues, `${method} ${path} → ${res.status}`).toEqual([]);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
const get = (role: string, path: string) => call(role, 'GET', path);
const ids = (r: Reply) => r.body.entry.map((e: any) => `${e.resource.identifier[0].value}`);
const link = (r: Reply, relation: string) => r.body.link.find((l: any) => l.relation === relation)?.url as string | undefined;
const rel = (url: string) => url.replace(publishedContract.basePath, '');

beforeAll(async () => {
  server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:', SPP_TOKEN_RATE_PER_MINUTE: '1000', SPP_API_RATE_PER_MINUTE: '100000' }));
  for (const role of ['full', 'reader', 'consent']) {
    const c = clients[role]!;
    const r = await fetch(`${server.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
    });
    tokens[role] = ((await r.json()) as { access_token: string }).access_token;
  }
});
afterAll(() => server.close());

describe('1. offset paging', () => {
  it('_offset with _count pages through every match without gaps or duplicates, with offset links and the same total', async () => {
    const all = await get('full', '/Individual?_count=100');
    const expected = ids(all);
    const seen: string[] = [];
    let url: string | undefined = '/Individual?_count=7&_offset=0';
    let pages = 0;
    while (url && pages++ < 20) {
      const page = await get('full', url);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(all.body.total);
      seen.push(...ids(page));
      url = link(page, 'next') && rel(link(page, 'next')!);
      if (url) expect(url).toMatch(/_offset=\d+/);
    }
    expect(seen).toEqual(expected);
    const third = await get('full', '/Individual?_count=7&_offset=14');
    expect(ids(third)).toEqual(expected.slice(14, 21));
    expect(rel(link(third, 'previous')!)).toContain('_offset=7');
  });

  it('an offset past the end is an empty page; _cursor with _offset is a 400', async () => {
    const r = await get('full', '/Individual?_offset=100000');
    expect([r.status, r.body.entry, link(r, 'next')]).toEqual([200, [], undefined]);
    const first = await get('full', '/Individual?_count=5');
    const cursor = new URL(link(first, 'next')!, 'http://x').searchParams.get('_cursor')!;
    const both = await get('full', `/Individual?_count=5&_offset=5&_cursor=${cursor}`);
    expect([both.status, both.body.issue[0].details.coding[0].code]).toEqual([400, 'MALFORMED_REQUEST']);
  });
});

describe('2. multi-key sort', () => {
  it('_sort=name,-birthDate orders by name, then by birth date descending; cursor pages keep that order both ways', async () => {
    const all = await get('full', '/Individual?_count=100&_sort=name,-birthDate&_elements=name,birthDate');
    const rows = all.body.entry.map((e: any) => [`${e.resource.name.family}|${e.resource.name.given ?? ''}`.toLowerCase(), e.resource.birthDate ?? '']);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] >= b[1]), `${a} before ${b}`).toBe(true);
    }
    const seen: string[] = [];
    let page = await get('full', '/Individual?_count=6&_sort=name,-birthDate');
    seen.push(...ids(page));
    while (link(page, 'next')) {
      page = await get('full', rel(link(page, 'next')!));
      seen.push(...ids(page));
    }
    expect(seen).toEqual(ids(all));
    const back = await get('full', rel(link(page, 'previous')!));
    expect(ids(back)).toEqual(seen.slice(seen.length - ids(page).length - 6, seen.length - ids(page).length));
    expect((await get('full', '/Individual?_sort=name,-birthdate')).status).toBe(200);
  });
});

describe('3. _elements', () => {
  it('lists identifier and dotted names', async () => {
    const r = await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}?_elements=identifier,name.family,birthDate`);
    expect(Object.keys(r.body).sort()).toEqual(['birthDate', 'identifier', 'meta', 'name', 'resourceType']);
    expect(Object.keys(r.body.name)).toEqual(['family']);
    const s = await get('full', '/Individual?_elements=identifier,name,birthDate&_count=2');
    expect(Object.keys(s.body.entry[0].resource).sort()).toEqual(
      ['birthDate', 'identifier', 'meta', 'name', 'resourceType'].filter((k) => k in s.body.entry[0].resource),
    );
  });
});

describe('4. extension fields', () => {
  it('are returned only when asked for, by name or *, and unknown names are ignored', async () => {
    const path = `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`;
    expect((await get('full', path)).body.extension).toBeUndefined();
    const farmer = await get('full', `${path}?_extensions=farmer,disability,no-such-extension`);
    expect(farmer.body.extension.farmer).toMatchObject({ url: 'urn:openspp:extension:farmer', farmSizeUnit: 'hectares' });
    expect((await get('full', `${path}?_extensions=*`)).body.extension).toEqual(farmer.body.extension);
    expect((await get('full', `${path}?_extensions=no-such-extension`)).body.extension).toBeUndefined();
    const search = await get('full', '/Individual?_extensions=disability&_count=100');
    const withDisability = search.body.entry.filter((e: any) => e.resource.extension?.disability);
    expect(withDisability.length).toBeGreaterThan(0);
    expect(search.body.entry.some((e: any) => e.resource.extension?.farmer)).toBe(false);
    expect((await get('full', '/Group?_extensions=*&_count=100')).body.entry.some((e: any) => e.resource.extension?.farmer)).toBe(true);
  });

  it('are written with the record and checked against their own schema', async () => {
    const person = {
      resourceType: 'Individual',
      identifier: [{ system: 'urn:test:ext', value: 'E-1' }],
      name: { family: 'Extension' },
      extension: { farmer: { url: 'urn:openspp:extension:farmer', farmSize: 2.5, farmSizeUnit: 'hectares' } },
    };
    expect((await call('full', 'POST', '/Individual', person)).status).toBe(201);
    expect((await get('full', '/Individual/urn:test:ext|E-1?_extensions=farmer')).body.extension.farmer.farmSize).toBe(2.5);
    const bad = await call('full', 'POST', '/Individual', {
      ...person,
      identifier: [{ system: 'urn:test:ext', value: 'E-2' }],
      extension: { farmer: { url: 'urn:openspp:extension:farmer', farmSize: 'big' } },
    });
    expect([bad.status, bad.body.issue[0].expression]).toEqual([422, ['extension.farmer.farmSize']]);
  });

  it('are listed in /metadata with the resources they apply to', async () => {
    const meta = (await (await fetch(`${server.baseUrl}/metadata`)).json()) as {
      extension: Array<{ name: string; url: string; appliesTo: string[]; fields: string[] }>;
    };
    expect(meta.extension.map((e) => e.name).sort()).toEqual(['disability', 'farmer']);
    expect(meta.extension.find((e) => e.name === 'farmer')).toMatchObject({ url: 'urn:openspp:extension:farmer', appliesTo: ['Individual', 'Group'] });
  });
});

describe('5-7. the published model', () => {
  it('Group type is the household type: search by type, create with type', async () => {
    const r = await get('full', '/Group?type=household&_count=100');
    expect(r.status).toBe(200);
    expect(r.body.total).toBeGreaterThan(0);
    expect(r.body.entry.every((e: any) => e.resource.type === 'household')).toBe(true);
    const g = await call('full', 'POST', '/Group', {
      resourceType: 'Group',
      identifier: [{ system: 'urn:test:g', value: 'G-1' }],
      type: 'household',
      name: 'Type household',
    });
    expect([g.status, g.body.type]).toEqual([201, 'household']);
  });

  it('enrolment without an identifier gets one, and published statuses search as the docs do', async () => {
    const body = {
      resourceType: 'ProgramMembership',
      program: { reference: 'Program/urn:openspp:program|SOCPEN' },
      beneficiary: { reference: `Individual/${DEMO_UNCONSENTED_INDIVIDUAL}` },
      status: 'active',
    };
    const programs = await get('full', '/Program?_count=100');
    const individualProgram = programs.body.entry.find((e: any) => e.resource.targetType === 'individual').resource.identifier[0];
    body.program.reference = `Program/${individualProgram.system}|${individualProgram.value}`;
    const r = await call('full', 'POST', '/ProgramMembership', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.identifier[0].system).toBe('urn:openspp:program-membership');
    expect(r.headers.get('location')).toContain('urn:openspp:program-membership%7C');
    const active = await get('full', '/ProgramMembership?status=active&_count=100');
    expect(active.body.entry.every((e: any) => e.resource.status === 'active')).toBe(true);
    expect(active.body.total).toBeGreaterThan(0);
  });
});

describe('8. PATCH a group member', () => {
  it('changes one member and the Group version; 404 for a non-member; If-Match guards it', async () => {
    const groups = await get('full', '/Group?_count=1');
    const group = groups.body.entry[0].resource;
    const gid = `${group.identifier[0].system}|${group.identifier[0].value}`;
    const member = group.member[0].entity.reference.replace('Individual/', '');
    const path = `/Group/${gid}/member/${member}`;
    const r = await call(
      'full',
      'PATCH',
      path,
      { role: { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'other' }] }, period: { start: '2020-01-01', end: '2020-12-31' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const patched = r.body.member.find((m: any) => m.entity.reference === `Individual/${member}`);
    expect(patched).toMatchObject({ role: { coding: [{ code: 'other', display: 'Other' }] }, period: { start: '2020-01-01', end: '2020-12-31' } });
    expect(Number(r.body.meta.versionId)).toBe(Number(group.meta.versionId) + 1);
    expect(r.body.quantity).toBe(group.quantity - 1);
    const stale = await call('full', 'PATCH', path, { inactive: true }, { 'if-match': `"${group.meta.versionId}"` });
    expect([stale.status, stale.body.issue[0].details.coding[0].code]).toEqual([409, 'VERSION_CONFLICT']);
    const removeRole = await call('full', 'PATCH', path, { role: null });
    expect(removeRole.body.member.find((m: any) => m.entity.reference === `Individual/${member}`).role).toBeUndefined();
    const stranger = await call('full', 'PATCH', `/Group/${gid}/member/urn:nobody:x|1`, { inactive: true });
    expect([stranger.status, stranger.body.issue[0].details.coding[0].code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    expect((await call('reader', 'PATCH', path, { inactive: true })).status).toBe(403);
  });
});

describe('9-10. consents, the access log and X-Consent-Scope', () => {
  let held: string;
  let other: string;
  beforeAll(() => {
    const rows = server.db
      .prepare('SELECT c.consent_id, o.code FROM consents c JOIN organizations o ON o.id = c.organization_id ORDER BY c.id')
      .all() as Array<{ consent_id: string; code: string }>;
    held = rows.find((r) => r.code === 'ministry-of-agriculture')!.consent_id;
    other = rows.find((r) => r.code !== 'ministry-of-agriculture')?.consent_id ?? '00000000-0000-4000-8000-000000000001';
  });

  it('a consent-bound read carries X-Consent-Status and X-Consent-Scope', async () => {
    const r = await get('consent', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`);
    expect([r.status, r.headers.get('x-consent-status'), r.headers.get('x-consent-scope')]).toEqual([200, 'active', 'individual']);
    const full = await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`);
    expect([full.headers.get('x-consent-status'), full.headers.get('x-consent-scope')]).toEqual(['legal_basis', null]);
  });

  it('GET /Consent/{id}: the grantee sees its consent; an id it does not hold, existing or not, is the same 404', async () => {
    const r = await get('consent', `/Consent/${held}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ consent_id: held, grantee: 'Ministry of Agriculture (demo)', legal_basis: null });
    const notHeld = await get('consent', `/Consent/${other}`);
    const missing = await get('consent', '/Consent/00000000-0000-4000-8000-00000000abcd');
    expect([notHeld.status, missing.status]).toEqual([404, 404]);
    expect(JSON.stringify(notHeld.body)).toBe(JSON.stringify(missing.body));
    expect((await get('full', `/Consent/${held}`)).status).toBe(404);
  });

  it('receipt and history', async () => {
    const receipt = await get('consent', `/Consent/${held}/$receipt`);
    expect(receipt.body).toMatchObject({ consent_id: held, version: '1.0', data_subject: { identifier: expect.stringMatching(/^(Individual|Group)\//) } });
    const history = await get('consent', `/Consent/${held}/$history`);
    expect(history.body.history[0]).toMatchObject({ version: 1, action: 'created', changed_by: 'system' });
  });

  it('$access-summary counts the reads of the subject by the grantee organization', async () => {
    const consent = await get('consent', `/Consent/${held}/$receipt`);
    const subject = consent.body.data_subject.identifier as string;
    const before = await get('consent', `/Consent/${held}/$access-summary`);
    if (subject.startsWith('Individual/')) {
      for (let i = 0; i < 3; i++) expect((await get('consent', `/${subject}`)).status).toBe(200);
    }
    const after = await get('consent', `/Consent/${held}/$access-summary`);
    expect(after.body.total_accesses - before.body.total_accesses).toBe(subject.startsWith('Individual/') ? 3 : 0);
    expect(after.body.by_action.read - before.body.by_action.read).toBe(subject.startsWith('Individual/') ? 3 : 0);
    const future = await get('consent', `/Consent/${held}/$access-summary?date_from=2999-01-01`);
    expect(future.body.total_accesses).toBe(0);
  });

  it('revoking (POST $revoke or DELETE) is immediate: the reads it allowed are refused from then on; a second revoke is 404', async () => {
    const consent = await get('consent', `/Consent/${held}/$receipt`);
    const subject = consent.body.data_subject.identifier as string;
    expect((await get('consent', `/${subject}`)).status).toBe(200);
    const r = await call('consent', 'POST', `/Consent/${held}/$revoke`, { reason: 'Moved away' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      type: 'Consent',
      consent_id: held,
      status: 'revoked',
      revokedBy: { reference: 'Client/demo-consent' },
      revocationReason: 'Moved away',
    });
    expect((await get('consent', `/Consent/${held}`)).body.status).toBe('withdrawn');
    expect((await get('consent', `/Consent/${held}/$history`)).body.history.at(-1)).toMatchObject({
      action: 'withdrawn',
      changed_by: 'Client/demo-consent',
      reason: 'Moved away',
    });
    const again = await call('consent', 'DELETE', `/Consent/${held}?reason=again`);
    expect(again.status).toBe(404);
    expect((await get('consent', `/${subject}`)).status).toBe(403);
    expect((await call('reader', 'POST', `/Consent/${held}/$revoke`, {})).status).toBe(403);
  });
});
