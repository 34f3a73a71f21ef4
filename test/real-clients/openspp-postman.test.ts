/**
 * A real client nobody on this project wrote: the Postman collection OpenSPP's developer guide ships
 * (`../shared/real-clients/openspp-docs.postman_collection.json`, used from there, never copied), run by newman
 * against the reference server in the deployed dialect — and, as a control, in the published dialect.
 *
 * Adapted as a user adapts it, and only there: the three variables (through a newman environment, the collection's
 * own mechanism) and the identifiers of four requests that name records the demo registry does not have, or one
 * that a request would clash with. Each adaptation, its reason, and the registry facts the reason rests on are
 * in the tables below and checked here; every other byte of the collection is sent as published.
 *
 * "Passes" means more than the collection's one `pm.test`: every request must get a 2xx its operation declares
 * for success in the deployed contract, and every answer must validate against that contract.
 *
 * The control: against the published dialect the same run must fail on exactly the requests the differences
 * between the two contracts explain — each one tied to a difference `dialectDifferences` computes from the two
 * documents — while the published server answers each of them as its own contract says. That is the evidence the
 * collection speaks the deployed dialect, and that the deployed server is not passing it by being lenient.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedContract, publishedContract, type Contract, type Dialect } from '../../src/contract/contract.js';
import type { OperationSpec } from '../../src/contract/operations.js';
import { dialectDifferences } from '../../src/docs/dialect-diff.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { demoRegistryFile } from '../../src/server/registry/demo.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';
import { runCollection, type Exchange, type RunResult } from './newman.js';

// Beside the repository, where the project keeps third-party files (or where SPP_REAL_CLIENTS_DIR says).
const REAL_CLIENTS_DIR = process.env.SPP_REAL_CLIENTS_DIR ?? fileURLToPath(new URL('../../../shared/real-clients/', import.meta.url));
const COLLECTION_FILE = join(REAL_CLIENTS_DIR, 'openspp-docs.postman_collection.json');
const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
const NID = 'urn:gov:ph:psa:national-id';
const HH = 'urn:openspp:group';

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: { method: string; url: { raw: string; path?: string[] }; body?: { raw?: string } };
}
interface Collection {
  variable: Array<{ key: string; value: string }>;
  item: PostmanItem[];
}

/** The collection's variables: what the collection ships → what this run uses → why. */
function variableAdaptations(server: RunningServer) {
  return [
    { key: 'base_url', shipped: 'http://localhost:8069/api/v2/spp', value: server.baseUrl, why: 'the reference server on a free port of 127.0.0.1' },
    {
      key: 'client_id',
      shipped: 'your-client-id',
      value: full.clientId,
      why: 'the demo client with every scope: the collection creates, patches, enrols, runs a transaction and exports',
    },
    { key: 'client_secret', shipped: 'your-client-secret', value: full.clientSecret, why: "that demo client's public secret" },
  ];
}

/**
 * Identifiers: request → identifier the collection names → what this run names → why. `check` states the registry
 * facts the reason rests on; the test below holds them against fixtures/demo-registry.json.
 */
const IDENTIFIER_ADAPTATIONS = [
  {
    request: 'Partial Update (PATCH)',
    shipped: 'PH-123',
    value: 'PH-123456789',
    why: 'no PH-123 in the demo registry; PH-123456789 is Maria Santos, whom "Read Individual" reads and whose given name the patch sets ("Maria Elena"); she is at her first version, which the request\'s own If-Match "1" names',
    check: { absent: [`${NID}|PH-123`], individuals: [`${NID}|PH-123456789`] },
  },
  {
    request: 'Create Group',
    shipped: 'PH-001',
    value: 'PH-120000001',
    why: 'no PH-001; Felicidad Ramos (PH-120000001) belongs to no household, so she can head the new one',
    check: { absent: [`${NID}|PH-001`], individuals: [`${NID}|PH-120000001`], inNoGroup: [`${NID}|PH-120000001`] },
  },
  {
    request: 'Add Member to Group',
    shipped: 'PH-789',
    value: 'PH-120000002',
    why: 'no PH-789; Alfredo Castillo (PH-120000002) belongs to no household, so HH-2024-001 can take him in',
    check: { absent: [`${NID}|PH-789`], individuals: [`${NID}|PH-120000002`], inNoGroup: [`${NID}|PH-120000002`] },
  },
  {
    request: 'Create Enrollment',
    shipped: 'HH-2024-001',
    value: 'HH-2024-003',
    why: 'HH-2024-001 is already enrolled in 4Ps, so enrolling it again is a 409 by design; HH-2024-003 exists and is not (it only exited SAP-2020)',
    check: { enrolledIn4Ps: [`${HH}|HH-2024-001`], notIn4Ps: [`${HH}|HH-2024-003`] },
  },
] as const;

