/**
 * A second real client: OpenFn's OpenSPP adaptor (`@openfn/language-openspp`), replayed request by request against
 * the reference server in the deployed dialect. No adaptor code is in this repository; what was read, with the
 * search tools, and is reproduced here as requests:
 *
 * - `OpenFn/adaptors` packages/openspp/src/Utils.js and src/Adaptor.js at commit
 *   1a8f99198bb9ede5031dd24f63c10b503e432177: `request` sends `content-type: application/json` on every call, a
 *   Bearer token once `authorize` has one, `if-match` when given, the path under `/api/v2/spp`; `authorize` posts
 *   `{grant_type, client_id, client_secret}` as JSON to `/oauth/token` once per run; identifiers go into paths
 *   through `encodeURIComponent`; searches send `_count`, `_offset`, `_sort`, `_elements` (comma-joined) and read
 *   `meta.total` and `links.next`; `getGroupMembers` checks the group exists (`?_elements=identifier`) before
 *   searching `group=` + `membership-role=`; `addToGroup` posts `$add-member` with a role in
 *   `urn:openspp:vocab:group-membership-type` and, on a 409, PATCHes `member/{id}`; `enroll` / `unenroll` list a
 *   beneficiary's memberships (`beneficiary=`, `_count=100`) and then POST, or PUT by beneficiary with the
 *   membership's program, beneficiary, status and enrolment date.
 * - `OpenFn/adaptors` packages/common/src/util/http.js at commit 001301b4f69fc1af0e5768f77920edc92156844d (the
 *   `request` the adaptor calls): an undici `Client` per origin, `client.request({ path, query, method, headers,
 *   body })` with an object body `JSON.stringify`-ed — so the query string is undici's (node:querystring). The
 *   replay makes the same call on the same library (undici, a pinned dev dependency here).
 * - The later Adaptor.js (commit 02143b46b9d064048bf88ce85704efc94d24a9f4) is the same request for request, except
 *   that `addToGroup` takes a 409 for "already a member" only when `detail` matches `/already a member/i` — as the
 *   module words it (OpenSPP/OpenSPP2 spp_api_v2/routers/group.py @01d1be4: 409 only for an error whose text
 *   contains "already a member", that text as `detail`). The replay holds the server to that wording.
 *
 * Each step is one adaptor operation of a plausible job; every answer must be the status the adaptor expects and
 * validate against the deployed contract, and each step checks the fields the adaptor then reads. Not replayed:
 * `getServicePoint` / `searchServicePoint` (`/ServicePoint` belongs to another OpenSPP module, not to the
 * `spp_api_v2` API this server stands in for) and the free-form `request(...)`.
 */
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedContract } from '../../src/contract/contract.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
const NID = 'urn:gov:ph:psa:national-id';
const HH = 'urn:openspp:group';
/** The adaptor's `API_PATH`. */
const API_PATH = '/api/v2/spp';
/** The adaptor's role vocabulary (`toRole`). */
const ROLES = 'urn:openspp:vocab:group-membership-type';
/** The adaptor's `encodeIdentifier`. */
const encodeIdentifier = (identifier: string) => encodeURIComponent(identifier);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

let server: RunningServer;
let http: Client;
let accessToken: string | undefined;
const sent: Array<{ method: string; path: string; status: number }> = [];

/**
 * One call the adaptor's `request(configuration, method, path, { query, body, ifMatch })` makes, and its answer,
 * checked against the deployed contract.
 */
async function adaptorRequest(method: string, path: string, options: { query?: Record<string, string | number>; body?: unknown; ifMatch?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await http.request({
    path: `${API_PATH}${path}`,
    query: options.query ?? {},
    method: method as 'GET',
    headers,
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.body.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  const pathname = `${API_PATH}${path}`;
  sent.push({ method, path: pathname, status: response.statusCode });
  const match = deployedContract.match(method, pathname);
  expect(match && 'op' in match, `${method} ${pathname} is an operation of the deployed contract`).toBe(true);
  const op = (match as { op: Parameters<typeof deployedContract.validator.validateResponse>[0] }).op;
  const issues = deployedContract.validator.validateResponse(op, {
    status: response.statusCode,
    headers: new Headers(
      Object.entries(response.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]])),
    ),
    contentType: (response.headers['content-type'] as string | undefined) ?? null,
    body,
  });
  expect(issues, `${method} ${pathname} → ${response.statusCode}: ${text.slice(0, 300)}`).toEqual([]);
  return { status: response.statusCode, headers: response.headers, body } as Answer;
}

