/**
 * The kit's YAML files — target files, profiles, the requirements catalogue — are validated against JSON Schemas
 * in conformance/ (the files users point their editors at). Ajv's errors are shaped for machines; each schema
 * carries the sentence a person should read instead: `x-message` on a node (its value is wrong), `x-missing` on a
 * property (it is absent), `x-unknown` on a closed object (a key it does not know). Placeholders: {path} (where,
 * e.g. `clients.reader`), {value}, {key}, {known}.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { dataDir } from './data-dir.js';

// ajv-formats is CommonJS; its default export is the plugin function itself at runtime.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

export type SchemaName = 'target' | 'profile' | 'requirements';

type SchemaNode = Record<string, any>;

const ajv = new Ajv2020({ allErrors: true });
ajv.addVocabulary(['x-message', 'x-missing', 'x-unknown']);
addFormats(ajv);
const compiled = new Map<SchemaName, ValidateFunction>();

/** The validator of conformance/<name>-schema.json, compiled once. */
export function schemaValidator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(new URL(`${name}-schema.json`, dataDir), 'utf8')) as SchemaNode);
    compiled.set(name, validate);
  }
  return validate;
}

/** How a problem names a place in the document; the default is `clients.reader`, `requirements[3]`. */
export type PathLabel = (segments: readonly string[], root: unknown) => string;

/** The default PathLabel. */
export const dottedPath: PathLabel = (segments) => segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'the document';

/** Every problem of `value` under the validator's schema, as readable sentences (none when it is valid). */
export function schemaProblems(validate: ValidateFunction, value: unknown, label: PathLabel = dottedPath): string[] {
  if (validate(value)) return [];
  const root = validate.schema as SchemaNode;
  const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => sentence(e, root, value, label));
  return [...new Set(problems)];
}

const unpointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Keywords followed by a name or an index in a schema path; the others stand alone (`items`, `then`...). */
const NAMED = new Set(['properties', 'patternProperties', 'prefixItems', '$defs', 'dependentSchemas', 'allOf', 'anyOf', 'oneOf']);
/** Keywords whose subschema applies one level down in the instance. */
const DESCENDS = new Set(['properties', 'patternProperties', 'prefixItems', 'items', 'additionalProperties']);

interface ChainLink {
  node: SchemaNode;
  /** How many instance path segments lead to the value this node applies to. */
  depth: number;
}

/**
 * The schema nodes an error passed through, from the outermost to the failing keyword's parent, each with its
 * depth in the instance. A $ref makes Ajv restart the path at `$defs`: the chain then starts there, and depths are
 * counted back from the failing value's.
 */
function schemaChain(error: ErrorObject, root: SchemaNode, instanceDepth: number): ChainLink[] {
  const segments = error.schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean).map(unpointer).slice(0, -1);
  let steps: Array<{ node: SchemaNode; descends: boolean }> = [{ node: root, descends: false }];
  for (let i = 0; i < segments.length;) {
    const keyword = segments[i]!;
    const width = NAMED.has(keyword) ? 2 : 1;
    const node = segments.slice(i, i + width).reduce<SchemaNode>((n, k) => n?.[k], steps.at(-1)!.node);
    if (keyword === '$defs') steps = [];
    steps.push({ node, descends: DESCENDS.has(keyword) });
    i += width;
  }
  let depth = instanceDepth;
  const chain: ChainLink[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    chain.unshift({ node: steps[i]!.node, depth });
    if (steps[i]!.descends) depth--;
  }
  return chain;
}

/** The sentence for one Ajv error: the schema's own words where it has them, Ajv's otherwise. */
function sentence(error: ErrorObject, root: SchemaNode, value: unknown, label: PathLabel): string {
  const segments = error.instancePath.split('/').slice(1).map(unpointer);
  const chain = schemaChain(error, root, segments.length);
  const parent = chain.at(-1)!.node;
  const fill = (text: string, depth: number, extra: Record<string, string> = {}) => {
    const at = segments.slice(0, depth);
    const here = at.reduce<any>((v, k) => v?.[k], value);
    const vars: Record<string, string> = { path: label(at, value), value: typeof here === 'string' ? `'${here}'` : JSON.stringify(here), ...extra };
    return text.replace(/\{(path|value|key|known)\}/g, (m, k: string) => vars[k] ?? m);
  };
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const own = (parent.properties as Record<string, SchemaNode> | undefined)?.[missing]?.['x-missing'] as string | undefined;
    if (own) return fill(own, segments.length);
  }
  if (error.keyword === 'additionalProperties' && typeof parent['x-unknown'] === 'string') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    return fill(parent['x-unknown'], segments.length, { key, known: Object.keys(parent.properties ?? {}).join(', ') });
  }
  const described = [...chain].reverse().find((c) => typeof c.node?.['x-message'] === 'string');
  if (described) return fill(described.node['x-message'] as string, described.depth);
  return `${label(segments, value)} ${error.message ?? 'is invalid'}`;
}
