/**
 * Every difference between two dialects of the API, computed from their documents (never written by hand): how
 * errors and unknown parameters are treated, the operations only one has, and — for the operations and
 * component schemas both have — their scopes, parameters, statuses, required response headers, bodies, fields, required fields and values.
 * Pure; `npm run docs` renders the list as a page, and the kit's tests derive their expectations from it.
 */
import type { Contract } from '../contract/contract.js';
import { resolveRef, type OpenApiDocument } from '../contract/document.js';
import type { OperationSpec } from '../contract/operations.js';

export type DifferenceArea = 'document' | 'operation' | 'scopes' | 'parameters' | 'statuses' | 'request' | 'response' | 'headers' | 'schema';

export interface DialectDifference {
  /** Stable key, e.g. `operation:PATCH /Individual/{identifier}` or `schema:Individual:properties`. */
  id: string;
  area: DifferenceArea;
  /** What differs: an operation (`GET /Individual`), a schema (`Individual`) or the document. */
  subject: string;
  /** What each dialect has (`—` for nothing). */
  a: string;
  b: string;
}

type Schema = Record<string, unknown>;
const NONE = '—';

const list = (values: Iterable<string>) => [...values].sort().join(', ') || NONE;
const keyOf = (op: OperationSpec) => `${op.method} ${op.pathTemplate}`;

function resolved(schema: unknown, doc: OpenApiDocument): Schema | undefined {
  if (schema === undefined || typeof schema === 'boolean') return undefined;
  return resolveRef<Schema>(schema as Schema, doc);
}

/**
 * The top-level fields of a schema, through `$ref`, `allOf` and nullable `oneOf`/`anyOf` branches; the union of
 * the branches otherwise.
 */
export function fieldsOf(schema: unknown, doc: OpenApiDocument, seen = new Set<unknown>()): { properties: Set<string>; required: Set<string> } {
  const out = { properties: new Set<string>(), required: new Set<string>() };
  const s = resolved(schema, doc);
  if (!s || seen.has(s)) return out;
  seen.add(s);
  for (const name of Object.keys((s.properties as Record<string, unknown> | undefined) ?? {})) out.properties.add(name);
  for (const name of (s.required as string[] | undefined) ?? []) out.required.add(name);
  for (const part of [...((s.allOf as unknown[]) ?? []), ...((s.oneOf as unknown[]) ?? []), ...((s.anyOf as unknown[]) ?? [])]) {
    const inner = fieldsOf(part, doc, seen);
    inner.properties.forEach((p) => out.properties.add(p));
    if (s.allOf) inner.required.forEach((r) => out.required.add(r));
  }
  return out;
}

