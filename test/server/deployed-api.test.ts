/**
 * The deployed dialect (`spp-kit serve --dialect deployed`) as a client of the `spp_api_v2` module uses it, one
 * behaviour per test, each from the implementation note (../shared/notes/openspp-api-v2-implementation.md, §
 * given in the test name). Every answer is also checked against the deployed contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { deployedContract } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { DEMO_CONSENTED_INDIVIDUAL, DEMO_UNCONSENTED_INDIVIDUAL } from '../../src/server/registry/demo.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

/** A client's scopes as the module grants them: those of the deployed contract's catalogue (no consent:*), sorted. */
const moduleScopes = (scopes: string[]) => scopes.filter((s) => deployedContract.scopes.has(s)).sort();

let server: RunningServer;
const tokens: Record<string, string> = {};
const clients = Object.fromEntries(readDemoFixture().clients.map((c) => [c.role, c]));
const NID = 'urn:gov:ph:psa:national-id';
const HH = 'urn:openspp:group';

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A request, its answer checked against the deployed contract. */
async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const res = await fetch(`${server.baseUrl}${path}`, { method, ...init });
  const text = await res.text();
  const parsed = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  const match = deployedContract.match(method, new URL(`${server.baseUrl}${path}`).pathname);
  if (match && 'op' in match) {
    const issues = deployedContract.validator.validateResponse(match.op, {
      status: res.status,
      headers: res.headers,
      contentType: res.headers.get('content-type'),
      body: parsed,
    });
    expect(issues, `${method} ${path} → ${res.status} ${text.slice(0, 300)}`).toEqual([]);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

function call(role: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(method, path, {
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
const get = (role: string, path: string) => call(role, 'GET', path);
const values = (r: Reply) => r.body.data.map((d: any) => d.identifier[0].value as string);
const rel = (url: string) => url.replace(deployedContract.basePath, '');

async function token(role: string): Promise<string> {
  const c = clients[role]!;
  const r = await send('POST', '/oauth/token', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
  });
  return r.body.access_token as string;
}

beforeAll(async () => {
  server = await startReferenceServer(
    loadConfig({
      SPP_DIALECT: 'deployed',
      PORT: '0',
      SPP_DB: ':memory:',
      SPP_TOKEN_RATE_PER_MINUTE: '1000',
      SPP_TOKEN_RATE_PER_DAY: '100000',
      SPP_API_RATE_PER_MINUTE: '100000',
    }),
  );
  for (const role of ['full', 'reader', 'consent']) tokens[role] = await token(role);
});
afterAll(async () => server?.close());

describe('§1 the token endpoint', () => {
  const { clientId, clientSecret } = { clientId: 'demo-reader', clientSecret: '' };
  const reader = () => clients.reader!;

  it('JSON credentials: a Bearer token of 86400 s with every scope of the client the module knows, space-separated', async () => {
    const r = await send('POST', '/oauth/token', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: reader().clientId, client_secret: reader().clientSecret }),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    expect((r.body.scope as string).split(' ')).toEqual(moduleScopes(reader().scopes as string[]));
    // The demo reader also holds consent:read (a published-dialect scope): the module has no consent scopes.
    expect(reader().scopes).toContain('consent:read');
    expect(r.body.scope).not.toContain('consent:');
    void clientId;
    void clientSecret;
  });

  it('the JWT: HS256, typ JWT, iss openspp-api-v2, aud openspp, sub and client_id the client, a scopes list', async () => {
    const t = await token('reader');
    expect(decodeProtectedHeader(t)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(t);
    expect(claims).toMatchObject({ iss: 'openspp-api-v2', aud: 'openspp', sub: 'demo-reader', client_id: 'demo-reader' });
    expect(claims.scopes).toEqual(moduleScopes(reader().scopes as string[]));
    expect(claims.exp! - claims.iat!).toBe(86400);
  });

  it('form credentials and HTTP Basic alone (empty body) work too', async () => {
    const form = await send('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: reader().clientId, client_secret: reader().clientSecret }).toString(),
    });
    const basic = await send('POST', '/oauth/token', { headers: { authorization: `Basic ${btoa(`${reader().clientId}:${reader().clientSecret}`)}` } });
    expect([form.status, basic.status]).toEqual([200, 200]);
  });

  it('a scope field is ignored: the token carries every scope of the client the module knows', async () => {
    const r = await send('POST', '/oauth/token', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: reader().clientId, client_secret: reader().clientSecret, scope: 'individual:read' }),
    });
    expect((r.body.scope as string).split(' ').length).toBe(moduleScopes(reader().scopes as string[]).length);
  });

  it('another grant type: 400 {"detail"} naming client_credentials', async () => {
    const r = await send('POST', '/oauth/token', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', client_id: reader().clientId, client_secret: reader().clientSecret }),
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('client_credentials');
  });

  it('wrong secret, unknown client, inactive client: the same 401 "Invalid client credentials", no challenge', async () => {
    const answers = await Promise.all(
      [
        [reader().clientId, 'wrong'],
        ['nobody', 'x'],
        [clients.disabled!.clientId, clients.disabled!.clientSecret],
      ].map(([id, secret]) =>
        send('POST', '/oauth/token', {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
        }),
      ),
    );
    for (const r of answers) {
      expect([r.status, r.body.detail, r.headers.get('www-authenticate')]).toEqual([401, 'Invalid client credentials', null]);
    }
  });

  it('nothing to read credentials from: 400 "Unable to parse token request…"', async () => {
    const r = await send('POST', '/oauth/token', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/^Unable to parse token request/);
  });
});

