/**
 * One example request per operation, taken from the contract: path parameters, query parameters and headers with
 * their `example` (else the schema's default, first enum value or type), and the request body's first example.
 * The Postman collection and the request samples of the HTML page are both built from it, so the two show the
 * same request.
 */
import type { Contract } from '../contract/contract.js';
import { resolveRef, type MediaTypeObject, type OpenApiDocument, type OperationObject, type ParameterObject } from '../contract/document.js';
import type { OperationSpec } from '../contract/operations.js';

export interface ExampleParameter {
  name: string;
  /** The value as sent (a repeatable parameter with an array example gives one entry per item). */
  value: string;
  required: boolean;
  /** Whether the contract gives a value (an example, default or enum) rather than the placeholder for its type. */
  fromContract: boolean;
  description: string | undefined;
  deprecated: boolean;
}

export interface ExampleRequest {
  op: OperationSpec;
  /** Path parameters by name, with their example values (not encoded). */
  path: Record<string, string>;
  query: ExampleParameter[];
  headers: ExampleParameter[];
  body?: { contentType: string; value: unknown; summary: string | undefined };
}

/** The contract's OperationObject and its parameters (path level and operation level, resolved). */
export function operationObject(doc: OpenApiDocument, op: OperationSpec): { operation: OperationObject; parameters: ParameterObject[] } {
  const item = doc.paths[op.pathTemplate];
  const operation = item?.[op.method.toLowerCase() as 'get'];
  if (!item || !operation) throw new Error(`the document has no ${op.method} ${op.pathTemplate}`);
  const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) => resolveRef<ParameterObject>(p, doc));
  return { operation, parameters };
}

function schemaOf(doc: OpenApiDocument, p: ParameterObject): Record<string, unknown> {
  const s = resolveRef<Record<string, unknown> | boolean>(p.schema, doc);
  return typeof s === 'object' ? s : {};
}

/** The example values of a parameter: its `example`, else the first of `examples`, else the schema's hints. */
function parameterValues(doc: OpenApiDocument, p: ParameterObject & { example?: unknown; examples?: Record<string, { value?: unknown }> }) {
  const schema = schemaOf(doc, p);
  const items = typeof schema.items === 'object' ? (schema.items as Record<string, unknown>) : {};
  const candidates: unknown[] = [
    p.example,
    Object.values(p.examples ?? {})[0]?.value,
    schema.example,
    Array.isArray(schema.examples) ? schema.examples[0] : undefined,
    schema.default,
    Array.isArray(schema.enum) ? schema.enum[0] : undefined,
    Array.isArray(items.enum) ? [items.enum[0]] : undefined,
  ];
  const found = candidates.find((c) => c !== undefined);
  if (found !== undefined) return { values: (Array.isArray(found) ? found : [found]).map(String), fromContract: true };
  const type = schema.type === 'array' ? items.type : schema.type;
  return { values: [type === 'boolean' ? 'true' : type === 'integer' || type === 'number' ? '1' : ''], fromContract: false };
}

function firstExample(media: MediaTypeObject | undefined, doc: OpenApiDocument): { value: unknown; summary: string | undefined } | undefined {
  if (!media) return undefined;
  if (media.example !== undefined) return { value: media.example, summary: undefined };
  const first = Object.values(media.examples ?? {})[0];
  if (!first) return undefined;
  const example = resolveRef<{ value?: unknown; summary?: string }>(first, doc);
  return example.value === undefined ? undefined : { value: example.value, summary: example.summary };
}

/** The example request of an operation. JSON bodies are preferred when the operation accepts several types. */
export function exampleRequest(contract: Contract, op: OperationSpec): ExampleRequest {
  const doc = contract.document;
  const { operation, parameters } = operationObject(doc, op);
  const path: Record<string, string> = {};
  const query: ExampleParameter[] = [];
  const headers: ExampleParameter[] = [];
  for (const p of parameters) {
    const { values, fromContract } = parameterValues(doc, p);
    const required = p.in === 'path' || Boolean(p.required);
    const common = {
      name: p.name,
      required,
      fromContract,
      description: p.description?.trim(),
      deprecated: Boolean((p as { deprecated?: boolean }).deprecated),
    };
    if (p.in === 'path') path[p.name] = values[0]!;
    else if (p.in === 'query') for (const value of values) query.push({ ...common, value });
    else if (p.in === 'header') headers.push({ ...common, value: values[0]! });
  }
  const content = operation.requestBody ? resolveRef<{ content: Record<string, MediaTypeObject> }>(operation.requestBody, doc).content : {};
  const types = Object.keys(content).sort((a, b) => Number(b.includes('json')) - Number(a.includes('json')));
  let body: ExampleRequest['body'];
  for (const contentType of types) {
    const example = firstExample(content[contentType], doc);
    if (example) {
      body = { contentType, ...example };
      break;
    }
  }
  return { op, path, query, headers, ...(body ? { body } : {}) };
}

/** A path with its parameters filled in; `encode` turns each value into what goes in the URL. */
export function fillPath(template: string, values: Record<string, string>, encode: (value: string) => string = encodePathValue): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => encode(values[name] ?? `{${name}}`));
}

/** Percent-encodes a path value, keeping the characters an identifier (`system|value`) uses readable. */
export function encodePathValue(value: string): string {
  return value.replace(/[^A-Za-z0-9\-._~:@!$&'()*+,;=|]/g, (c) => encodeURIComponent(c));
}

/** The contract's token URL relative to its first server (`/oauth/token`), or the absolute URL when it is elsewhere. */
export function tokenPath(contract: Contract): { relative: boolean; url: string } | undefined {
  const schemes = contract.document.components.securitySchemes ?? {};
  const tokenUrl = Object.values(schemes).find((s) => s.flows?.clientCredentials)?.flows?.clientCredentials?.tokenUrl;
  if (!tokenUrl) return undefined;
  const server = contract.document.servers?.[0]?.url.replace(/\/+$/, '') ?? '';
  return server && tokenUrl.startsWith(`${server}/`) ? { relative: true, url: tokenUrl.slice(server.length) } : { relative: false, url: tokenUrl };
}
