/**
 * Calling one operation of the contract, however the request arrived — over HTTP (mount.ts) or as an entry of a
 * `$batch` bundle. The call goes through the same named steps either way:
 *
 *   authorize (the operation's scopes) → parameters (validated, coerced) → body (validated) → handle
 *
 * Each step either passes or throws an ApiError; nothing here renders a response (render.ts does, once).
 */
import { bearerChallenge } from '../rfc/oauth.js';
import type { Contract } from './contract.js';
import { ApiError, type ErrorCode } from './errors.js';
import { isPublic, scopesAllow, type OperationSpec } from './operations.js';
import type { HandlerRequest, HandlerResponse, RouteTable } from './route-table.js';
import { issueExpression, type ParsedParameters, type ValidationIssue } from './validation.js';

/** A request to one operation, independent of its transport. */
export interface OperationCall {
  /** Path parameters, percent-decoded. */
  path: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  /** The parsed body and the media type it came in; undefined when none was sent. */
  body?: { mediaType: string; value: unknown } | undefined;
  /** The HTTP request, when there is one. */
  raw?: Request;
}

export type AnyHandlerResponse = { status: number; body?: unknown; headers?: Record<string, string | number | undefined>; contentType?: string };

/** Calls an operation; returns what its handler returns (a promise for async handlers), or throws an ApiError. */
export type Invoker<Ctx> = (op: OperationSpec, call: OperationCall, ctx: Ctx) => AnyHandlerResponse | Promise<AnyHandlerResponse>;

export interface InvokeOptions<Ctx> {
  /**
   * The scopes the caller holds. Secured operations (those with a `security` requirement) are refused with 403
   * SCOPE_INSUFFICIENT when none of their scope alternatives is held. Without this option scopes are not checked
   * here (a caller that authorizes by other means).
   */
  grantedScopes?: (ctx: Ctx) => ReadonlySet<string> | undefined;
  /** The realm of the RFC 6750 challenge on a 403. */
  realm?: string;
}

/** The ApiError for validation issues: the first issue's code decides, every issue's text and place is kept. */
export function validationError(issues: ValidationIssue[]): ApiError {
  const [first] = issues;
  const code: ErrorCode = (first?.errorCode as ErrorCode | undefined) ?? (first?.in === 'body' ? 'VALIDATION_ERROR' : 'MALFORMED_REQUEST');
  return new ApiError(code, issues.map((i) => i.message).join(' '), {
    expression: [...new Set(issues.map(issueExpression).filter(Boolean))],
    target: first?.in === 'body' ? 'body' : 'parameters',
    issues,
  });
}

/** Step 1: the token's scopes against the operation's scope alternatives (RFC 6750 §3.1 insufficient_scope). */
function authorize(op: OperationSpec, granted: ReadonlySet<string> | undefined, realm: string | undefined): void {
  if (granted === undefined || isPublic(op) || scopesAllow(op, granted)) return;
  const alternatives = op.security.map((alt) => alt.join(' + ')).join(' or ');
  const held = [...granted].sort().join(', ') || '(none)';
  throw new ApiError('SCOPE_INSUFFICIENT', `Required scope: ${alternatives}. Granted: ${held}`, {
    params: { scope: (op.security[0] ?? []).join("' and '") },
    headers: { 'WWW-Authenticate': bearerChallenge(realm, { error: 'insufficient_scope', scope: (op.security[0] ?? []).join(' ') }) },
  });
}

/** Step 2: path, query and header parameters against the operation's parameters (coerced, defaults applied). */
function parameters(contract: Contract, op: OperationSpec, call: OperationCall): ParsedParameters {
  const { value, issues } = contract.validator.validateParameters(op, { path: call.path, query: call.query, headers: call.headers });
  if (issues.length) throw validationError(issues);
  return value;
}

/** Step 3: the body against the schema of its media type; a required body must be there. */
function body(contract: Contract, op: OperationSpec, call: OperationCall): unknown {
  if (!op.requestBody) return undefined;
  if (!call.body) {
    if (op.requestBody.required) throw new ApiError('MALFORMED_REQUEST', 'A request body is required.');
    return undefined;
  }
  const issues = contract.validator.validateBody(op, call.body.mediaType, call.body.value);
  if (issues.length) throw validationError(issues);
  return call.body.value;
}

/** Binds a route table to its contract: the invoker every transport uses. */
export function createInvoker<Ctx>(contract: Contract, table: RouteTable<Ctx> | Record<string, unknown>, options: InvokeOptions<Ctx> = {}): Invoker<Ctx> {
  const handlers = table as Record<string, (req: HandlerRequest<never>, ctx: Ctx) => AnyHandlerResponse | Promise<AnyHandlerResponse>>;
  return (op, call, ctx) => {
    authorize(op, options.grantedScopes?.(ctx), options.realm);
    const params = parameters(contract, op, call);
    const value = body(contract, op, call);
    const handler = handlers[op.id];
    if (!handler) throw new Error(`operation ${op.id} has no handler`);
    const request = {
      operationId: op.id,
      op,
      params: params.path,
      query: params.query,
      headers: params.header,
      body: value,
      mediaType: call.body?.mediaType,
      raw: call.raw,
    } as unknown as HandlerRequest<never>;
    return handler(request, ctx);
  };
}

/** The handler's answer in the route table's type (handlers are typed per operation; transports are not). */
export type { HandlerResponse };
