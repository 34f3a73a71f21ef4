/**
 * What the server answers before a request reaches the application: an over-long URL (414), too many header
 * bytes (431), and requests Node or the adapter cannot even parse (400). Each is an OperationOutcome with
 * X-API-Version, like every other answer; none is the framework's bare default.
 *
 * Limits: 8 KiB of URL and 16 KiB of header fields are checked here, on a Node parser that accepts up to 64 KiB,
 * so that ordinary oversize requests get a proper answer on a connection that stays usable. Beyond 64 KiB the
 * parser gives up; the answer is then written on the socket directly, and the connection is closed only after
 * the client has been answered and its remaining bytes read (closing with unread data would reset it).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Contract } from '../contract/contract.js';
import { ApiError } from '../contract/errors.js';
import { errorResponse, type RenderOptions } from '../contract/render.js';

export const MAX_URL_BYTES = 8 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;
/** Node's own parser limit: well above ours, so that ours answer first. */
export const NODE_MAX_HEADER_SIZE = 64 * 1024;

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

function headerBytes(headers: Headers): number {
  let n = 0;
  headers.forEach((value, name) => {
    n += name.length + value.length + 4;
  });
  return n;
}

/**
 * What Node read off the socket, when the request came through @hono/node-server: the raw request target and
 * header lines. Sizes measured on them are upper bounds of the parsed ones (percent-encoding only grows a URL
 * up to threefold; joining repeated fields and trimming values only shrinks them), so a request well within the
 * limits on the raw figures needs neither a URL parse nor the adapter's full Headers object (which, once built,
 * also slows every later header lookup).
 */
function rawSizes(env: unknown): { target: number; headers: number } | undefined {
  const incoming = (env as { incoming?: { url?: unknown; rawHeaders?: unknown } } | undefined)?.incoming;
  if (typeof incoming?.url !== 'string' || !Array.isArray(incoming.rawHeaders)) return undefined;
  let headers = 0;
  for (const field of incoming.rawHeaders as string[]) headers += field.length + 2;
  return { target: incoming.url.length, headers };
}

/** The application's fetch behind the URL and header limits. */
export function limitedFetch(contract: Contract, render: RenderOptions, fetch: Fetch): Fetch {
  return (request, env) => {
    const raw = rawSizes(env);
    if (raw && raw.target * 3 <= MAX_URL_BYTES && raw.headers <= MAX_HEADER_BYTES) return fetch(request, env);
    const url = new URL(request.url);
    if (url.pathname.length + url.search.length > MAX_URL_BYTES) {
      return errorResponse(contract, undefined, new ApiError('URI_TOO_LONG', `The request URL is longer than ${MAX_URL_BYTES} bytes.`), render);
    }
    if (headerBytes(request.headers) > MAX_HEADER_BYTES) {
      return errorResponse(contract, undefined, new ApiError('HEADERS_TOO_LARGE', `The request header fields exceed ${MAX_HEADER_BYTES} bytes.`), render);
    }
    return fetch(request, env);
  };
}

/** The adapter's handler for requests it could not turn into a Request (a malformed URL) or that failed. */
export function adapterErrorHandler(contract: Contract, render: RenderOptions): (error: unknown) => Response {
  return (error) => {
    const requestError = error instanceof Error && error.name === 'RequestError';
    const e = requestError ? new ApiError('MALFORMED_REQUEST', 'The request URL or headers could not be parsed.') : error;
    return errorResponse(contract, undefined, e, render);
  };
}

/**
 * Node's `clientError`: a request its HTTP parser refused. Answers in the dialect's error style (rendered where
 * every other error is), then closes once the client is done.
 */
export function clientErrorHandler(
  contract: Contract,
  render: RenderOptions,
): (error: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket) => void {
  return (error, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const refusal =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError('HEADERS_TOO_LARGE', `The request header fields exceed ${MAX_HEADER_BYTES} bytes.`)
        : new ApiError('MALFORMED_REQUEST', 'The request is not well-formed HTTP.');
    const response = errorResponse(contract, undefined, refusal, render);
    void response.text().then((body) => {
      if (!socket.writable) return void socket.destroy();
      const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
      response.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'connection') head.push(`${name}: ${value}`);
      });
      head.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close');
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
      // Read (and drop) what the client is still sending, so that closing does not reset the connection.
      socket.resume();
      setTimeout(() => socket.destroy(), 5_000).unref();
    });
  };
}