describe('§2 bearer authentication', () => {
  it('no Authorization header: 401 "Missing Authorization header" with WWW-Authenticate: Bearer', async () => {
    const r = await send('GET', '/Individual');
    expect([r.status, r.body.detail, r.headers.get('www-authenticate')]).toEqual([401, 'Missing Authorization header', 'Bearer']);
  });

  it('a bare token without "Bearer " is accepted', async () => {
    const r = await send('GET', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`, { headers: { authorization: tokens.full! } });
    expect(r.status).toBe(200);
  });

  it('a tampered token: 401 "Invalid token", no challenge', async () => {
    const t = tokens.full!;
    const r = await send('GET', '/Individual', { headers: { authorization: `Bearer ${t.slice(0, -2)}${t.endsWith('A') ? 'BB' : 'AA'}` } });
    expect([r.status, r.body.detail, r.headers.get('www-authenticate')]).toEqual([401, 'Invalid token', null]);
  });
});

describe('§3 scopes', () => {
  it('Individual search needs individual:read (there is no individual:search here)', async () => {
    const op = deployedContract.operation('searchIndividuals');
    expect(op.security).toEqual([['individual:read'], ['individual:all']]);
  });

  it('a missing scope: 403 "Missing required scope \'…\'"', async () => {
    const r = await call('reader', 'POST', '/Individual', { identifier: [{ system: NID, value: 'PH-SCOPE-1' }] });
    expect(r.status).toBe(403);
    expect(r.body.detail).toBe("Missing required scope 'individual:create'. Request access from your administrator.");
  });

  it('consent endpoints need a token only', () => {
    expect(deployedContract.operation('readConsent').security).toEqual([[]]);
  });
});

describe('§4.6 searches', () => {
  it('the envelope: {data, meta: {total, count, offset}, links: {self}}, resources named by type', async () => {
    const r = await get('full', '/Individual?name=Santos&_count=2');
    expect(r.status).toBe(200);
    expect(r.body.meta).toMatchObject({ count: 2, offset: 0 });
    expect(r.body.meta.total).toBeGreaterThan(2);
    expect(r.body.data[0].type).toBe('Individual');
    expect(r.body.data[0].resourceType).toBeUndefined();
    expect(r.body.links.self).toBe('/api/v2/spp/Individual?name=Santos&_count=2&_offset=0');
  });

  it('next and prev links page by _offset; no next on the last page (key absent)', async () => {
    const first = await get('full', '/Individual?name=Santos&_count=2');
    const second = await get('full', rel(first.body.links.next));
    expect(second.body.meta.offset).toBe(2);
    expect(second.body.links.prev).toBe('/api/v2/spp/Individual?name=Santos&_count=2&_offset=0');
    const all = await get('full', `/Individual?name=Santos&_count=100`);
    expect('next' in all.body.links).toBe(false);
    expect([...values(first), ...values(second)]).toEqual(values(all).slice(0, 4));
  });

  it('_count out of range: 422 with a FastAPI list naming the parameter', async () => {
    const r = await get('full', '/Individual?_count=500');
    expect(r.status).toBe(422);
    expect(r.body.detail[0].loc).toEqual(['query', '_count']);
  });

  it('malformed filters: 400 {"detail"}; well-formed but unknown ones: an empty page', async () => {
    for (const q of ['identifier=PH-1', 'gender=2', 'group=HH-1', 'birthdate=yesterday']) expect((await get('full', `/Individual?${q}`)).status, q).toBe(400);
    expect((await get('full', '/Group?member=PH-1')).status).toBe(400);
    const empty = await get('full', `/Individual?gender=${encodeURIComponent('urn:other|2')}`);
    expect([empty.status, empty.body.meta.total]).toEqual([200, 0]);
  });

  it('unknown query parameters are ignored', async () => {
    const r = await get('full', '/Individual?name=Santos&foo=bar&_count=1');
    expect(r.status).toBe(200);
  });

  it('group=, membership-role= and _sort=-birthDate', async () => {
    const members = await get('full', `/Individual?group=${encodeURIComponent(`${HH}|HH-2024-001`)}`);
    expect(values(members).sort()).toEqual(['PH-123456789', 'PH-123456790', 'PH-123456791', 'PH-987654321']);
    const heads = await get('full', '/Individual?membership-role=head&_count=100');
    expect(heads.body.meta.total).toBeGreaterThan(0);
    expect(heads.body.meta.total).toBeLessThanOrEqual(10);
    const sorted = await get('full', '/Individual?_sort=-birthDate&_count=100');
    const dates = sorted.body.data.map((d: any) => d.birthDate ?? '').filter(Boolean);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('Group search by type and member; groups carry groupType', async () => {
    const r = await get('full', `/Group?member=${encodeURIComponent(`Individual/${NID}|PH-123456789`)}`);
    expect(values(r)).toEqual(['HH-2024-001']);
    expect(r.body.data[0].groupType).toBe('household');
    expect((await get('full', '/Group?type=organization')).body.meta.total).toBe(0);
  });

  it('Program search pages by _lastId; prev is null', async () => {
    const first = await get('full', '/Program?_count=2');
    expect(first.body.links.prev).toBeNull();
    expect(first.body.links.next).toMatch(/_lastId=2$/);
    const second = await get('full', rel(first.body.links.next));
    expect(second.body.data.length).toBe(1);
    expect(second.body.links.next).toBeNull();
    expect(first.body.data[0].programType.coding[0].code).toBeTruthy();
  });

  it('a consent-bound client sees only what valid consents cover', async () => {
    const r = await get('consent', '/Individual?_count=100');
    expect(values(r)).toContain('PH-123456789');
    expect(values(r)).not.toContain('PH-300000001');
  });
});

describe('§4.3 Individuals', () => {
  it('read: type, ETag as the quoted versionId, X-Consent-Status legal_basis for a public-task client', async () => {
    const r = await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`);
    expect(r.body.type).toBe('Individual');
    expect(r.headers.get('etag')).toBe(`"${r.body.meta.versionId}"`);
    expect(r.headers.get('x-consent-status')).toBe('legal_basis');
  });

  it('a consent-bound client: 403 "Access denied" alike for an unconsented and an unknown record', async () => {
    const unconsented = await get('consent', `/Individual/${DEMO_UNCONSENTED_INDIVIDUAL}`);
    const unknown = await get('consent', `/Individual/${NID}|PH-NOBODY`);
    expect([unconsented.status, unconsented.body]).toEqual([403, { detail: 'Access denied' }]);
    expect([unknown.status, unknown.body]).toEqual([403, { detail: 'Access denied' }]);
    const consented = await get('consent', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}`);
    expect([consented.headers.get('x-consent-status'), consented.headers.get('x-consent-scope')]).toEqual(['active', 'individual']);
  });

  it('a malformed identifier: 400', async () => {
    expect((await get('full', '/Individual/no-bar-here')).status).toBe(400);
  });

  it('_elements keeps type and identifier, takes dotted names and ignores unknown ones', async () => {
    const r = await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}?_elements=name.family,nonsense`);
    expect(Object.keys(r.body).sort()).toEqual(['identifier', 'meta', 'name', 'type']);
    expect(Object.keys(r.body.name)).toEqual(['family']);
  });

  it('create: 201, Location with the first identifier, source of the client; an identifier in use: 409', async () => {
    const body = { type: 'Individual', identifier: [{ system: NID, value: 'PH-DEP-1' }], name: { family: 'REYES', given: 'Ana' }, resourceType: 'ignored' };
    const r = await call('full', 'POST', '/Individual', body);
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v2/spp/Individual/${NID}|PH-DEP-1`);
    expect(r.body.meta.source).toBe('urn:openspp:api-client:demo-full');
    expect((await call('full', 'POST', '/Individual', body)).status).toBe(409);
  });

  it('create without identifier: 422 with the FastAPI list', async () => {
    const r = await call('full', 'POST', '/Individual', { name: { family: 'X' } });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]).toMatchObject({ loc: ['body', 'identifier'], type: 'missing' });
  });

  it('an unknown gender code: 422 {"detail": text}', async () => {
    const r = await call('full', 'POST', '/Individual', {
      identifier: [{ system: NID, value: 'PH-DEP-G' }],
      gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '7' }] },
    });
    expect(r.status).toBe(422);
    expect(typeof r.body.detail).toBe('string');
  });

  it('PUT writes the fields sent and keeps the others; identifiers never change', async () => {
    await call('full', 'POST', '/Individual', { identifier: [{ system: NID, value: 'PH-DEP-2' }], name: { family: 'CRUZ' }, birthDate: '1990-01-02' });
    const r = await call('full', 'PUT', `/Individual/${NID}|PH-DEP-2`, {
      identifier: [{ system: NID, value: 'PH-OTHER' }],
      name: { family: 'CRUZ', given: 'Lea' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ identifier: [{ value: 'PH-DEP-2' }], name: { family: 'CRUZ', given: 'Lea' }, birthDate: '1990-01-02', active: true });
  });

  it('PATCH merges, null clears; a stale If-Match: 409 and nothing written; a weak tag never matches', async () => {
    await call('full', 'POST', '/Individual', {
      identifier: [{ system: NID, value: 'PH-DEP-3' }],
      name: { family: 'LIM', given: 'Jo' },
      birthDate: '1980-05-05',
    });
    const before = await get('full', `/Individual/${NID}|PH-DEP-3`);
    const etag = before.headers.get('etag')!;
    const r = await call('full', 'PATCH', `/Individual/${NID}|PH-DEP-3`, { name: { given: 'Joanna' }, birthDate: null }, { 'If-Match': etag });
    expect(r.status).toBe(200);
    expect(r.body.name).toMatchObject({ family: 'LIM', given: 'Joanna' });
    expect(r.body.birthDate).toBeUndefined();
    expect(r.body.meta.versionId).not.toBe(before.body.meta.versionId);
    const stale = await call('full', 'PATCH', `/Individual/${NID}|PH-DEP-3`, { active: false }, { 'If-Match': etag });
    expect([stale.status, stale.body.detail]).toEqual([409, 'Version conflict. Resource was modified by another request.']);
    const weak = await call('full', 'PATCH', `/Individual/${NID}|PH-DEP-3`, { active: false }, { 'If-Match': `W/"${r.body.meta.versionId}"` });
    expect(weak.status).toBe(409);
    expect((await get('full', `/Individual/${NID}|PH-DEP-3`)).body.active).toBe(true);
  });

  it('GET /Individual/{id}/groups lists the memberships; status filters them', async () => {
    const r = await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}/groups`);
    expect(r.body).toMatchObject({ type: 'GroupMembershipList', total: 1 });
    expect(r.body.entry[0].resource).toMatchObject({ type: 'GroupMember', group: { reference: `Group/${HH}|HH-2024-001` }, status: 'active' });
    expect((await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}/groups?status=inactive`)).body.total).toBe(0);
    expect((await get('full', `/Individual/${DEMO_CONSENTED_INDIVIDUAL}/groups?status=maybe`)).status).toBe(422);
  });
});

describe('§4.4 Groups and their members', () => {
  const member = (v: string) => ({ reference: `Individual/${NID}|${v}` });

  beforeAll(async () => {
    for (const v of ['PH-DEP-M1', 'PH-DEP-M2', 'PH-DEP-M3'])
      await call('full', 'POST', '/Individual', { identifier: [{ system: NID, value: v }], name: { family: v } });
    const r = await call('full', 'POST', '/Group', {
      type: 'Group',
      identifier: [{ system: HH, value: 'HH-DEP-1' }],
      groupType: 'family',
      name: 'Dep family',
      member: [{ entity: member('PH-DEP-M1'), role: { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'head' }] } }],
    });
    expect(r.status).toBe(201);
  });

  it('create keeps groupType; a member naming nobody: 422', async () => {
    expect((await get('full', `/Group/${HH}|HH-DEP-1`)).body.groupType).toBe('family');
    const r = await call('full', 'POST', '/Group', { identifier: [{ system: HH, value: 'HH-DEP-X' }], name: 'X', member: [{ entity: member('PH-NOBODY') }] });
    expect(r.status).toBe(422);
  });

  it('$add-member: 201 with the membership; again: 409; an unknown person: 404', async () => {
    const r = await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$add-member`, { entity: member('PH-DEP-M2'), startDate: '2024-06-01' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ type: 'GroupMember', entity: member('PH-DEP-M2'), startDate: '2024-06-01', status: 'active' });
    expect((await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$add-member`, { entity: member('PH-DEP-M2') })).status).toBe(409);
    expect((await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$add-member`, { entity: member('PH-NOBODY') })).status).toBe(404);
  });

  it('PATCH member/{id} changes the role', async () => {
    const r = await call('full', 'PATCH', `/Group/${HH}|HH-DEP-1/member/${NID}|PH-DEP-M2`, {
      role: { coding: [{ system: 'urn:openspp:vocab:relationship', code: 'child' }] },
    });
    expect([r.status, r.body.role.coding[0].code]).toEqual([200, 'child']);
  });

  it('$remove-member ends the membership at once; membership-history shows added, role_changed, removed', async () => {
    await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$add-member`, { entity: member('PH-DEP-M3') });
    const r = await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$remove-member`, { entity: member('PH-DEP-M3'), reason: 'Moved out' });
    expect([r.status, r.body.status]).toEqual([200, 'inactive']);
    const group = await get('full', `/Group/${HH}|HH-DEP-1`);
    expect(group.body.member.map((m: any) => m.entity.reference)).not.toContain(member('PH-DEP-M3').reference);
    const history = await get('full', `/Group/${HH}|HH-DEP-1/membership-history`);
    const actions = history.body.data.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['added', 'role_changed', 'removed']));
    expect((await get('full', `/Group/${HH}|HH-DEP-1/membership-history?_since=soon`)).status).toBe(400);
  });

  it('$split moves members into a new group (201, Location); $merge moves them back and deactivates the source', async () => {
    const split = await call('full', 'POST', `/Group/${HH}|HH-DEP-1/$split`, {
      newGroupIdentifier: [{ system: HH, value: 'HH-DEP-2' }],
      membersToMove: [member('PH-DEP-M2')],
      newHead: member('PH-DEP-M2'),
    });
    expect(split.status).toBe(201);
    expect(split.headers.get('location')).toBe(`/api/v2/spp/Group/${HH}|HH-DEP-2`);
    const merge = await call('full', 'POST', '/Group/$merge', {
      sourceGroup: { reference: `Group/${HH}|HH-DEP-2` },
      targetGroup: { reference: `Group/${HH}|HH-DEP-1` },
    });
    expect(merge.status).toBe(200);
    expect(merge.body.member.map((m: any) => m.entity.reference)).toContain(member('PH-DEP-M2').reference);
    expect((await get('full', `/Group/${HH}|HH-DEP-2`)).body.active).toBe(false);
    const again = await call('full', 'POST', '/Group/$merge', {
      sourceGroup: { reference: `Group/${HH}|HH-DEP-2` },
      targetGroup: { reference: `Group/${HH}|HH-DEP-1` },
    });
    expect(again.status).toBe(409);
    const same = await call('full', 'POST', '/Group/$merge', {
      sourceGroup: { reference: `Group/${HH}|HH-DEP-1` },
      targetGroup: { reference: `Group/${HH}|HH-DEP-1` },
    });
    expect(same.status).toBe(400);
  });

  it('$split needs group:create and group:update', () => {
    expect(deployedContract.operation('splitGroup').security).toEqual([['group:create', 'group:update'], ['group:all']]);
  });

  it('PATCH a Group; a PUT without members keeps them', async () => {
    const p = await call('full', 'PATCH', `/Group/${HH}|HH-DEP-1`, { name: 'Dep family (renamed)' });
    expect([p.status, p.body.name]).toEqual([200, 'Dep family (renamed)']);
    const put = await call('full', 'PUT', `/Group/${HH}|HH-DEP-1`, { identifier: [{ system: HH, value: 'HH-DEP-1' }], name: 'Dep family' });
    expect(put.body.member.length).toBe(p.body.member.length);
  });
});

