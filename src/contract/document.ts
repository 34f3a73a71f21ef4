/** The shape of an OpenAPI 3.1 document, as far as the kit reads it, and reference resolution inside one. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  servers?: ServerObject[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters?: Record<string, ParameterObject>;
    responses?: Record<string, ResponseObject>;
    headers?: Record<string, HeaderObject>;
    securitySchemes?: Record<string, SecuritySchemeObject>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
export interface ServerObject {
  url: string;
  description?: string;
  variables?: Record<string, { default: string }>;
}
export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';
export type PathItemObject = { servers?: ServerObject[]; parameters?: Array<ParameterObject | RefObject> } & {
  [M in HttpMethod]?: OperationObject;
};
export interface OperationObject {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<ParameterObject | RefObject>;
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject | RefObject>;
  [extension: `x-${string}`]: unknown;
}
export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
  style?: string;
  explode?: boolean;
  'x-error-code'?: string;
}
export interface MediaTypeObject {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { value?: unknown; $ref?: string; summary?: string }>;
}
export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | RefObject>;
  content?: Record<string, MediaTypeObject>;
}
export interface SecuritySchemeObject {
  type: string;
  flows?: { clientCredentials?: { tokenUrl: string; scopes: Record<string, string> } };
  [key: string]: unknown;
}
export interface RefObject {
  $ref: string;
}
export type JsonSchema = Record<string, unknown> | boolean;

export function isRef(value: unknown): value is RefObject {
  return typeof value === 'object' && value !== null && typeof (value as RefObject).$ref === 'string';
}

/** Follows local `#/...` references (the bundled document has no other kind). */
export function resolveRef<T>(value: T | RefObject, doc: OpenApiDocument): T {
  let current: unknown = value;
  for (let hops = 0; isRef(current); hops++) {
    if (hops > 20) throw new Error(`reference cycle at ${current.$ref}`);
    const ref = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`unsupported reference ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
    if (current === undefined) throw new Error(`dangling reference ${ref}`);
  }
  return current as T;
}
