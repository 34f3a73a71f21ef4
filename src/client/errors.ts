/**
 * The two errors the client throws. Both carry plain data only (no Request, Response or headers), and every
 * message passes through `redact`, so that neither a client secret nor a whole access token can reach a log
 * through an exception — even when a server echoes one back.
 */
import { retryAfterSeconds as retryAfter } from '../rfc/http.js';
import { redact } from '../rfc/secrets.js';
import type { ErrorCode, OAuthErrorCode, OperationOutcome } from './contract-types.js';

export { maskToken, redact } from '../rfc/secrets.js';

/** A copy of an OperationOutcome with `redact` applied to every string in it (a server may echo a token). */
export function redactOutcome(outcome: OperationOutcome): OperationOutcome {
  return JSON.parse(JSON.stringify(outcome), (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value)) as OperationOutcome;
}

/** True when a parsed body looks like the contract's OperationOutcome. */
export function isOperationOutcome(body: unknown): body is OperationOutcome {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === 'OperationOutcome' &&
    Array.isArray((body as { issue?: unknown }).issue)
  );
}

/** The first `urn:openspp:error` code of an OperationOutcome, and its `details.text`. */
export function outcomeSummary(outcome: OperationOutcome): { code: ErrorCode | undefined; text: string | undefined } {
  for (const issue of outcome.issue) {
    const coding = issue.details?.coding?.find((c) => c.system === 'urn:openspp:error');
    if (coding) return { code: coding.code, text: issue.details.text };
  }
  return { code: undefined, text: outcome.issue[0]?.details?.text };
}

/** `Retry-After` in whole seconds (delay-seconds or an HTTP-date), or undefined. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  return retryAfter(headers.get('retry-after'));
}

export interface SppApiErrorInit {
  status: number;
  statusText?: string;
  /** The parsed error body; an OperationOutcome for every API operation of the contract. */
  body: unknown;
  headers?: Headers;
  /** HTTP method, e.g. `GET`. */
  method?: string;
  /** The operation's path as the contract writes it, e.g. `/Individual/{identifier}` (never the concrete URL, which may carry personal identifiers). */
  path?: string;
}

/** A non-2xx answer of an API operation, with the contract's OperationOutcome and its first error code. */
export class SppApiError extends Error {
  override readonly name = 'SppApiError';
  readonly status: number;
  /** The OperationOutcome, when the body was one (its strings redacted like the message). */
  readonly outcome: OperationOutcome | undefined;
  /** The first `urn:openspp:error` code of the outcome. */
  readonly code: ErrorCode | undefined;
  /** `details.text` of that issue, or a description of the status when the body was not an OperationOutcome. */
  readonly text: string;
  readonly method: string | undefined;
  readonly path: string | undefined;
  /** Seconds the server asked to wait (`Retry-After`), on 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: SppApiErrorInit) {
    const outcome = isOperationOutcome(init.body) ? redactOutcome(init.body) : undefined;
    const summary = outcome ? outcomeSummary(outcome) : { code: undefined, text: undefined };
    const text = redact(summary.text ?? `HTTP ${init.status}${init.statusText ? ` ${init.statusText}` : ''}; the body is not an OperationOutcome`);
    const where = init.method && init.path ? `${init.method} ${init.path}` : 'API request';
    super(`${where} answered ${init.status}${summary.code ? ` ${summary.code}` : ''}: ${text}`);
    this.status = init.status;
    this.outcome = outcome;
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
  /** The RFC 6749 §5.2 `error`, when the endpoint answered with an OAuth error body. */
  error?: OAuthErrorCode | undefined;
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

/** The token endpoint refused or failed: RFC 6749 `error` and `error_description`, or the reason it could not be asked. */
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