function setDifference(id: string, area: DifferenceArea, subject: string, a: Set<string>, b: Set<string>, what: string): DialectDifference[] {
  const onlyA = [...a].filter((x) => !b.has(x));
  const onlyB = [...b].filter((x) => !a.has(x));
  if (!onlyA.length && !onlyB.length) return [];
  return [{ id, area, subject, a: onlyA.length ? `${what} ${list(onlyA)}` : NONE, b: onlyB.length ? `${what} ${list(onlyB)}` : NONE }];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function documentDifferences(a: Contract, b: Contract): DialectDifference[] {
  const out: DialectDifference[] = [];
  if (a.errorStyle !== b.errorStyle) {
    const describe = (c: Contract) =>
      c.errorStyle === 'detail' ? '{"detail": …} (FastAPI; 422 lists the problems)' : 'OperationOutcome with urn:openspp:error codes';
    out.push({ id: 'document:errors', area: 'document', subject: 'error bodies', a: describe(a), b: describe(b) });
  }
  const unknown = (c: Contract) => (c.document['x-unknown-query-parameters'] === 'ignore' ? 'ignored' : 'refused (400)');
  if (unknown(a) !== unknown(b))
    out.push({ id: 'document:unknown-parameters', area: 'document', subject: 'unknown query parameters', a: unknown(a), b: unknown(b) });
  const lifetime = (c: Contract) => c.operations.get('issueToken')?.extensions['x-default-token-lifetime'];
  if (!same(lifetime(a), lifetime(b))) {
    out.push({
      id: 'document:token-lifetime',
      area: 'document',
      subject: 'default token lifetime (s)',
      a: JSON.stringify(lifetime(a)) ?? NONE,
      b: JSON.stringify(lifetime(b)) ?? NONE,
    });
  }
  const scopes = (c: Contract) => new Set(c.scopes.keys());
  out.push(...setDifference('document:scopes', 'document', 'scope catalogue', scopes(a), scopes(b), 'scopes'));
  return out;
}

/** The lowest 2xx status of an operation and its JSON body schema. */
function success(op: OperationSpec): { status: number; schema: unknown } | undefined {
  const status = [...op.responses.keys()].filter((s) => s >= 200 && s < 300).sort()[0];
  if (status === undefined) return undefined;
  return { status, schema: op.responses.get(status)!.content['application/json'] };
}

function parameterDifferences(subject: string, a: OperationSpec, b: OperationSpec, ca: Contract, cb: Contract): DialectDifference[] {
  const names = (op: OperationSpec) => new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  const out = setDifference(`parameters:${subject}`, 'parameters', subject, names(a), names(b), 'query');
  for (const pa of a.parameters) {
    const pb = b.parameters.find((p) => p.in === pa.in && p.name === pa.name);
    if (!pb) continue;
    const sa = resolved(pa.schema, ca.document) ?? {};
    const sb = resolved(pb.schema, cb.document) ?? {};
    for (const key of ['default', 'maximum', 'minimum', 'enum'] as const) {
      if (same(sa[key], sb[key])) continue;
      out.push({
        id: `parameters:${subject}:${pa.name}:${key}`,
        area: 'parameters',
        subject: `${subject} ${pa.name}`,
        a: `${key} ${JSON.stringify(sa[key]) ?? NONE}`,
        b: `${key} ${JSON.stringify(sb[key]) ?? NONE}`,
      });
    }
  }
  return out;
}

function operationDifferences(a: Contract, b: Contract): DialectDifference[] {
  const out: DialectDifference[] = [];
  const byKey = (c: Contract) => new Map([...c.operations.values()].map((op) => [keyOf(op), op]));
  const opsA = byKey(a);
  const opsB = byKey(b);
  for (const key of [...new Set([...opsA.keys(), ...opsB.keys()])].sort()) {
    const oa = opsA.get(key);
    const ob = opsB.get(key);
    if (!oa || !ob) {
      out.push({ id: `operation:${key}`, area: 'operation', subject: key, a: oa ? oa.summary : NONE, b: ob ? ob.summary : NONE });
      continue;
    }
    const security = (op: OperationSpec) => op.security.map((alt) => alt.join(' + ') || 'any token').join(' or ') || 'public';
    if (security(oa) !== security(ob)) out.push({ id: `scopes:${key}`, area: 'scopes', subject: key, a: security(oa), b: security(ob) });
    out.push(...parameterDifferences(key, oa, ob, a, b));
    const statuses = (op: OperationSpec) => new Set([...op.responses.keys()].map(String));
    out.push(...setDifference(`statuses:${key}`, 'statuses', key, statuses(oa), statuses(ob), 'status'));
    const media = (op: OperationSpec) => new Set(Object.keys(op.requestBody?.content ?? {}));
    out.push(...setDifference(`request:${key}:media`, 'request', key, media(oa), media(ob), 'accepts'));
    const body = (op: OperationSpec, c: Contract) => fieldsOf(op.requestBody?.content['application/json'], c.document);
    out.push(...setDifference(`request:${key}:fields`, 'request', key, body(oa, a).properties, body(ob, b).properties, 'fields'));
    // The headers each dialect requires on a status both declare (Cache-Control on tokens, WWW-Authenticate on 401s, ETag ...).
    const required = (op: OperationSpec, status: number) =>
      new Set(
        Object.entries(op.responses.get(status)?.headers ?? {})
          .filter(([, h]) => h.required)
          .map(([name]) => name),
      );
    for (const status of [...oa.responses.keys()].filter((st) => ob.responses.has(st)).sort())
      out.push(...setDifference(`headers:${key}:${status}`, 'headers', `${key} ${status}`, required(oa, status), required(ob, status), 'requires'));
    const sa = success(oa);
    const sb = success(ob);
    if (sa?.status !== sb?.status)
      out.push({ id: `response:${key}:status`, area: 'response', subject: key, a: String(sa?.status ?? NONE), b: String(sb?.status ?? NONE) });
    else if (sa && sb) {
      out.push(
        ...setDifference(
          `response:${key}:fields`,
          'response',
          key,
          fieldsOf(sa.schema, a.document).properties,
          fieldsOf(sb.schema, b.document).properties,
          'fields',
        ),
      );
    }
  }
  return out;
}

function schemaDifferences(a: Contract, b: Contract): DialectDifference[] {
  const out: DialectDifference[] = [];
  const schemasA = a.document.components.schemas;
  const schemasB = b.document.components.schemas;
  for (const name of Object.keys(schemasA)
    .filter((n) => n in schemasB)
    .sort()) {
    const fa = fieldsOf(schemasA[name], a.document);
    const fb = fieldsOf(schemasB[name], b.document);
    out.push(...setDifference(`schema:${name}:properties`, 'schema', name, fa.properties, fb.properties, 'fields'));
    const shared = (r: Set<string>, other: Set<string>) => new Set([...r].filter((x) => other.has(x)));
    const common = shared(fa.properties, fb.properties);
    out.push(...setDifference(`schema:${name}:required`, 'schema', name, shared(fa.required, common), shared(fb.required, common), 'requires'));
    const ea = resolved(schemasA[name], a.document)?.enum as string[] | undefined;
    const eb = resolved(schemasB[name], b.document)?.enum as string[] | undefined;
    if (ea && eb) out.push(...setDifference(`schema:${name}:enum`, 'schema', name, new Set(ea), new Set(eb), 'values'));
  }
  return out;
}

/** Every difference between dialect `a` and dialect `b`, in a stable order. */
export function dialectDifferences(a: Contract, b: Contract): DialectDifference[] {
  return [...documentDifferences(a, b), ...operationDifferences(a, b), ...schemaDifferences(a, b)];
}