describe('§4.5 Programs and enrolments', () => {
  it('read a programme: programType, targetType, ETag', async () => {
    const r = await get('full', '/Program/urn:openspp:program|4Ps');
    expect(r.body).toMatchObject({ type: 'Program', targetType: 'group', active: true });
    expect(r.headers.get('etag')).toMatch(/^"\d+"$/);
  });

  it('an enrolment is read by its beneficiary; several programmes and none named: 409; ?program= picks one', async () => {
    const several = await get('full', `/ProgramMembership/${HH}|HH-2024-001`);
    expect(several.status).toBe(409);
    const one = await get('full', `/ProgramMembership/${HH}|HH-2024-001?program=${encodeURIComponent('Program/urn:openspp:program|4Ps')}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ type: 'ProgramMembership', identifier: [{ system: HH, value: 'HH-2024-001' }], status: 'enrolled' });
    expect((await get('full', `/ProgramMembership/${HH}|HH-2024-003?program=${encodeURIComponent('Program/urn:openspp:program|NOPE')}`)).status).toBe(404);
  });

  it("statuses in the module's words: suspended is paused, graduated exited; search by status", async () => {
    const paused = await get('full', '/ProgramMembership?status=paused');
    expect(paused.body.data.map((d: any) => d.beneficiary.reference)).toEqual([`Group/${HH}|HH-2024-006`]);
    expect(paused.body.links).toMatchObject({ next: null, prev: null });
  });

  it('enrol: 201 with Location by beneficiary and programme; again: 409; PUT changes the status', async () => {
    const body = {
      type: 'ProgramMembership',
      program: { reference: 'Program/urn:openspp:program|4Ps' },
      beneficiary: { reference: `Group/${HH}|HH-2024-003` },
      status: 'draft',
    };
    const r = await call('full', 'POST', '/ProgramMembership', body);
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/api/v2/spp/ProgramMembership/urn%3Aopenspp%3Agroup|HH-2024-003?program=Program/urn:openspp:program|4Ps');
    expect(r.body.status).toBe('draft');
    expect((await call('full', 'POST', '/ProgramMembership', body)).status).toBe(409);
    const put = await call('full', 'PUT', `/ProgramMembership/${HH}|HH-2024-003?program=${encodeURIComponent('Program/urn:openspp:program|4Ps')}`, {
      ...body,
      status: 'enrolled',
    });
    expect([put.status, put.body.status]).toEqual([200, 'enrolled']);
    const moved = await call('full', 'PUT', `/ProgramMembership/${HH}|HH-2024-003?program=${encodeURIComponent('Program/urn:openspp:program|4Ps')}`, {
      ...body,
      beneficiary: { reference: `Group/${HH}|HH-2024-005` },
    });
    expect(moved.status).toBe(422);
  });
});

describe('§5.4 consents', () => {
  let held = '';
  beforeAll(() => {
    held = server.db
      .prepare(
        "SELECT c.consent_id FROM consents c JOIN organizations o ON o.id = c.organization_id WHERE o.code = 'ministry-of-agriculture' AND c.status = 'given' ORDER BY c.id",
      )
      .pluck()
      .get() as string;
  });

  it("a consent the client may see: its status, scopes, the client's legal basis; another id: 200 not_found", async () => {
    const r = await get('consent', `/Consent/${held}`);
    expect(r.body).toMatchObject({ consent_id: held, status: 'given', legal_basis: 'consent' });
    const other = await get('consent', '/Consent/00000000-0000-4000-8000-00000000abcd');
    expect([other.status, other.body.status]).toEqual([200, 'not_found']);
  });

  it('receipt, history and access summary; $revoke withdraws once, then 404', async () => {
    expect((await get('consent', `/Consent/${held}/$receipt`)).status).toBe(200);
    expect((await get('consent', `/Consent/${held}/$history`)).status).toBe(200);
    expect((await get('consent', `/Consent/${held}/$access-summary`)).status).toBe(200);
    const revoked = await call('consent', 'POST', `/Consent/${held}/$revoke`, { reason: 'asked' });
    expect(revoked.body).toMatchObject({ status: 'withdrawn' });
    const again = await call('consent', 'POST', `/Consent/${held}/$revoke`, {});
    expect([again.status, again.body.detail]).toEqual([404, 'Active consent not found or not accessible']);
  });
});

describe('§4.8 bulk export and §4.10 filters', () => {
  it('items in request order with their status; 101 identifiers: 422', async () => {
    const r = await call('full', 'POST', '/$bulk/export', {
      type: 'Individual',
      identifiers: [DEMO_CONSENTED_INDIVIDUAL, `${NID}|PH-NOBODY`, 'no-bar'],
      _elements: 'name.family',
    });
    expect(r.body.items.map((i: any) => i.status)).toEqual(['success', 'not_found', 'error']);
    expect(Object.keys(r.body.items[0].resource).sort()).toEqual(['identifier', 'meta', 'name', 'type']);
    expect(r.body).toMatchObject({ total: 3, successful: 1, failed: 2 });
    const tooMany = await call('full', 'POST', '/$bulk/export', { type: 'Individual', identifiers: Array.from({ length: 101 }, (_, i) => `${NID}|X${i}`) });
    expect(tooMany.status).toBe(422);
  });

  it('a consent-bound client: unknown and unconsented are both access_denied', async () => {
    const r = await call('consent', 'POST', '/$bulk/export', { type: 'Individual', identifiers: [DEMO_UNCONSENTED_INDIVIDUAL, `${NID}|PH-NOBODY`] });
    expect(r.body.items.map((i: any) => i.status)).toEqual(['access_denied', 'access_denied']);
  });

  it('GET /Individual/_filters answers (it is not taken for an identifier); POST _search filters', async () => {
    const meta = await get('full', '/Individual/_filters');
    expect(meta.status).toBe(200);
    expect(meta.body.resource).toBe('Individual');
    const field = meta.body.filters.find((f: any) => f.allowed_operators.includes('eq') && f.filter_type === 'boolean') ?? meta.body.filters[0];
    const r = await call('full', 'POST', '/Individual/_search', { filters: [{ field: field.name, operator: 'eq', value: true }], pagination: { count: 5 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(r.body.entry.length).toBeLessThanOrEqual(5);
    const bad = await call('full', 'POST', '/Individual/_search', { filters: [{ field: 'no_such_field', operator: 'eq', value: 1 }] });
    expect(bad.status).toBe(422);
  });
});

describe('§4.9 $batch', () => {
  const individual = (v: string) => ({ type: 'Individual', identifier: [{ system: NID, value: v }], name: { family: v } });

  it('a transaction: placeholders resolve, status lines, nulls where the module has them', async () => {
    const r = await call('full', 'POST', '/$batch', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:head', request: { method: 'POST', url: 'Individual' }, resource: individual('PH-BATCH-1') },
        {
          fullUrl: 'urn:uuid:hh',
          request: { method: 'POST', url: 'Group' },
          resource: {
            type: 'Group',
            identifier: [{ system: HH, value: 'HH-BATCH-1' }],
            name: 'Batch household',
            member: [{ entity: { reference: 'urn:uuid:head' } }],
          },
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: 'transaction-response', total: null, link: null });
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
    expect(r.body.entry[1].resource.member[0].entity.reference).toBe(`Individual/${NID}|PH-BATCH-1`);
  });

  it('a failing transaction entry: 422 {"detail": OperationOutcome} naming it, nothing written', async () => {
    const r = await call('full', 'POST', '/$batch', {
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:a', request: { method: 'POST', url: 'Individual' }, resource: individual('PH-BATCH-2') },
        { request: { method: 'POST', url: 'Individual' }, resource: individual('PH-BATCH-2') },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.body.detail.resourceType).toBe('OperationOutcome');
    expect(r.body.detail.issue[0].diagnostics).toMatch(/^Transaction failed at entry 1 \(unknown\)/);
    expect((await get('full', `/Individual/${NID}|PH-BATCH-2`)).status).toBe(404);
  });

  it('a batch goes on past a failed entry; DELETE deactivates', async () => {
    const r = await call('full', 'POST', '/$batch', {
      type: 'batch',
      entry: [
        { request: { method: 'POST', url: 'Individual' }, resource: individual('PH-BATCH-3') },
        { request: { method: 'POST', url: 'Individual' }, resource: individual('PH-BATCH-3') },
        { request: { method: 'DELETE', url: `Individual/${NID}|PH-BATCH-3` } },
      ],
    });
    expect(r.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '409 Conflict', '204 No Content']);
    expect(r.body.entry[1].resource.resourceType).toBe('OperationOutcome');
    expect((await get('full', `/Individual/${NID}|PH-BATCH-3`)).body.active).toBe(false);
  });

  it('a Bundle of another type: 400; no entries: 400', async () => {
    expect((await call('full', 'POST', '/$batch', { type: 'searchset', entry: [] })).status).toBe(400);
    expect((await call('full', 'POST', '/$batch', { type: 'batch', entry: [] })).status).toBe(400);
  });
});

describe('§6 discovery', () => {
  it("/metadata: the module's keys, public", async () => {
    const r = await send('GET', '/metadata');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['authentication', 'docs', 'extensions', 'name', 'resources', 'version']);
    expect(r.body.docs).toBe('/api/v2/spp/docs');
    expect(r.body.resources.Individual.operations).toEqual(['read', 'search', 'create', 'update', 'patch']);
    expect(r.body.resources.Program.operations).toEqual(['read', 'search']);
  });

  it('X-API-Version 2.0.0 on answers; /openapi.json is the deployed contract', async () => {
    const r = await send('GET', '/openapi.json');
    expect(r.headers.get('x-api-version')).toBe('2.0.0');
    expect(r.body.info.title).toBe('OpenSPP API V2 (as deployed)');
  });
});
