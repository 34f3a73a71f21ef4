/**
 * Ajv validators compiled from the bundled contract. OpenAPI 3.1 schemas are JSON Schema 2020-12, so the
 * document's own schemas are used as they are: nothing is translated.
 *
 * Two Ajv instances: request parameters arrive as strings and are coerced to the declared types (and to arrays
 * for repeatable parameters); bodies and responses are validated exactly, without coercion.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { JsonSchema, OpenApiDocument } from './document.js';
import type { OperationSpec, ParameterSpec } from './operations.js';

// ajv-formats is CommonJS; its default export is the plugin function itself at runtime.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

const DOC_ID = 'openapi.json';

export interface ValidationIssue {
  /** Where the problem is. */
  in: 'path' | 'query' | 'header' | 'body' | 'status';
  /** The parameter or header name, for path/query/header issues. */
  name?: string;
  /** JSON pointer inside the value (`/identifier/0/value`), `''` for the value itself. */
  pointer: string;
  /** A sentence for people. */
  message: string;
  /** The `urn:openspp:error` code this issue maps to when the parameter declares one (`x-error-code`). */
  errorCode?: string;
}

function makeAjv(coerce: boolean, doc: OpenApiDocument): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false, // OpenAPI keywords (example, x-*) are annotations here; discriminators: see withDiscriminators

    ...(coerce ? { coerceTypes: 'array' as const, useDefaults: true } : {}),
  });
  addFormats(ajv);
  ajv.addSchema(withDiscriminators(doc) as object, DOC_ID, undefined, false);
  return ajv;
}

/**
 * OpenAPI's `discriminator` + `mapping` says which oneOf branch applies; JSON Schema has no such keyword (and
 * Ajv's own support refuses `mapping`). Rewritten as "the property is one of the mapped values, and if it is X
 * then the X schema applies", errors come from the chosen branch only instead of from every branch.
 */
export function withDiscriminators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDiscriminators);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'example' || k === 'examples' ? v : withDiscriminators(v);
  const d = out.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (d?.propertyName && d.mapping && Array.isArray(out.oneOf)) {
    const prop = d.propertyName;
    const { oneOf: _branches, discriminator: _d, ...rest } = out;
    return {
      ...rest,
      type: 'object',
      required: [prop],
      properties: { [prop]: { enum: Object.keys(d.mapping) } },
      allOf: Object.entries(d.mapping).map(([value, ref]) => ({
        if: { properties: { [prop]: { const: value } } },
        then: { $ref: ref },
      })),
    };
  }
  return out;
}

/** Rewrites the document-local `#/...` references of an inline schema so that they resolve inside the contract. */
function anchored(schema: JsonSchema): JsonSchema {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map((s) => anchored(s as JsonSchema)) as unknown as JsonSchema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = DOC_ID + v;
    else if (k === 'example' || k === 'examples') out[k] = v;
    else out[k] = typeof v === 'object' && v !== null ? anchored(v as JsonSchema) : v;
  }
  return out;
}

function pointerToExpression(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** `birthDate`, `identifier[0].value`: the FHIRPath-like spelling used in OperationOutcome.expression. */
export function issueExpression(issue: ValidationIssue): string {
  if (issue.in === 'body') return pointerToExpression(issue.pointer);
  return issue.name ?? '';
}

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return `has an unknown field '${String(p.additionalProperty ?? p.unevaluatedProperty)}'`;
    case 'required':
      return 'is required';
    case 'false schema':
      return 'must not be present';
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be '${String(p.allowedValue)}'`;
    case 'pattern':
      // The Text schemas' rule reads better in words than as its pattern.
      if (String(p.pattern).includes('\\u0000-')) return 'must not contain control characters (U+0000 to U+001F, U+007F)';
      return `does not have the expected form (${String(p.pattern)})`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'type':
      return `must be ${String(p.type)}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** Ajv errors → issues, without the noise of failed oneOf/anyOf/if branches when a precise error exists. */
function toIssues(errors: ErrorObject[] | null | undefined, where: ValidationIssue['in']): ValidationIssue[] {
  if (!errors?.length) return [];
  const precise = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'allOf', 'not'].includes(e.keyword));
  const chosen = precise.length ? precise : errors;
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const e of chosen) {
    let pointer = e.instancePath;
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'required') pointer += `/${String(p.missingProperty)}`;
    const message = `${pointerToExpression(pointer) || 'The body'} ${describe(e)}.`;
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ in: where, pointer, message });
  }
  return issues;
}

