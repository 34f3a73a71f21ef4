/**
 * Binds a route table to a Hono app: for every operation of the contract, a route that runs the caller's
 * `before` hook (authentication, rate limits), validates the request against the contract, calls the handler
 * and sends what it returns. Requests that break the contract never reach a handler; with `validateResponses`
 * a response that breaks the contract is never sent.
 */
import type { Context, Env, Hono } from 'hono';
import { contract } from './document.js';
import { honoPath, operationIndex, type OperationId, type OperationSpec } from './operations.js';
import { oauthError, operationOutcome, statusOf, type ErrorCode, type IssueInput } from './outcome.js';
import { assertCompleteRouteTable, type HandlerRequest, type HandlerResponse, type RouteTable } from './route-table.js';
import { contractValidator, issueExpression, type ValidationIssue } from './validation.js';

export const API_VERSION = contract.info.version;
export const MAX_BODY_BYTES = 1024 * 1024;

export interface MountOptions<Ctx, E extends Env = Env> {
  /**
   * Runs before validation. Return a Response to answer without calling the handler (401, 403, 429), or nothing
   * to go on. Authentication comes before validation so that an unauthenticated caller learns nothing from 400s.
   */
  before?: (op: OperationSpec, c: Context<E>) => Response | undefined | Promise<Response | undefined>;
  /** Builds the handler context (the authenticated client, the store, ...). */
  context: (c: Context<E>, op: OperationSpec) => Ctx;
  /** Validate every response against the contract; a violation becomes a 500 and is reported. */
  validateResponses?: boolean;
  onContractViolation?: (op: OperationSpec, status: number, issues: ValidationIssue[]) => void;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Called with unexpected handler errors (the client gets a 500 with an error id). */
  onError?: (op: OperationSpec, error: unknown, errorId: string) => void;
}

/** An OperationOutcome error response with the contract's status for the code. */
export function outcomeResponse(first: IssueInput, more: IssueInput[] = [], headers: Record<string, string> = {}, status?: number): Response {
  return jsonResponse(status ?? statusOf(first.code), operationOutcome(first, ...more), headers);
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'X-API-Version': API_VERSION, ...headers },
  });
}