/**
 * Against the published dialect: each request → the difference between the two contracts (a `dialectDifferences`
 * id) that makes it fail → how the published server answers it. `response`: the call succeeds but its answer is
 * not the deployed shape; `refused`: the body speaks the deployed dialect (422); `missing`: no such operation
 * (404, or 405 when the path exists with other methods).
 */
const PUBLISHED_FAILURES: Record<string, { difference: string; answer: 'response' | 'refused' | 'missing' }> = {
  'Search Individuals': { difference: 'response:GET /Individual:fields', answer: 'response' },
  'Read Individual': { difference: 'response:GET /Individual/{identifier}:fields', answer: 'response' },
  'Create Individual': { difference: 'request:POST /Individual:fields', answer: 'refused' },
  'Partial Update (PATCH)': { difference: 'operation:PATCH /Individual/{identifier}', answer: 'missing' },
  'Search Groups': { difference: 'response:GET /Group:fields', answer: 'response' },
  'Create Group': { difference: 'request:POST /Group:fields', answer: 'refused' },
  'Add Member to Group': { difference: 'operation:POST /Group/{identifier}/$add-member', answer: 'missing' },
  'Search Programs': { difference: 'response:GET /Program:fields', answer: 'response' },
  'Create Enrollment': { difference: 'request:POST /ProgramMembership:fields', answer: 'refused' },
  // The Bundle's entries are deployed-dialect resources (`type`, `groupType`): the published transaction refuses them.
  'Transaction: Create Household': { difference: 'schema:IndividualInput:properties', answer: 'refused' },
  'Bulk Export Individuals': { difference: 'operation:POST /$bulk/export', answer: 'missing' },
};

function requests(items: PostmanItem[]): PostmanItem[] {
  return items.flatMap((i) => (i.item ? requests(i.item) : [i]));
}

function readCollection(): Collection {
  if (!existsSync(COLLECTION_FILE)) {
    throw new Error(
      `OpenSPP's Postman collection is not at ${COLLECTION_FILE}: put it there (see ../shared/real-clients/README.md) or set SPP_REAL_CLIENTS_DIR`,
    );
  }
  return JSON.parse(readFileSync(COLLECTION_FILE, 'utf8')) as Collection;
}