export interface ParsedParameters {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  header: Record<string, unknown>;
}

export interface RawRequest {
  path: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
}

interface ParameterGroupValidator {
  validate: ValidateFunction;
  byName: Map<string, ParameterSpec>;
}

/** Request and response validators for one document. */
export class ContractValidator {
  private readonly strictAjv: Ajv2020;
  private readonly coercingAjv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(
    doc: OpenApiDocument,
    private readonly options: { unknownQueryParameters: 'refuse' | 'ignore' } = { unknownQueryParameters: 'refuse' },
  ) {
    this.strictAjv = makeAjv(false, doc);
    this.coercingAjv = makeAjv(true, doc);
  }

  /** A validator for a schema of the document (compiled once, then cached). */
  schema(schema: JsonSchema, key: string, coerce = false): ValidateFunction {
    const cacheKey = `${coerce ? 'c' : 's'}:${key}`;
    let fn = this.cache.get(cacheKey);
    if (!fn) {
      fn = (coerce ? this.coercingAjv : this.strictAjv).compile(anchored(schema) as object);
      this.cache.set(cacheKey, fn);
    }
    return fn;
  }

  private parameterGroup(op: OperationSpec, where: 'path' | 'query' | 'header'): ParameterGroupValidator {
    const specs = op.parameters.filter((p) => p.in === where);
    const schema = {
      type: 'object',
      properties: Object.fromEntries(specs.map((p) => [p.name, p.schema])),
      required: specs.filter((p) => p.required).map((p) => p.name),
      // Unknown query parameters are an error where the contract is closed (they are dropped before validation
      // where it says to ignore them); other headers are none of our business.
      additionalProperties: where !== 'query',
    };
    return {
      validate: this.schema(schema, `${op.id}:params:${where}`, true),
      byName: new Map(specs.map((p) => [p.name, p])),
    };
  }