/** Request-level problems rendered in the style of the operation (OperationOutcome, or RFC 6749 for the token endpoint). */
function requestError(op: OperationSpec, code: ErrorCode, text: string, expression: string[] = []): Response {
  if (op.errorStyle === 'oauth2') {
    return jsonResponse(400, oauthError('invalid_request', text), { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }
  return outcomeResponse({ code, text, expression });
}

function issuesResponse(op: OperationSpec, issues: ValidationIssue[]): Response {
  const [first] = issues;
  const code: ErrorCode = (first?.errorCode as ErrorCode | undefined) ?? (first?.in === 'body' ? 'VALIDATION_ERROR' : 'MALFORMED_REQUEST');
  const text = issues.map((i) => i.message).join(' ');
  if (op.errorStyle === 'oauth2') return requestError(op, code, text);
  const exprs = issues.map(issueExpression).filter(Boolean);
  return outcomeResponse({ code, text, expression: [...new Set(exprs)] });
}

function mediaTypeOf(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * Reads at most `limit` bytes; undefined when the body is larger. A body with a Content-Length within the limit
 * is read through @hono/node-server's direct path (much faster than a Web stream); a chunked one is streamed
 * and cut off at the limit.
 */
async function readLimited(req: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = req.headers.get('content-length');
  if (declared !== null) {
    if (Number(declared) > limit) return undefined;
    return new Uint8Array(await req.arrayBuffer());
  }
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Form fields as an object; a repeated field becomes an array, which the schema then rejects. */
function formToObject(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

type BodyResult = { ok: true; body: unknown; mediaType: string | undefined } | { ok: false; response: Response };

async function readBody<E extends Env>(op: OperationSpec, c: Context<E>, maxBytes: number): Promise<BodyResult> {
  const spec = op.requestBody;
  // Checked first: touching c.req.raw makes @hono/node-server build a full Request (15% of a GET's cost).
  if (!spec) return { ok: true, body: undefined, mediaType: undefined };
  const raw = c.req.raw;
  const contentLength = raw.headers.get('content-length');
  // In-process requests (tests, app.request) may carry a body with neither header, so look at the stream last.
  const hasBody = contentLength !== null ? contentLength !== '0' : raw.headers.has('transfer-encoding') || raw.body !== null;
  if (!hasBody) {
    if (!spec.required) return { ok: true, body: undefined, mediaType: undefined };
    return { ok: false, response: requestError(op, 'MALFORMED_REQUEST', 'A request body is required.') };
  }
  const mediaType = mediaTypeOf(raw.headers.get('content-type') ?? undefined);
  const accepted = Object.keys(spec.content);
  if (!mediaType || !accepted.includes(mediaType)) {
    const text = `Content-Type ${mediaType ?? '(none)'} is not supported; send ${accepted.join(' or ')}.`;
    if (op.errorStyle === 'oauth2') return { ok: false, response: requestError(op, 'UNSUPPORTED_MEDIA_TYPE', text) };
    return { ok: false, response: outcomeResponse({ code: 'UNSUPPORTED_MEDIA_TYPE', text }) };
  }
  const bytes = await readLimited(raw, maxBytes);
  if (!bytes) {
    const text = `The request body exceeds the limit of ${maxBytes} bytes.`;
    if (op.errorStyle === 'oauth2') return { ok: false, response: requestError(op, 'PAYLOAD_TOO_LARGE', text) };
    return { ok: false, response: outcomeResponse({ code: 'PAYLOAD_TOO_LARGE', text }) };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, response: requestError(op, 'MALFORMED_REQUEST', 'The request body is not valid UTF-8.') };
  }
  let body: unknown;
  if (mediaType === 'application/x-www-form-urlencoded') {
    body = formToObject(text);
  } else {
    try {
      body = JSON.parse(text);
    } catch (e) {
      return { ok: false, response: requestError(op, 'MALFORMED_REQUEST', `The request body is not valid JSON: ${(e as Error).message}.`) };
    }
  }
  const issues = contractValidator.validateBody(op, mediaType, body);
  if (issues.length) return { ok: false, response: issuesResponse(op, issues) };
  return { ok: true, body, mediaType };
}

function toResponse(op: OperationSpec, result: HandlerResponse<OperationId>): { response: Response; body: unknown; contentType: string | null } {
  const declared = op.responses.get(result.status);
  const contentType = result.contentType ?? (declared ? Object.keys(declared.content)[0] : undefined) ?? null;
  const headers = new Headers({ 'X-API-Version': API_VERSION });
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined) headers.set(name, String(value));
  }
  let payload: string | null = null;
  if (result.body !== undefined && contentType) {
    headers.set('Content-Type', contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType);
    payload = typeof result.body === 'string' && !contentType.includes('json') ? result.body : JSON.stringify(result.body);
  }
  return { response: new Response(payload, { status: result.status, headers }), body: result.body, contentType };
}

/**
 * Registers one route per operation. The table must cover the contract exactly: a missing handler or a handler
 * for no operation stops the mount (and so the server start) with the list of differences.
 */
export function mountOperations<Ctx, E extends Env = Env>(app: Hono<E>, table: RouteTable<Ctx>, options: MountOptions<Ctx, E>): void {
  assertCompleteRouteTable(table);
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  for (const op of operationIndex.values()) {
    const handler = table[op.id] as unknown as (
      req: HandlerRequest<OperationId>,
      ctx: Ctx,
    ) => HandlerResponse<OperationId> | Promise<HandlerResponse<OperationId>>;
    app.on(op.method, honoPath(op), async (c) => {
      try {
        const early = await options.before?.(op, c);
        if (early) return early;
        const url = new URL(c.req.url);
        const params = contractValidator.validateParameters(op, {
          path: c.req.param(),
          query: url.searchParams,
          headers: c.req.raw.headers,
        });
        if (!params.ok) return issuesResponse(op, params.issues);
        const body = await readBody(op, c, maxBytes);
        if (!body.ok) return body.response;
        const req = {
          operationId: op.id,
          params: params.value.path,
          query: params.value.query,
          headers: params.value.header,
          body: body.body,
          mediaType: body.mediaType,
          raw: c.req.raw,
        } as unknown as HandlerRequest<OperationId>;
        const result = await handler(req, options.context(c, op));
        const { response, body: sent, contentType } = toResponse(op, result);
        if (options.validateResponses) {
          const declared = op.responses.get(response.status)?.headers ?? {};
          const undeclared = Object.keys(result.headers ?? {}).filter((h) => !(h in declared));
          const issues = [
            ...undeclared.map((name) => ({
              in: 'header' as const,
              name,
              pointer: '',
              message: `header ${name} is not declared for ${op.id} ${response.status}`,
            })),
            ...contractValidator.validateResponse(op, { status: response.status, headers: response.headers, contentType, body: sent }),
          ];
          if (issues.length) {
            options.onContractViolation?.(op, response.status, issues);
            return outcomeResponse({
              code: 'INTERNAL_ERROR',
              text: 'The server produced a response that breaks its contract.',
              diagnostics: issues.map((i) => i.message).join('; '),
            });
          }
        }
        return response;
      } catch (error) {
        const errorId = crypto.randomUUID();
        options.onError?.(op, error, errorId);
        return outcomeResponse({
          code: 'INTERNAL_ERROR',
          text: 'An unexpected error occurred. Quote the error id to your administrator.',
          diagnostics: `Error id: ${errorId}`,
        });
      }
    });
  }
}