/** The adaptor's `buildQuery`: paging options as `_`-parameters, lists comma-joined, undefined left out. */
function buildQuery(
  query: Record<string, string> = {},
  options: { count?: number; offset?: number; sort?: string; lastId?: string; elements?: string[] } = {},
) {
  const params: Record<string, string | number | undefined> = {
    ...query,
    _count: options.count,
    _offset: options.offset,
    _sort: options.sort,
    _lastId: options.lastId,
    _elements: options.elements?.join(','),
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}

/** What the adaptor's `prepareSearchState` reads from a search answer. */
function page(answer: Answer): { data: any[]; total: number; next: string | null } {
  expect(Array.isArray(answer.body.data)).toBe(true);
  return { data: answer.body.data, total: answer.body.meta.total, next: answer.body.links.next ?? null };
}

beforeAll(async () => {
  server = await startReferenceServer(loadConfig({ SPP_DIALECT: 'deployed', PORT: '0', SPP_DB: ':memory:', SPP_LOG: 'off' }));
  // The adaptor's configuration.baseUrl is the origin; language-common keeps one undici Client per origin.
  http = new Client(new URL(server.baseUrl).origin);
});
afterAll(async () => {
  await http?.close();
  await server?.close();
});

describe('OpenFn language-openspp (Utils.js/Adaptor.js @1a8f991), replayed against spp-kit serve --dialect deployed', () => {
  it('authorize: JSON client credentials, once per run; the token is `access_token`', async () => {
    const r = await adaptorRequest('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: full.clientId, client_secret: full.clientSecret },
    });
    expect(r.status).toBe(200);
    expect(typeof r.body.access_token).toBe('string');
    accessToken = r.body.access_token as string;
  });

  it('getIndividual(id, { elements: ["identifier", "name"] })', async () => {
    const r = await adaptorRequest('GET', `/Individual/${encodeIdentifier(`${NID}|PH-123456789`)}`, {
      query: buildQuery({}, { elements: ['identifier', 'name'] }),
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['identifier', 'meta', 'name', 'type']);
  });

  it('searchIndividual({ name: "Santos" }, { count: 2, offset: 2, sort: "-birthDate" }): the page, total and next link', async () => {
    const r = await adaptorRequest('GET', '/Individual', { query: buildQuery({ name: 'Santos' }, { count: 2, offset: 2, sort: '-birthDate' }) });
    const { data, total, next } = page(r);
    expect(data).toHaveLength(2);
    expect(total).toBe(4);
    expect(next).toBeNull();
    expect(data.map((d) => d.birthDate)).toEqual(['1985-03-15', '1982-11-02']);
  });

  it('getGroupMembers(group, { role: "head" }): the group check, then group= and membership-role=', async () => {
    const group = `${HH}|HH-2024-001`;
    expect((await adaptorRequest('GET', `/Group/${encodeIdentifier(group)}`, { query: { _elements: 'identifier' } })).status).toBe(200);
    const r = await adaptorRequest('GET', '/Individual', { query: buildQuery({ group, 'membership-role': 'head' }) });
    expect(page(r).data.map((d) => d.identifier[0].value)).toEqual(['PH-123456789']);
  });

  it('createIndividual, then updateIndividual with the ETag of a read as if-match', async () => {
    const id = `${NID}|PH-OPENFN-1`;
    const created = await adaptorRequest('POST', '/Individual', {
      body: {
        identifier: [{ system: NID, value: 'PH-OPENFN-1' }],
        name: { family: 'Santos', given: 'Maria' },
        birthDate: '1985-03-15',
        gender: { coding: [{ system: 'urn:iso:std:iso:5218', code: '2' }] },
      },
    });
    expect(created.status).toBe(201);
    const read = await adaptorRequest('GET', `/Individual/${encodeIdentifier(id)}`);
    const patched = await adaptorRequest('PATCH', `/Individual/${encodeIdentifier(id)}`, {
      body: { birthDate: '1985-03-16' },
      ifMatch: read.headers.etag as string,
    });
    expect([patched.status, patched.body.birthDate, patched.body.name.given]).toEqual([200, '1985-03-16', 'Maria']);
  });

  it('createGroup and updateGroup (a merge patch of the name)', async () => {
    const created = await adaptorRequest('POST', '/Group', {
      body: { identifier: [{ system: HH, value: 'HH-OPENFN-1' }], name: 'Santos Household', groupType: 'household' },
    });
    expect([created.status, created.body.groupType]).toEqual([201, 'household']);
    const patched = await adaptorRequest('PATCH', `/Group/${encodeIdentifier(`${HH}|HH-OPENFN-1`)}`, { body: { name: 'Santos-Reyes Household' } });
    expect([patched.status, patched.body.name]).toEqual([200, 'Santos-Reyes Household']);
  });

  it('addToGroup as head; addToGroup again as spouse: the 409 the adaptor expects, then its PATCH of the member', async () => {
    const groupPath = `/Group/${encodeIdentifier(`${HH}|HH-OPENFN-1`)}`;
    const entity = { reference: `Individual/${NID}|PH-OPENFN-1` };
    const added = await adaptorRequest('POST', `${groupPath}/$add-member`, {
      body: { entity, role: { coding: [{ system: ROLES, code: 'head' }] }, startDate: '2026-01-05' },
    });
    expect([added.status, added.body.role.coding[0].code, added.body.startDate]).toEqual([201, 'head', '2026-01-05']);
    const again = await adaptorRequest('POST', `${groupPath}/$add-member`, { body: { entity, role: { coding: [{ system: ROLES, code: 'spouse' }] } } });
    expect(again.status).toBe(409);
    // The later adaptor's test of the 409 (see the module comment).
    expect(again.body.detail).toMatch(/already a member/i);
    const patched = await adaptorRequest('PATCH', `${groupPath}/member/${encodeIdentifier(`${NID}|PH-OPENFN-1`)}`, {
      body: { role: { coding: [{ system: ROLES, code: 'spouse' }] } },
    });
    expect([patched.status, patched.body.role.coding[0].code]).toEqual([200, 'spouse']);
  });

  it('removeFromGroup with a reason', async () => {
    const r = await adaptorRequest('POST', `/Group/${encodeIdentifier(`${HH}|HH-OPENFN-1`)}/$remove-member`, {
      body: { entity: { reference: `Individual/${NID}|PH-OPENFN-1` }, reason: 'Moved out' },
    });
    expect([r.status, r.body.status]).toEqual([200, 'inactive']);
  });

  it('getProgram, and getPrograms paging by the _lastId of links.next', async () => {
    expect((await adaptorRequest('GET', `/Program/${encodeIdentifier('urn:openspp:program|4Ps')}`, { query: buildQuery() })).body.type).toBe('Program');
    const first = page(await adaptorRequest('GET', '/Program', { query: buildQuery({}, { count: 1 }) }));
    expect(first.next).toMatch(/[?&]_lastId=[^&]+/);
    // The adaptor's documentation: pass as `lastId` the `_lastId` value in `state.response.page.next`.
    const lastId = new URL(first.next!, server.baseUrl).searchParams.get('_lastId')!;
    const second = page(await adaptorRequest('GET', '/Program', { query: buildQuery({}, { count: 1, lastId }) }));
    expect(second.data[0].identifier).not.toEqual(first.data[0].identifier);
  });

  it('getEnrolledPrograms(beneficiary): beneficiary=, status=enrolled, _count=100', async () => {
    const r = await adaptorRequest('GET', '/ProgramMembership', {
      query: buildQuery({ beneficiary: `Group/${HH}|HH-2024-001`, status: 'enrolled' }, { count: 100 }),
    });
    expect(page(r).data.map((m) => m.program.reference)).toEqual(['Program/urn:openspp:program|4Ps']);
  });

  it('enroll(Group HH-2024-003, 4Ps): no membership in 4Ps among its memberships, so a POST', async () => {
    const beneficiary = `Group/${HH}|HH-2024-003`;
    const found = page(await adaptorRequest('GET', '/ProgramMembership', { query: buildQuery({ beneficiary }, { count: 100 }) }));
    expect(found.data.find((m) => m.program?.reference === 'Program/urn:openspp:program|4Ps')).toBeUndefined();
    const r = await adaptorRequest('POST', '/ProgramMembership', {
      body: {
        program: { reference: 'Program/urn:openspp:program|4Ps' },
        beneficiary: { reference: beneficiary },
        status: 'enrolled',
        enrollmentDate: '2026-02-01',
      },
    });
    expect([r.status, r.body.status, r.body.enrollmentDate]).toEqual([201, 'enrolled', '2026-02-01']);
  });

  it('unenroll(Individual PH-300000001, SOCPEN): one membership, so a PUT by beneficiary; the answer names the same programme', async () => {
    const beneficiary = `Individual/${NID}|PH-300000001`;
    const found = page(await adaptorRequest('GET', '/ProgramMembership', { query: buildQuery({ beneficiary }, { count: 100 }) }));
    const membership = found.data.find((m) => m.program?.reference === 'Program/urn:openspp:program|SOCPEN');
    expect(membership.status).toBe('enrolled');
    // `isAmbiguous` in the adaptor: more than one membership, or another page.
    expect([found.data.length, found.next]).toEqual([1, null]);
    const r = await adaptorRequest('PUT', `/ProgramMembership/${encodeIdentifier(`${NID}|PH-300000001`)}`, {
      body: {
        program: { reference: membership.program.reference },
        beneficiary: { reference: membership.beneficiary.reference },
        status: 'exited',
        enrollmentDate: membership.enrollmentDate,
        exitDate: '2026-09-30',
      },
    });
    expect([r.status, r.body.status, r.body.program.reference]).toEqual([200, 'exited', 'Program/urn:openspp:program|SOCPEN']);
  });

  it('one token for the whole run, and no request refused for authentication', () => {
    expect(sent.filter((s) => s.path.endsWith('/oauth/token'))).toHaveLength(1);
    expect(sent.filter((s) => s.status === 401 || s.status === 403)).toEqual([]);
    expect(sent.length).toBe(22);
  });
});