  /**
   * Validates and coerces the parameters of a request. Repeated query parameters become arrays, which only
   * array-typed parameters accept: a scalar parameter given twice is an error.
   */
  validateParameters(op: OperationSpec, raw: RawRequest): { value: ParsedParameters; issues: ValidationIssue[] } {
    const issues: ValidationIssue[] = [];
    const value: ParsedParameters = { path: { ...raw.path }, query: {}, header: {} };
    // A document or one operation (the OAuth authorization endpoint, RFC 6749 §3.1) may say to ignore unknown ones.
    const ignoreUnknown = this.options.unknownQueryParameters === 'ignore' || op.extensions['x-unknown-query-parameters'] === 'ignore';
    for (const [key, v] of raw.query) {
      if (ignoreUnknown && !op.parameters.some((p) => p.in === 'query' && p.name === key)) continue;
      const prev = value.query[key];
      value.query[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    for (const p of op.parameters) {
      if (p.in !== 'header') continue;
      const v = raw.headers.get(p.name);
      if (v !== null) value.header[p.name] = v;
    }
    for (const p of op.parameters) {
      const problem = wireProblem(p, value[p.in][p.name]);
      if (!problem) continue;
      issues.push({
        in: p.in,
        name: p.name,
        pointer: `/${p.name}`,
        message: `The ${p.in} parameter '${p.name}' ${problem}.`,
        ...(p.errorCode ? { errorCode: p.errorCode } : {}),
      });
      delete value[p.in][p.name];
    }
    for (const where of ['path', 'query', 'header'] as const) {
      const group = this.parameterGroup(op, where);
      const target = value[where];
      if (group.validate(target)) continue;
      for (const e of group.validate.errors ?? []) {
        const p = e.params as Record<string, unknown>;
        const [, first] = e.instancePath.split('/');
        const name =
          e.keyword === 'additionalProperties'
            ? String(p.additionalProperty)
            : e.keyword === 'required'
              ? String(p.missingProperty)
              : (first ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
        const spec = group.byName.get(name);
        const message =
          e.keyword === 'additionalProperties'
            ? `Unknown parameter ${quoteName(name)}. Supported: ${[...op.parameters.filter((x) => x.in === 'query').map((x) => x.name)].join(', ') || 'none'}.`
            : e.keyword === 'required'
              ? `The ${where} parameter '${name}' is required.`
              : Array.isArray(target[name]) && spec && !isArraySchema(spec.schema)
                ? `The ${where} parameter '${name}' was given more than once.`
                : `The ${where} parameter '${name}' ${describe(e)}.`;
        // An unknown name is not repeated back unless it looks like a parameter name (it could be anything).
        const shownName = e.keyword === 'additionalProperties' && !isParameterName(name) ? '' : name;
        issues.push({ in: where, name: shownName, pointer: e.instancePath, message, ...(spec?.errorCode ? { errorCode: spec.errorCode } : {}) });
      }
    }
    return { value, issues: dedupe(issues) };
  }

  /** Validates a parsed request body against the schema declared for its media type. */
  validateBody(op: OperationSpec, mediaType: string, body: unknown): ValidationIssue[] {
    const schema = op.requestBody?.content[mediaType];
    if (schema === undefined) return [{ in: 'body', pointer: '', message: `media type ${mediaType} is not accepted` }];
    const validate = this.schema(schema, `${op.id}:body:${mediaType}`);
    return validate(body) ? [] : toIssues(validate.errors, 'body');
  }

  /**
   * Checks a response against the contract: the status is declared, required headers are present and well
   * formed, and the body matches the schema of its media type. Returns the problems found (none = conforms).
   */
  validateResponse(op: OperationSpec, response: { status: number; headers: Headers; contentType: string | null; body: unknown }): ValidationIssue[] {
    const spec = op.responses.get(response.status);
    if (!spec) {
      return [
        { in: 'status', pointer: '', message: `status ${response.status} is not declared for ${op.id} (declared: ${[...op.responses.keys()].join(', ')})` },
      ];
    }
    const issues: ValidationIssue[] = [];
    const headerValues: Record<string, string> = {};
    for (const name of Object.keys(spec.headers)) {
      const v = response.headers.get(name);
      if (v !== null) headerValues[name] = v;
    }
    const headerSchema = {
      type: 'object',
      properties: Object.fromEntries(Object.entries(spec.headers).map(([n, h]) => [n, h.schema])),
      required: Object.entries(spec.headers)
        .filter(([, h]) => h.required)
        .map(([n]) => n),
    };
    const validateHeaders = this.schema(headerSchema, `${op.id}:${spec.status}:headers`, true);
    if (!validateHeaders(headerValues)) {
      for (const e of validateHeaders.errors ?? []) {
        const p = e.params as Record<string, unknown>;
        const name = e.keyword === 'required' ? String(p.missingProperty) : e.instancePath.slice(1);
        const message =
          e.keyword === 'required' ? `required header ${name} is missing` : `header ${name} ${describe(e)} (got ${JSON.stringify(headerValues[name])})`;
        issues.push({ in: 'header', name, pointer: '', message });
      }
    }
    const mediaTypes = Object.keys(spec.content);
    if (mediaTypes.length === 0) return issues;
    const mediaType = (response.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const schema = spec.content[mediaType];
    if (schema === undefined) {
      issues.push({ in: 'body', pointer: '', message: `content type '${mediaType}' is not declared (declared: ${mediaTypes.join(', ')})` });
      return issues;
    }
    const validate = this.schema(schema, `${op.id}:${spec.status}:${mediaType}`);
    if (!validate(response.body)) issues.push(...toIssues(validate.errors, 'body'));
    return issues;
  }
}

const isParameterName = (name: string) => /^[A-Za-z_$][A-Za-z0-9_.:$[\]-]{0,40}$/.test(name);

/** A parameter name as it may be repeated back: names of another shape could be anything, a secret included. */
function quoteName(name: string): string {
  return isParameterName(name) ? `'${name}'` : '(a name that is no parameter name)';
}

/**
 * What the wire form of a number or boolean parameter breaks, before coercion (which would read `1e1` as 10 and
 * ` 7` as 7): integers are plain decimal digits, booleans `true` or `false`.
 */
function wireProblem(p: ParameterSpec, raw: unknown): string | undefined {
  if (raw === undefined || typeof p.schema !== 'object') return undefined;
  const type = (p.schema as { type?: unknown }).type;
  const values = Array.isArray(raw) ? raw : [raw];
  if (type === 'integer' && !values.every((v) => typeof v === 'string' && /^-?\d{1,15}$/.test(v))) return 'must be a whole number written in digits';
  if (type === 'number' && !values.every((v) => typeof v === 'string' && /^-?\d{1,15}(\.\d{1,15})?$/.test(v))) return 'must be a decimal number';
  if (type === 'boolean' && !values.every((v) => v === 'true' || v === 'false')) return 'must be true or false';
  return undefined;
}

function isArraySchema(schema: JsonSchema): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'array';
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.in}:${i.name ?? ''}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
