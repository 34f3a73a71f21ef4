/**
 * The request log: one line per request — time, client id, method, path, status, milliseconds — as text for a
 * person (`pretty`) or one JSON object per line for a log shipper (`json`).
 *
 * What it never holds: the query string (OpenCRVS-style deployments take credentials there, and searches carry
 * personal data), any header, any body. The path is passed through `redact`, so a token pasted into a URL is
 * masked. The client id is the one the server verified (a valid token, or a token request that authenticated),
 * never the one a request merely claimed; `-` otherwise.
 */
import { redact } from '../rfc/secrets.js';

export const LOG_FORMATS = ['pretty', 'json', 'off'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RequestLogEntry {
  /** When the answer was ready (ISO 8601, UTC). */
  time: string;
  /** The verified client, or undefined for public operations and refused requests. */
  clientId: string | undefined;
  method: string;
  /** The URL path without the query string, credentials masked. */
  path: string;
  status: number;
  /** Milliseconds from receiving the request to having its answer (the body may still be streaming). */
  ms: number;
}

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

// Which client a request turned out to be; filled by the authentication steps (app.ts, the token endpoint).
const verifiedClients = new WeakMap<Request, string>();

/** Records the client a request authenticated as, for its log line. */
export function identifyClient(request: Request, clientId: string): void {
  verifiedClients.set(request, clientId);
}

/** A URL's path for the log: no query, no fragment, anything JWT-shaped masked. */
export function loggedPath(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/s, '');
  return redact(path || '/');
}

/** One log line in the given format (`off` is not a format to write in). */
export function formatEntry(entry: RequestLogEntry, format: Exclude<LogFormat, 'off'>): string {
  if (format === 'json') return JSON.stringify({ ...entry, clientId: entry.clientId ?? null });
  const ms = entry.ms < 10 ? entry.ms.toFixed(1) : String(Math.round(entry.ms));
  return `${entry.time.slice(11, 23)}  ${(entry.clientId ?? '-').padEnd(18)} ${entry.method.padEnd(6)} ${entry.path}  ${entry.status}  ${ms} ms`;
}

/** The application's fetch, reporting each request once its answer is ready. */
export function withRequestLog(fetch: Fetch, onEntry: (entry: RequestLogEntry) => void): Fetch {
  return async (request, env) => {
    const started = performance.now();
    const response = await fetch(request, env);
    onEntry({
      time: new Date().toISOString(),
      clientId: verifiedClients.get(request),
      method: request.method,
      path: loggedPath(request.url),
      status: response.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return response;
  };
}
