/**
 * The two errors the client throws. Both carry plain data only (no Request, Response or headers), and every
 * message passes through `redact`, so that neither a client secret nor a whole access token can reach a log
 * through an exception — even when a server echoes one back.
 */
import { retryAfterSeconds as retryAfter } from '../rfc/http.js';
import { redact } from '../rfc/secrets.js';
import type { ErrorCode, OAuthErrorCode, OperationOutcome } from './contract-types.js';
import { summarizeErrorBody, type ErrorDetail } from './error-body.js';

export { maskToken, redact } from '../rfc/secrets.js';

/** A copy of a parsed body with `redact` applied to every string in it (a server may echo a token). */
export function redactStrings<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v)) as T;
}

/** A copy of an OperationOutcome with `redact` applied to every string in it. */
export function redactOutcome(outcome: OperationOutcome): OperationOutcome {
  return redactStrings(outcome);
}

/** `Retry-After` in whole seconds (delay-seconds or an HTTP-date), or undefined. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  return retryAfter(headers.get('retry-after'));
}

export interface SppApiErrorInit {
  status: number;
  statusText?: string;
  /** The parsed error body: an OperationOutcome (published dialect) or a `{"detail": …}` (deployed dialect). */
  body: unknown;
  headers?: Headers;
  /** HTTP method, e.g. `GET`. */
  method?: string;
  /** The operation's path as the contract writes it, e.g. `/Individual/{identifier}` (never the concrete URL, which may carry personal identifiers). */
  path?: string;
}

/**
 * A non-2xx answer of an API operation: its status, and what the body says in either dialect — the published
 * OperationOutcome with its first error code, or the deployed `{"detail": …}` (a text, FastAPI's 422 list of
 * problems, or a `$batch` OperationOutcome).
 */
export class SppApiError extends Error {
  override readonly name = 'SppApiError';
  readonly status: number;
  /** The OperationOutcome, when the body was one (its strings redacted like the message). */
  readonly outcome: OperationOutcome | undefined;
  /** The `detail` of a deployed-dialect body (redacted like the message); an array for a 422 list of problems. */
  readonly detail: ErrorDetail | undefined;
  /** The first `urn:openspp:error` code of the outcome (the deployed dialect sends none). */
  readonly code: ErrorCode | undefined;
  /** `details.text` of that issue, the `detail` text (a 422 list as `loc: msg; …`), or a description of the status. */
  readonly text: string;
  readonly method: string | undefined;
  readonly path: string | undefined;
  /** Seconds the server asked to wait (`Retry-After`), on 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: SppApiErrorInit) {
    const summary = summarizeErrorBody(init.body);
    const text = redact(
      summary.text ?? `HTTP ${init.status}${init.statusText ? ` ${init.statusText}` : ''}; the body is neither an OperationOutcome nor a {"detail"} body`,
    );
    const where = init.method && init.path ? `${init.method} ${init.path}` : 'API request';
    super(`${where} answered ${init.status}${summary.code ? ` ${summary.code}` : ''}: ${text}`);
    this.status = init.status;
    this.outcome = summary.outcome && redactOutcome(summary.outcome);
    this.detail = summary.detail === undefined ? undefined : redactStrings(summary.detail);
    this.code = summary.code;
    this.text = text;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterSeconds = init.headers ? retryAfterSeconds(init.headers) : undefined;
  }
}

export interface OAuthTokenErrorInit {
  /** HTTP status; 0 when the token endpoint could not be reached. */
  status: number;
  /** The RFC 6749 §5.2 `error`, when the endpoint answered with an OAuth error body (the deployed dialect sends none). */
  error?: OAuthErrorCode | undefined;
  /** `error_description`, the OperationOutcome's text, or the deployed dialect's `detail`. */
  description?: string | undefined;
  /** The `urn:openspp:error` code, when the endpoint answered with an OperationOutcome (429, 500). */
  code?: ErrorCode | undefined;
  retryAfterSeconds?: number | undefined;
  /** Where the token was requested (shown without query or user info). */
  tokenUrl: string;
  /** Values that must never appear in the message (the client secret). */
  secrets: readonly string[];
  cause?: unknown;
}

/**
 * The token endpoint refused or failed: RFC 6749 `error` and `error_description` (published dialect), the
 * `{"detail"}` text with its 400 or 401 (deployed dialect), or the reason it could not be asked.
 */
export class OAuthTokenError extends Error {
  override readonly name = 'OAuthTokenError';
  readonly status: number;
  readonly error: OAuthErrorCode | undefined;
  readonly description: string | undefined;
  readonly code: ErrorCode | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: OAuthTokenErrorInit) {
    const description = init.description === undefined ? undefined : redact(init.description, init.secrets);
    const what = [init.error ?? init.code, description].filter(Boolean).join(': ');
    const outcome = init.status === 0 ? `could not be sent${what ? `: ${what}` : ''}` : `answered ${init.status}${what ? ` ${what}` : ''}`;
    super(`Token request to ${displayUrl(init.tokenUrl)} ${outcome}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.error = init.error;
    this.description = description;
    this.code = init.code;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** A URL without user info, query or fragment: the parts that may hold credentials. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid token URL)';
  }
}
