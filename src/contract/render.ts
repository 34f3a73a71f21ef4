/**
 * Where every answer becomes an HTTP response: a handler's result, or a refusal thrown anywhere on the request
 * path. `X-API-Version` is set here and nowhere else. An error is rendered in the style of its contract and
 * operation: an OperationOutcome, an RFC 6749 error body for the published token endpoint (`x-error-style:
 * oauth2`), or — in the deployed dialect (`x-error-style: detail` on the document) — FastAPI's `{"detail": …}`,
 * with contract violations listed one by one at 422. A refusal whose status the operation does not declare is a
 * bug and is answered as a 500, never as an undeclared status.
 */
import type { Contract } from './contract.js';
import { ApiError, OAuthError, oauthErrorBody, operationOutcome, type ErrorCode } from './errors.js';
import type { AnyHandlerResponse } from './invoke.js';
import type { OperationSpec } from './operations.js';
import type { ValidationIssue } from './validation.js';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;
/** Request problems that an RFC 6749 endpoint reports as `invalid_request`. */
const OAUTH_REQUEST_PROBLEMS: ReadonlySet<ErrorCode> = new Set([
  'MALFORMED_REQUEST',
  'VALIDATION_ERROR',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'INVALID_IDENTIFIER',
]);

export interface RenderOptions {
  /** The realm of `WWW-Authenticate` challenges (default `openspp`). */
  realm?: string;
  /** Called with every unexpected error (the client gets a 500 with this error id). */
  onError?: (op: OperationSpec | undefined, error: unknown, errorId: string) => void;
}

/** Response header fields by lower-case name, as a Response takes them without building a Headers object. */
export type HeaderFields = Record<string, string>;

/** Adds `from` to `to` (a later field replaces an earlier one of the same name, whatever its case). */
function addHeaders(to: HeaderFields, from: Headers | Readonly<Record<string, string | number | undefined>> | undefined): void {
  if (!from) return;
  if (from instanceof Headers) from.forEach((v, k) => (to[k] = v));
  else for (const k in from) if (from[k] !== undefined) to[k.toLowerCase()] = String(from[k]);
}

// Plain header records rather than Headers: @hono/node-server writes them straight to the socket, where a
// Headers object is built field by field, sorted and copied out again (measured: ≈5 % of a read).
function json(contract: Contract, status: number, body: unknown, ...headerSets: Array<Headers | Record<string, string> | undefined>): Response {
  const headers: HeaderFields = { 'content-type': 'application/json' };
  for (const set of headerSets) addHeaders(headers, set);
  headers['x-api-version'] = contract.version;
  return new Response(JSON.stringify(body), { status, headers });
}

/** A handler's result as a response (content type from the contract when the result names none). */
export function resultResponse(
  contract: Contract,
  op: OperationSpec,
  result: AnyHandlerResponse,
  extra?: HeaderFields,
): { response: Response; contentType: string | null } {
  const declared = op.responses.get(result.status);
  const contentType = result.contentType ?? (declared ? Object.keys(declared.content)[0] : undefined) ?? null;
  const headers: HeaderFields = { ...extra };
  addHeaders(headers, result.headers);
  headers['x-api-version'] = contract.version;
  let payload: string | null = null;
  if (result.body !== undefined && contentType) {
    headers['content-type'] = contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType;
    payload = typeof result.body === 'string' && !contentType.includes('json') ? result.body : JSON.stringify(result.body);
  }
  return { response: new Response(payload, { status: result.status, headers }), contentType };
}

/** The status an ApiError answers with, by the contract's catalogue. */
export function statusOf(contract: Contract, error: ApiError): number {
  const status = error.status ?? contract.errors[error.code].status;
  if (status === null) throw new Error(`${error.code} has no fixed status and the error names none`);
  return status;
}

/** One contract violation as FastAPI lists it: where (`["body", "identifier", 0]`), what, and a kind. */
function fastApiIssue(issue: ValidationIssue): { loc: Array<string | number>; msg: string; type: string } {
  const place = issue.pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const where = issue.in === 'body' ? ['body'] : [issue.in, ...(issue.name && place[0] !== issue.name ? [issue.name] : [])];
  return { loc: [...where, ...place], msg: issue.message, type: /is required\.?$/.test(issue.message) ? 'missing' : 'value_error' };
}

/** The text a dialect answers with: its catalogue's fixed text for the code (placeholders filled), else the error's own. */
function detailText(contract: Contract, error: ApiError): string {
  const fixed = contract.errors[error.code].detail;
  return fixed ? fixed.replace(/\{(\w+)\}/g, (_, name: string) => error.params[name] ?? '') : error.message;
}

/** An error's status and body in the contract's style. */
function errorBody(contract: Contract, op: OperationSpec | undefined, error: ApiError): { status: number; body: unknown } {
  if (contract.errorStyle === 'operation-outcome') return { status: statusOf(contract, error), body: operationOutcome(contract.errors, error) };
  // FastAPI answers a request that breaks its model or a parameter's type with 422 and the list of problems.
  if (error.issues?.length && (!op || op.responses.has(422))) return { status: 422, body: { detail: error.issues.map(fastApiIssue) } };
  return { status: statusOf(contract, error), body: { detail: detailText(contract, error) } };
}

/** A 500 for something nobody meant to happen, with an id to find it in the logs. */
function unexpected(contract: Contract, op: OperationSpec | undefined, error: unknown, options: RenderOptions, extra?: HeaderFields): Response {
  const errorId = crypto.randomUUID();
  options.onError?.(op, error, errorId);
  const failure = new ApiError('INTERNAL_ERROR', 'An unexpected error occurred. Quote the error id to your administrator.', {
    diagnostics: `Error id: ${errorId}`,
  });
  const body = contract.errorStyle === 'detail' ? { detail: `Internal Server Error (error id ${errorId})` } : operationOutcome(contract.errors, failure);
  return json(contract, 500, body, extra);
}

/**
 * Any thrown value as a response. `op` is the operation the request was for (undefined for a path the contract
 * does not have); `extra` are headers earlier steps added (the caller's remaining quota).
 */
export function errorResponse(contract: Contract, op: OperationSpec | undefined, error: unknown, options: RenderOptions = {}, extra?: HeaderFields): Response {
  if (error instanceof OAuthError) {
    const challenge = error.options.basic ? { 'WWW-Authenticate': `Basic realm="${options.realm ?? 'openspp'}"` } : undefined;
    return json(contract, error.options.basic ? 401 : 400, oauthErrorBody(error.error, error.message), extra, NO_STORE, challenge);
  }
  if (!(error instanceof ApiError)) return unexpected(contract, op, error, options, extra);
  if (op?.errorStyle === 'oauth2' && OAUTH_REQUEST_PROBLEMS.has(error.code)) {
    return json(contract, 400, oauthErrorBody('invalid_request', error.message), extra, NO_STORE, error.headers);
  }
  const { status, body } = errorBody(contract, op, error);
  if (op && !op.responses.has(status)) {
    return unexpected(contract, op, new Error(`${error.code} (${status}) is not a declared answer of ${op.id}: ${error.message}`), options, extra);
  }
  return json(contract, status, body, extra, error.headers);
}
