/**
 * Values for a JSON Schema of the contract, as fast-check arbitraries: mostly valid values (so that requests get
 * past the first check and reach deeper code), built from the document's own schemas — `$ref`, `allOf`,
 * `oneOf`/`anyOf`, `properties`/`required`, `enum`/`const`, `pattern`, `format`, lengths and bounds.
 * Best effort: where a schema says more than this understands, the value may be invalid, which a fuzzer is
 * happy to send too.
 */
import fc from 'fast-check';
import type { OpenApiDocument } from '../../src/contract/document.js';

type Schema = Record<string, any> | boolean;
const MAX_DEPTH = 6;

function deref(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s === 'object' && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i++) {
    const { $ref, ...rest } = s;
    const target = ($ref as string)
      .slice(2)
      .split('/')
      .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc) as Schema;
    s = Object.keys(rest).length ? { allOf: [target], ...rest } : target;
  }
  return s;
}

/** allOf branches merged into one object schema (properties, required, constraints): enough for generation. */
function flatten(doc: OpenApiDocument, schema: Schema, depth = 0): Record<string, any> {
  const s = deref(doc, schema);
  if (typeof s !== 'object') return {};
  if (!Array.isArray(s.allOf) || depth > 8) return s;
  const { allOf, ...own } = s;
  const merged: Record<string, any> = {};
  for (const part of [...(allOf as Schema[]).map((p) => flatten(doc, p, depth + 1)), own]) {
    for (const [k, v] of Object.entries(part)) {
      if (k === 'properties') merged.properties = { ...(merged.properties ?? {}), ...v };
      else if (k === 'required') merged.required = [...new Set([...(merged.required ?? []), ...v])];
      else if (k === 'pattern' && merged.pattern && merged.pattern !== v) (merged.patterns ??= [merged.pattern]).push(v);
      else merged[k] = v;
    }
  }
  return merged;
}

const DATE = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });

function stringArbitrary(s: Record<string, any>): fc.Arbitrary<string> {
  if (s.format === 'date') return DATE.map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'date-time') return DATE.map((d) => d.toISOString());
  if (s.format === 'uri') return fc.webUrl();
  const patterns: string[] = s.patterns ?? (s.pattern ? [s.pattern] : []);
  const max = typeof s.maxLength === 'number' ? s.maxLength : 40;
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  let arb: fc.Arbitrary<string>;
  const own = patterns.find((p) => !p.includes('\\u0000'));
  if (own) {
    try {
      arb = fc.stringMatching(new RegExp(own));
    } catch {
      arb = fc.string({ minLength: min, maxLength: max });
    }
  } else arb = fc.string({ minLength: Math.max(min, 1), maxLength: Math.min(max, 40) });
  return arb.filter((v) => v.length >= min && v.length <= max && patterns.every((p) => new RegExp(p, 'u').test(v)));
}

const INT32 = 0x7fffffff;

/**
 * Integers in [min, max]. fast-check's integer arbitrary spins forever on bounds beyond 32 bits (the deployed
 * contract's `_offset` goes to 2^63), so wide ranges draw from the 32-bit part and from the bounds themselves.
 */
function integerArbitrary(min: number, max: number): fc.Arbitrary<number> {
  if (min >= -INT32 && max <= INT32) return fc.integer({ min, max });
  const inner = fc.integer({ min: Math.max(min, -INT32), max: Math.min(max, INT32) });
  return fc.oneof({ arbitrary: inner, weight: 9 }, { arbitrary: fc.constantFrom(min, max), weight: 1 });
}

/** An arbitrary of (mostly) valid values for a schema of the document. */
export function valueFor(doc: OpenApiDocument, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema === true || schema === undefined) return fc.jsonValue({ maxDepth: 2 });
  if (schema === false) return fc.constant(undefined);
  const s = flatten(doc, schema);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const branches = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (branches?.length && !s.properties) return fc.oneof(...branches.map((b) => valueFor(doc, b, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : (s.type ?? (s.properties ? 'object' : undefined));
  if (depth > MAX_DEPTH) return fc.constant(type === 'array' ? [] : type === 'object' ? {} : null);
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return integerArbitrary(s.minimum ?? -1000, s.maximum ?? 1_000_000);
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueFor(doc, s.items ?? true, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const entries = Object.entries(props).filter(([, p]) => p !== false && !(typeof p === 'object' && p.readOnly));
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, p] of entries) model[name] = valueFor(doc, p, depth + 1);
      return fc.record(model, { requiredKeys: entries.map(([n]) => n).filter((n) => required.has(n)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
