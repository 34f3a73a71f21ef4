/**
 * The HTTP edge of a contract: one Hono route per operation. Every request takes the same short path —
 *
 *   edge steps (authentication, rate limits) → read the body → invoke (scopes, validation, handler) → render
 *
 * — in one loop with one error handler: any step refuses by throwing an ApiError (or OAuthError), and
 * render.ts turns whatever was thrown into the response. With `validateResponses` a response that breaks the
 * contract is never sent.
 */
import type { Context, Env, Hono } from 'hono';
import { publishedContract, type Contract } from './contract.js';
import { ApiError } from './errors.js';
import { createInvoker, type InvokeOptions, type Invoker, type OperationCall } from './invoke.js';
import { honoPath, type OperationSpec } from './operations.js';
import { errorResponse, resultResponse, type HeaderFields, type RenderOptions } from './render.js';
import { assertCompleteRouteTable, type RouteTable } from './route-table.js';
import type { ValidationIssue } from './validation.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** What an edge step sees: the operation, the Hono context, and headers to add to whatever answer is given. */
export interface EdgeExchange<E extends Env = Env> {
  op: OperationSpec;
  c: Context<E>;
  /** Added to the response, success or refusal (e.g. the caller's remaining quota); names in lower case. */
  headers: HeaderFields;
}

/** A step before the operation is invoked. Refuses by throwing; passes by returning. */
export type EdgeStep<E extends Env = Env> = (x: EdgeExchange<E>) => void | Promise<void>;

export interface MountOptions<Ctx, E extends Env = Env> extends InvokeOptions<Ctx>, RenderOptions {
  /** The contract to serve (default: the published one). */
  contract?: Contract;
  /**
   * The edge steps of an operation, in order. Authentication comes before validation so that an unauthenticated
   * caller learns nothing from 400s.
   */
  edge?: (op: OperationSpec) => ReadonlyArray<EdgeStep<E>>;
  /** Builds the handler context (the authenticated client, the store…); receives the invoker for nested calls. */
  context: (c: Context<E>, op: OperationSpec, invoke: Invoker<Ctx>) => Ctx;
  /** Validate every response against the contract; a violation becomes a 500 and is reported. */
  validateResponses?: boolean;
  onContractViolation?: (op: OperationSpec, status: number, issues: ValidationIssue[]) => void;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

function mediaTypeOf(header: string | null): string | undefined {
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

/** The HTTP body as a value: media type accepted (415), size within the limit (413), UTF-8 and parseable (400). */
async function readBody(op: OperationSpec, raw: Request, maxBytes: number): Promise<OperationCall['body']> {
  const contentLength = raw.headers.get('content-length');
  // In-process requests (tests, app.request) may carry a body with neither header, so look at the stream last.
  const hasBody = contentLength !== null ? contentLength !== '0' : raw.headers.has('transfer-encoding') || raw.body !== null;
  if (!hasBody) return undefined;
  const mediaType = mediaTypeOf(raw.headers.get('content-type'));
  const accepted = Object.keys(op.requestBody!.content);
  if (!mediaType || !accepted.includes(mediaType)) {
    const shown = mediaType === undefined ? '(none)' : /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(mediaType) ? mediaType : '(not a media type)';
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${shown} is not supported; send ${accepted.join(' or ')}.`);
  }
  const bytes = await readLimited(raw, maxBytes);
  if (!bytes) throw new ApiError('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${maxBytes} bytes.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError('MALFORMED_REQUEST', 'The request body is not valid UTF-8.');
  }
  if (mediaType === 'application/x-www-form-urlencoded') return { mediaType, value: formToObject(text) };
  try {
    return { mediaType, value: JSON.parse(text) as unknown };
  } catch (e) {
    // The parser's message quotes the body; the answer names the place only (a body may hold a secret).
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    const text = `The request body is not valid JSON${at ? ` (at character ${Number(at) + 1})` : ''}.`;
    throw new ApiError('MALFORMED_REQUEST', text, { issues: [{ in: 'body', pointer: '', message: text }] });
  }
}

/** The operation call of an HTTP request. Touches the full Request only when the operation takes a body. */
async function httpCall<E extends Env>(op: OperationSpec, c: Context<E>, maxBytes: number): Promise<OperationCall> {
  const url = new URL(c.req.url);
  // Checked first: touching c.req.raw makes @hono/node-server build a full Request (15% of a GET's cost).
  const body = op.requestBody ? await readBody(op, c.req.raw, maxBytes) : undefined;
  return { path: c.req.param(), query: url.searchParams, headers: c.req.raw.headers, body, raw: c.req.raw };
}

/**
 * Registers one route per operation. The table must cover the contract exactly: a missing handler or a handler
 * for no operation stops the mount (and so the server start) with the list of differences.
 */
export function mountOperations<Ctx, E extends Env = Env>(
  app: Hono<E>,
  table: RouteTable<Ctx> | Record<string, unknown>,
  options: MountOptions<Ctx, E>,
): Invoker<Ctx> {
  const contract = options.contract ?? publishedContract;
  assertCompleteRouteTable(table, contract);
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const invoke = createInvoker(contract, table, options);
  for (const op of contract.operations.values()) {
    const edge = options.edge?.(op) ?? [];
    app.on(op.method, honoPath(op), async (c) => {
      const headers: HeaderFields = {};
      try {
        for (const step of edge) await step({ op, c, headers });
        const call = await httpCall(op, c, maxBytes);
        const result = await invoke(op, call, options.context(c, op, invoke));
        const { response, contentType } = resultResponse(contract, op, result, headers);
        if (!options.validateResponses) return response;
        return checkedResponse(contract, op, result, response, contentType, options);
      } catch (error) {
        return errorResponse(contract, op, error, options, headers);
      }
    });
  }
  return invoke;
}

/** The response, or a 500 when it breaks the contract (undeclared status, header or body). */
function checkedResponse<Ctx, E extends Env>(
  contract: Contract,
  op: OperationSpec,
  result: { headers?: Record<string, unknown>; body?: unknown },
  response: Response,
  contentType: string | null,
  options: MountOptions<Ctx, E>,
): Response {
  const declared = op.responses.get(response.status)?.headers ?? {};
  const undeclared = Object.keys(result.headers ?? {}).filter((h) => !(h in declared));
  const issues: ValidationIssue[] = [
    ...undeclared.map((name) => ({ in: 'header' as const, name, pointer: '', message: `header ${name} is not declared for ${op.id} ${response.status}` })),
    ...contract.validator.validateResponse(op, { status: response.status, headers: response.headers, contentType, body: result.body }),
  ];
  if (!issues.length) return response;
  options.onContractViolation?.(op, response.status, issues);
  const error = new ApiError('INTERNAL_ERROR', 'The server produced a response that breaks its contract.', {
    diagnostics: issues.map((i) => i.message).join('; '),
  });
  return errorResponse(contract, op, error, options);
}
