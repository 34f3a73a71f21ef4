/**
 * A contract as a value: one OpenAPI document with everything derived from it — its operations, validators, error
 * catalogue, scope catalogue, code systems, base path and version. The server, the kit and the docs take a
 * Contract rather than reaching for module globals, so that the second dialect of the API is just another
 * instance: `publishedContract` is openapi/openapi.yaml (the published pages), `deployedContract`
 * openapi/deployed/openapi.yaml (what OpenSPP deployments serve).
 */
import { readFileSync } from 'node:fs';
import type { OpenApiDocument } from './document.js';
import { errorCatalogue, type ErrorCatalogue } from './errors.js';
import { basePathOf, indexOperations, type OperationSpec } from './operations.js';
import { ContractValidator } from './validation.js';

/** A code system the contract enumerates (`x-code-system` on a schema): its codes and their displays. */
export interface CodeSystem {
  system: string;
  codes: readonly string[];
  displays: Readonly<Record<string, string>>;
}

/** The two dialects of API V2 this kit serves and judges. */
export const DIALECTS = ['published', 'deployed'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** How a dialect renders refusals: OperationOutcome bodies, or FastAPI's `{"detail": …}`. */
export type ErrorStyle = 'operation-outcome' | 'detail';

export type RouteMatch = { op: OperationSpec; params: Record<string, string> };

/** Percent-decoding of one path segment; undefined when the encoding is broken. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export class Contract {
  readonly operations: ReadonlyMap<string, OperationSpec>;
  readonly validator: ContractValidator;
  readonly errors: ErrorCatalogue;
  /** Path prefix of the first server URL, e.g. `/api/v2/spp`. */
  readonly basePath: string;
  /** `info.version`: what `X-API-Version` says. */
  readonly version: string;
  /** Every scope of the `oauth2` security scheme, with its description. */
  readonly scopes: ReadonlyMap<string, string>;
  /** Code systems by system URI (from schemas carrying `x-code-system`). */
  readonly codeSystems: ReadonlyMap<string, CodeSystem>;
  /** The document's `x-error-style`: how refusals are rendered. */
  readonly errorStyle: ErrorStyle;

  /** `base`: the catalogue a dialect that keeps error codes off the wire maps to statuses (`x-error-codes`). */
  constructor(
    readonly document: OpenApiDocument,
    base?: Contract,
  ) {
    this.operations = indexOperations(document);
    this.errorStyle = document['x-error-style'] === 'detail' ? 'detail' : 'operation-outcome';
    this.validator = new ContractValidator(document, { unknownQueryParameters: document['x-unknown-query-parameters'] === 'ignore' ? 'ignore' : 'refuse' });
    this.errors = errorCatalogue(document, base?.errors);
    this.basePath = basePathOf(document.servers?.[0]?.url);
    this.version = document.info.version;
    const flows = (document.components.securitySchemes?.oauth2?.flows ?? {}) as Record<string, { scopes?: Record<string, string> }>;
    this.scopes = new Map(Object.values(flows).flatMap((f) => Object.entries(f.scopes ?? {})));
    this.codeSystems = codeSystemsOf(document);
  }

  /** The operation with this id; throws for an id the contract does not have (a programming error). */
  operation(id: string): OperationSpec {
    const op = this.operations.get(id);
    if (!op) throw new Error(`the contract has no operation ${id}`);
    return op;
  }

  /**
   * The operation a method and an absolute path (`/api/v2/spp/Individual/a%7Cb`) stand for, with its path
   * parameters percent-decoded; or the methods the path allows, when it exists with others only.
   */
  match(method: string, path: string): RouteMatch | { allowed: string[] } | undefined {
    const segments = path.split('/');
    const allowed: string[] = [];
    for (const op of this.operations.values()) {
      const params = matchTemplate(op.fullPath, segments);
      if (!params) continue;
      if (op.method === method.toUpperCase()) return { op, params };
      allowed.push(op.method);
    }
    return allowed.length ? { allowed } : undefined;
  }
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i]!;
    const name = /^\{([^}]+)\}$/.exec(part)?.[1];
    if (name) {
      const value = decodeSegment(segment);
      if (value === undefined || value === '') return undefined;
      params[name] = value;
    } else if (decodeSegment(segment) !== part) return undefined;
  }
  return params;
}

function codeSystemsOf(doc: OpenApiDocument): Map<string, CodeSystem> {
  const out = new Map<string, CodeSystem>();
  for (const schema of Object.values(doc.components.schemas)) {
    if (typeof schema !== 'object' || schema === null) continue;
    const s = schema as { enum?: string[]; 'x-code-system'?: string; 'x-displays'?: Record<string, string> };
    if (!s['x-code-system'] || !s.enum) continue;
    out.set(s['x-code-system'], { system: s['x-code-system'], codes: s.enum, displays: s['x-displays'] ?? {} });
  }
  return out;
}

/** Reads a bundled contract (the JSON `npm run gen` writes). */
export function loadContract(url: URL, base?: Contract): Contract {
  return new Contract(JSON.parse(readFileSync(url, 'utf8')) as OpenApiDocument, base);
}

/** The published dialect: openapi/openapi.yaml, bundled by `npm run gen`. */
export const publishedContract: Contract = loadContract(new URL('./generated/openapi.json', import.meta.url));
/** The deployed dialect: openapi/deployed/openapi.yaml; its refusals map the published catalogue's codes. */
export const deployedContract: Contract = loadContract(new URL('./generated/deployed.json', import.meta.url), publishedContract);

export function contractFor(dialect: Dialect): Contract {
  return dialect === 'deployed' ? deployedContract : publishedContract;
}

export function isDialect(value: string): value is Dialect {
  return (DIALECTS as readonly string[]).includes(value);
}
