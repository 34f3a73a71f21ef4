/**
 * The registry's handlers mounted on the contract's route table with an in-memory database, responses checked
 * against the contract, and a stand-in for authentication: each request names the principal it acts as.
 */
import { Hono } from 'hono';
import { mountOperations } from '../../../src/contract/index.js';
import { operationIndex, scopeCatalogue, type OperationId } from '../../../src/contract/index.js';
import type { RouteTable } from '../../../src/contract/route-table.js';
import type { ValidationIssue } from '../../../src/contract/index.js';
import type { Principal, ServerContext } from '../../../src/server/context.js';
import { registryHandlers } from '../../../src/server/registry/handlers.js';
import { openDatabase, type Db } from '../../../src/server/store/db.js';

export const BASE_PATH = '/api/v2/spp';
export const ORIGIN = 'http://127.0.0.1:8069';

export const ALL_SCOPES = new Set(scopeCatalogue.keys());

export function addOrganizations(db: Db): Record<string, number> {
  const insert = db.prepare('INSERT OR IGNORE INTO organizations (code, name, org_type) VALUES (?, ?, ?)');
  insert.run('dswd', 'DSWD', 'government');
  insert.run('ministry-of-agriculture', 'Ministry of Agriculture', 'government');
  insert.run('ngo-relief', 'Relief NGO', 'ngo');
  const rows = db.prepare('SELECT id, code FROM organizations').all() as Array<{ id: number; code: string }>;
  return Object.fromEntries(rows.map((r) => [r.code, r.id]));
}

export type Who = 'consent' | 'dswd' | 'few' | 'ngo';