/** Replaces one identifier, as a whole token, in a request's URL (raw and path) and body; returns how many it replaced. */
function replaceIdentifier(item: PostmanItem, from: string, to: string): number {
  const token = new RegExp(`(?<![\\w-])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g');
  let count = 0;
  const swap = (text: string) =>
    text.replace(token, () => {
      count++;
      return to;
    });
  const r = item.request!;
  r.url.raw = swap(r.url.raw);
  if (r.url.path) r.url.path = r.url.path.map(swap);
  if (r.body?.raw !== undefined) r.body.raw = swap(r.body.raw);
  return count;
}

/** The collection with the identifier adaptations applied (the variables go in through the environment). */
function adapted(original: Collection): { collection: Collection; replaced: Record<string, number> } {
  const collection = structuredClone(original);
  const replaced: Record<string, number> = {};
  for (const a of IDENTIFIER_ADAPTATIONS) {
    const item = requests(collection.item).find((i) => i.name === a.request);
    if (!item) throw new Error(`the collection has no request "${a.request}" any more`);
    replaced[a.request] = replaceIdentifier(item, a.shipped, a.value);
  }
  return { collection, replaced };
}

/** The operation of a contract a request stands for. */
function operationOf(contract: Contract, e: Exchange): OperationSpec | undefined {
  const match = contract.match(e.method, e.path);
  return match && 'op' in match ? match.op : undefined;
}

/** Why a request does not pass against the deployed contract (see the module comment), or [] when it passes. */
function verdict(e: Exchange): string[] {
  if (e.requestError) return [`not sent: ${e.requestError}`];
  const op = operationOf(deployedContract, e);
  if (!op) return [`${e.method} ${e.path} is no operation of the deployed contract`];
  const problems: string[] = [];
  const success = [...op.responses.keys()].filter((s) => s >= 200 && s < 300);
  if (!success.includes(e.status)) problems.push(`${op.id} answered ${e.status}, not its success status (${success.join(', ')})`);
  const issues = deployedContract.validator.validateResponse(op, { status: e.status, headers: e.headers, contentType: e.contentType, body: e.body });
  problems.push(...issues.map((i) => `${i.in} ${i.pointer}: ${i.message}`));
  return problems;
}

async function runAgainst(dialect: Dialect): Promise<{ server: RunningServer; result: RunResult }> {
  const server = await startReferenceServer(
    loadConfig({ SPP_DIALECT: dialect, PORT: '0', SPP_DB: ':memory:', SPP_LOG: 'off', SPP_TOKEN_RATE_PER_MINUTE: '100', SPP_API_RATE_PER_MINUTE: '1000' }),
  );
  const env = Object.fromEntries(variableAdaptations(server).map((v) => [v.key, v.value]));
  const result = await runCollection(adapted(readCollection()).collection, env);
  return { server, result };
}

describe('the adaptations are only those written down, and their reasons hold', () => {
  const original = readCollection();

  it('the collection ships the variables the table replaces, with the values it names', () => {
    const shipped = Object.fromEntries(original.variable.map((v) => [v.key, v.value]));
    for (const v of variableAdaptations({ baseUrl: '', db: undefined } as unknown as RunningServer)) expect(shipped[v.key], v.key).toBe(v.shipped);
  });

  it('each identifier is replaced where the collection names it, and nowhere else is anything changed', () => {
    const { collection, replaced } = adapted(original);
    // PATCH names its identifier in the URL (raw and path); the three others in the body.
    expect(replaced).toEqual({ 'Partial Update (PATCH)': 2, 'Create Group': 1, 'Add Member to Group': 1, 'Create Enrollment': 1 });
    const before = requests(original.item);
    const after = requests(collection.item);
    const touched = new Set<string>(IDENTIFIER_ADAPTATIONS.map((a) => a.request));
    for (const [i, item] of after.entries()) if (!touched.has(item.name)) expect(item, item.name).toEqual(before[i]);
    expect({ ...collection, item: [] }).toEqual({ ...original, item: [] });
  });

  it('the registry facts the reasons rest on (fixtures/demo-registry.json)', () => {
    type Identified = { identifier: Array<{ system: string; value: string }> };
    type Reference = { reference: string };
    const registry = JSON.parse(readFileSync(demoRegistryFile, 'utf8')) as {
      individuals: Identified[];
      groups: Array<Identified & { member?: Array<{ entity: Reference }> }>;
      programMemberships: Array<{ program: Reference; beneficiary: Reference }>;
    };
    const key = (r: Identified) => r.identifier.map((i) => `${i.system}|${i.value}`);
    const individuals = new Set(registry.individuals.flatMap(key));
    const groups = new Set(registry.groups.flatMap(key));
    const members = new Set(registry.groups.flatMap((g) => (g.member ?? []).map((m) => m.entity.reference.replace(/^Individual\//, ''))));
    const in4Ps = new Set(
      registry.programMemberships
        .filter((m) => m.program.reference === 'Program/urn:openspp:program|4Ps')
        .map((m) => m.beneficiary.reference.replace(/^Group\//, '')),
    );
    for (const a of IDENTIFIER_ADAPTATIONS) {
      const c = a.check as Partial<Record<'absent' | 'individuals' | 'inNoGroup' | 'enrolledIn4Ps' | 'notIn4Ps', readonly string[]>>;
      for (const id of c.absent ?? []) expect(individuals.has(id), `${a.request}: ${id} absent`).toBe(false);
      for (const id of c.individuals ?? []) expect(individuals.has(id), `${a.request}: ${id} present`).toBe(true);
      for (const id of c.inNoGroup ?? []) expect(members.has(id), `${a.request}: ${id} in no group`).toBe(false);
      for (const id of c.enrolledIn4Ps ?? []) expect(in4Ps.has(id), `${a.request}: ${id} in 4Ps`).toBe(true);
      for (const id of [...(c.notIn4Ps ?? [])]) {
        expect(groups.has(id), `${a.request}: ${id} exists`).toBe(true);
        expect(in4Ps.has(id), `${a.request}: ${id} not in 4Ps`).toBe(false);
      }
    }
  });
});

describe("OpenSPP's Postman collection against spp-kit serve --dialect deployed", () => {
  let server: RunningServer;
  let result: RunResult;
  beforeAll(async () => {
    ({ server, result } = await runAgainst('deployed'));
  }, 120_000);
  afterAll(async () => server?.close());

  it('sends every request of the collection, in its order', () => {
    expect(result.exchanges.map((e) => e.name)).toEqual(requests(readCollection().item).map((i) => i.name));
    expect(result.exchanges).toHaveLength(12);
  });

  it("passes the collection's own test, with no newman failure", () => {
    expect(result.failures).toEqual([]);
    expect(result.tests).toEqual([{ name: 'Token received', passed: true }]);
  });

  it('every request gets its success status and an answer that validates against the deployed contract: 12 of 12', () => {
    const failing = result.exchanges.map((e) => ({ name: e.name, problems: verdict(e) })).filter((v) => v.problems.length);
    expect(failing).toEqual([]);
  });

  it('the requests did what they say: the writes are there to read back', async () => {
    const token = (result.exchanges[0]!.body as { access_token: string }).access_token;
    const read = async (path: string) => {
      const r = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      return (await r.json()) as any;
    };
    expect((await read(`/Individual/${NID}|PH-NEW-001`)).name).toMatchObject({ family: 'REYES', given: 'Ana' });
    expect((await read(`/Individual/${NID}|PH-123456789`)).name.given).toBe('Maria Elena');
    expect((await read(`/Group/${HH}|HH-2024-NEW`)).member.map((m: any) => m.entity.reference)).toEqual([`Individual/${NID}|PH-120000001`]);
    expect((await read(`/Group/${HH}|HH-2024-001`)).member.map((m: any) => m.entity.reference)).toContain(`Individual/${NID}|PH-120000002`);
    const enrolment = await read(`/ProgramMembership/${HH}|HH-2024-003?program=${encodeURIComponent('Program/urn:openspp:program|4Ps')}`);
    expect(enrolment).toMatchObject({ type: 'ProgramMembership', status: 'enrolled' });
    expect((await read(`/Group/${HH}|HH-BATCH`)).member.map((m: any) => m.entity.reference)).toEqual([`Individual/${NID}|PH-HEAD-001`]);
  });
});

describe('the same collection against the published dialect (control)', () => {
  let server: RunningServer;
  let result: RunResult;
  beforeAll(async () => {
    ({ server, result } = await runAgainst('published'));
  }, 120_000);
  afterAll(async () => server?.close());

  it('fails on exactly the requests the differences between the dialects explain; the token request passes in both', () => {
    const failing = result.exchanges.filter((e) => verdict(e).length).map((e) => e.name);
    expect(failing.sort()).toEqual(Object.keys(PUBLISHED_FAILURES).sort());
    expect(failing).not.toContain('Get Access Token');
  });

  it('each failure rests on a difference computed from the two contracts', () => {
    const differences = new Set(dialectDifferences(publishedContract, deployedContract).map((d) => d.id));
    for (const [name, f] of Object.entries(PUBLISHED_FAILURES)) expect(differences.has(f.difference), `${name}: ${f.difference}`).toBe(true);
  });

  it('…and the published server answers each request as its own contract says, so the failure is the dialect, not the server', () => {
    for (const e of result.exchanges) {
      const expected = PUBLISHED_FAILURES[e.name];
      const op = operationOf(publishedContract, e);
      if (op) {
        const issues = publishedContract.validator.validateResponse(op, { status: e.status, headers: e.headers, contentType: e.contentType, body: e.body });
        expect(issues, `${e.name} → ${e.status}`).toEqual([]);
      }
      if (!expected) continue;
      if (expected.answer === 'response') {
        // Success in the published dialect's shape: a searchset Bundle or a `resourceType` resource.
        expect(e.status, e.name).toBe(200);
        expect((e.body as { resourceType?: string }).resourceType, e.name).toBeDefined();
      } else if (expected.answer === 'refused') {
        expect(e.status, e.name).toBe(422);
      } else {
        const match = publishedContract.match(e.method, e.path);
        expect(op, e.name).toBeUndefined();
        expect(e.status, e.name).toBe(match && 'allowed' in match ? 405 : 404);
      }
    }
  });
});
