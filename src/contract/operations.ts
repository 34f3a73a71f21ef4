/**
 * The operation index: every operation of a document with its route, parameters, body, responses and required
 * scopes, keyed by operationId. Pure: a Contract (contract.ts) builds it once from its document.
 */
import {
  resolveRef,
  type HeaderObject,
  type HttpMethod,
  type JsonSchema,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
} from './document.js';
import type { operations } from './generated/types.js';

/** The operation ids of the published contract (typed route tables are keyed by them). */
export type OperationId = Extract<keyof operations, string>;

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  /** The `urn:openspp:error` code a malformed value gets (`x-error-code`); MALFORMED_REQUEST otherwise. */
  errorCode?: string;
}

export interface ResponseSpec {
  status: number;
  headers: Record<string, HeaderObject>;
  /** Media type → schema. Empty for responses without a body. */
  content: Record<string, JsonSchema>;
}

export interface OperationSpec {
  id: string;
  method: Uppercase<HttpMethod>;
  /** The path as written in the contract, e.g. `/Individual/{identifier}`. */
  pathTemplate: string;
  /** Path prefix of the operation's server URL, e.g. `/api/v2/spp` (path-level `servers` win). */
  basePath: string;
  /** basePath + pathTemplate: what a client requests. */
  fullPath: string;
  summary: string;
  tags: string[];
  /**
   * Scope alternatives: the request is allowed when the token holds every scope of at least one alternative.
   * `[]` = public (no token); `[[]]` = any valid token.
   */
  security: string[][];
  parameters: ParameterSpec[];
  requestBody?: { required: boolean; content: Record<string, JsonSchema> };
  responses: Map<number, ResponseSpec>;
  /** `oauth2` for the token endpoint, whose errors are RFC 6749 bodies; OperationOutcome everywhere else. */
  errorStyle: 'operation-outcome' | 'oauth2';
  extensions: Record<string, unknown>;
}

const METHODS: HttpMethod[] = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The path prefix of a server URL (`https://x/api/v2/spp` → `/api/v2/spp`). */
export function basePathOf(url: string | undefined): string {
  if (!url) return '';
  const path = new URL(url, 'http://placeholder').pathname;
  return path === '/' ? '' : path.replace(/\/$/, '');
}

function parameterSpec(p: ParameterObject): ParameterSpec {
  if (p.in === 'cookie') throw new Error(`cookie parameter ${p.name} is not supported`);
  return {
    name: p.name,
    in: p.in,
    required: p.in === 'path' ? true : Boolean(p.required),
    schema: p.schema,
    ...(p['x-error-code'] ? { errorCode: p['x-error-code'] } : {}),
  };
}

function responseSpec(status: number, r: ResponseObject, doc: OpenApiDocument): ResponseSpec {
  const headers: Record<string, HeaderObject> = {};
  for (const [name, h] of Object.entries(r.headers ?? {})) headers[name] = resolveRef<HeaderObject>(h, doc);
  const content: Record<string, JsonSchema> = {};
  for (const [type, media] of Object.entries(r.content ?? {})) content[type] = media.schema ?? true;
  return { status, headers, content };
}

/** Indexes every operation of a document. Exported for tests that index a modified document. */
export function indexOperations(doc: OpenApiDocument): Map<string, OperationSpec> {
  const index = new Map<string, OperationSpec>();
  const defaultBase = basePathOf(doc.servers?.[0]?.url);
  for (const [pathTemplate, item] of Object.entries(doc.paths)) {
    const basePath = item.servers ? basePathOf(item.servers[0]?.url) : defaultBase;
    for (const method of METHODS) {
      const op: OperationObject | undefined = item[method];
      if (!op) continue;
      const id = op.operationId;
      if (index.has(id)) throw new Error(`duplicate operationId ${id}`);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => parameterSpec(resolveRef<ParameterObject>(p, doc)));
      const responses = new Map<number, ResponseSpec>();
      for (const [status, r] of Object.entries(op.responses)) {
        responses.set(Number(status), responseSpec(Number(status), resolveRef<ResponseObject>(r, doc), doc));
      }
      const extensions = Object.fromEntries(Object.entries(op).filter(([k]) => k.startsWith('x-')));
      index.set(id, {
        id,
        method: method.toUpperCase() as Uppercase<HttpMethod>,
        pathTemplate,
        basePath,
        fullPath: basePath + pathTemplate,
        summary: op.summary ?? id,
        tags: op.tags ?? [],
        security: (op.security ?? []).map((req) => Object.values(req).flat()),
        parameters: params,
        ...(op.requestBody
          ? {
              requestBody: {
                required: Boolean(op.requestBody.required),
                content: Object.fromEntries(Object.entries(op.requestBody.content).map(([t, m]) => [t, m.schema ?? true])),
              },
            }
          : {}),
        responses,
        errorStyle: op['x-error-style'] === 'oauth2' ? 'oauth2' : 'operation-outcome',
        extensions,
      });
    }
  }
  return index;
}

/** True when the operation needs no token. */
export function isPublic(op: OperationSpec): boolean {
  return op.security.length === 0;
}

/** True when the granted scopes satisfy at least one of the operation's scope alternatives. */
export function scopesAllow(op: OperationSpec, granted: ReadonlySet<string>): boolean {
  if (isPublic(op)) return true;
  return op.security.some((alternative) => alternative.every((scope) => granted.has(scope)));
}

/** The Hono route for an operation: `{name}` path templates become `:name`. */
export function honoPath(op: OperationSpec): string {
  return op.fullPath.replace(/\{([^}]+)\}/g, ':$1');
}