export function principals(orgs: Record<string, number>): Record<Who, Principal> {
  const base = { clientRowId: 1 };
  return {
    consent: {
      ...base,
      clientId: 'moa-consent',
      organizationId: orgs['ministry-of-agriculture']!,
      organizationCode: 'ministry-of-agriculture',
      legalBasis: 'consent',
      scopes: ALL_SCOPES,
    },
    dswd: { ...base, clientId: 'dswd-full', organizationId: orgs.dswd!, organizationCode: 'dswd', legalBasis: 'public_task', scopes: ALL_SCOPES },
    few: {
      ...base,
      clientId: 'dswd-few',
      organizationId: orgs.dswd!,
      organizationCode: 'dswd',
      legalBasis: 'public_task',
      scopes: new Set(['individual:read', 'individual:create', 'group:read']),
    },
    ngo: { ...base, clientId: 'ngo-consent', organizationId: orgs['ngo-relief']!, organizationCode: 'ngo-relief', legalBasis: 'consent', scopes: ALL_SCOPES },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface RegistryHarness {
  db: Db;
  app: Hono;
  orgs: Record<string, number>;
  clock: { now: Date };
  violations: Array<{ op: string; status: number; issues: ValidationIssue[] }>;
  errors: unknown[];
  call(who: Who, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export function makeRegistry(db: Db = openDatabase(':memory:'), options: { validateResponses?: boolean } = {}): RegistryHarness {
  const orgs = addOrganizations(db);
  const who = principals(orgs);
  const clock = { now: new Date('2026-03-02T09:15:00.000Z') };
  const violations: RegistryHarness['violations'] = [];
  const errors: unknown[] = [];
  const notOurs = () => {
    throw new Error('not a registry operation');
  };
  const table = Object.fromEntries(
    [...operationIndex.keys()].map((id: OperationId) => [id, (registryHandlers as Record<string, unknown>)[id] ?? notOurs]),
  ) as unknown as RouteTable<ServerContext>;
  const app = new Hono();
  mountOperations(app, table, {
    grantedScopes: (ctx) => ctx.principal?.scopes,
    context: (c, _op, invoke) => {
      const ctx: ServerContext = {
        db,
        basePath: BASE_PATH,
        principal: who[(c.req.header('x-test-as') ?? 'dswd') as Who],
        now: () => clock.now,
        invoke: (op, call) => invoke(op, call, ctx),
      };
      return ctx;
    },
    validateResponses: options.validateResponses ?? true,
    onContractViolation: (op, status, issues) => violations.push({ op: op.id, status, issues }),
    onError: (_op, e) => errors.push(e),
  });
  const call: RegistryHarness['call'] = async (as, method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { 'x-test-as': as, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await app.request(`${ORIGIN}${path.startsWith(BASE_PATH) ? path : BASE_PATH + path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  return { db, app, orgs, clock, violations, errors, call };
}

/** Sample resources. */
export const person = (value: string, family: string, given: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Individual',
  identifier: [{ system: 'urn:gov:ph:psa:national-id', value }],
  name: { family, given },
  ...extra,
});

export const household = (value: string, name: string, members: Array<string | Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Group',
  identifier: [{ system: 'urn:openspp:group', value }],
  type: 'household',
  name,
  member: members.map((m) => (typeof m === 'string' ? { entity: { reference: `Individual/urn:gov:ph:psa:national-id|${m}` } } : m)),
  ...extra,
});

export const programme = (value: string, name: string, targetType: 'individual' | 'group', extra: Record<string, unknown> = {}) => ({
  resourceType: 'Program',
  identifier: [{ system: 'urn:openspp:program', value }],
  name,
  targetType,
  ...extra,
});

export const enrolment = (value: string, program: string, beneficiary: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'ProgramMembership',
  identifier: [{ system: 'urn:openspp:program-membership', value }],
  program: { reference: `Program/urn:openspp:program|${program}` },
  beneficiary: { reference: beneficiary },
  status: 'enrolled',
  ...extra,
});

/** Every row of every registry table (FTS shadow tables included), for before/after comparisons. */
export function dumpRegistry(db: Db): Record<string, string[]> {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'settings', 'organizations', 'api_clients', 'rate_limit_counters') AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const out: Record<string, string[]> = {};
  for (const t of tables)
    out[t] = (db.prepare(`SELECT * FROM ${t}`).all() as object[]).map((r) => JSON.stringify(r, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
  return out;
}

/**
 * A database whose statements report their SQL and arguments each time they run. The registry caches prepared
 * statements per database, so every statement it ever runs on this one is seen.
 */
export function recordingDb(path = ':memory:', onRun: (sql: string, args: unknown[]) => void): Db {
  const db = openDatabase(path);
  const prepare = db.prepare.bind(db);
  (db as { prepare: unknown }).prepare = (sql: string) => {
    const st = prepare(sql) as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const m of ['get', 'all', 'run', 'iterate']) {
      const f = st[m]!.bind(st);
      st[m] = (...args: unknown[]) => {
        onRun(sql, args);
        return f(...args);
      };
    }
    const pluck = st.pluck!.bind(st);
    st.pluck = (...a: unknown[]) => (pluck(...a), st);
    return st;
  };
  return db;
}

/** The query plan lines of a statement, e.g. `SEARCH r USING COVERING INDEX individuals_by_name (name_key>?)`. */
export function planOf(db: Db, sql: string, args: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}

/**
 * Plan lines that read a whole table or index: a bare `SCAN` of a table, an index walk that no
 * `ORDER BY ... LIMIT` stops early, or a search that pins only the resource type of the identifiers table
 * (all records of a type). A MATCH on a text index is a search of that index.
 */
export function fullScans(plan: string[], sql: string): string[] {
  const stopsEarly = /ORDER BY .* LIMIT \?( OFFSET \?)?$/.test(sql);
  return plan.filter(
    (l) =>
      (/^SCAN /.test(l) && !/VIRTUAL TABLE INDEX \d+:[=M]|CONSTANT ROW/.test(l) && !(stopsEarly && / USING (COVERING )?INDEX /.test(l))) ||
      /^SEARCH identifiers .*\(resource_type=\?\)$/.test(l),
  );
}
