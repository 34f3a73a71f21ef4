/**
 * How the API fails: one typed error, `ApiError`, carrying the contract's `urn:openspp:error` code; one for the
 * token endpoint, `OAuthError`, carrying an RFC 6749 §5.2 error code. Everything that can refuse a request —
 * validation, authentication, scopes, the registry — throws one of them; they are turned into responses in one
 * place (render.ts), where the contract decides the status and the operation decides the body's style.
 *
 * The catalogue (status, FHIR issue type and display of every code) is read from the contract
 * (`ErrorCode.x-codes`), never restated here.
 */
import { toOAuthText } from '../rfc/oauth.js';
import type { OpenApiDocument } from './document.js';
import type { components } from './generated/types.js';
import type { ValidationIssue } from './validation.js';

export type OperationOutcome = components['schemas']['OperationOutcome'];
export type OperationOutcomeIssue = components['schemas']['OperationOutcomeIssue'];
export type ErrorCode = components['schemas']['ErrorCode'];
export type OAuthErrorBody = components['schemas']['OAuthError'];
export type OAuthErrorCode = OAuthErrorBody['error'];

export interface ErrorCodeDefinition {
  /** HTTP status; null where it is the status of something else (a failed transaction entry). */
  status: number | null;
  issue: OperationOutcomeIssue['code'];
  display: string;
  /**
   * The fixed text a dialect answers with instead of the error's own (`{name}` filled from the error's
   * params), where the dialect's clients see one text for several causes (`Access denied`).
   */
  detail?: string;
}

export type ErrorCatalogue = Readonly<Record<ErrorCode, ErrorCodeDefinition>>;

/** The engine's vocabulary of refusals: the published contract's `ErrorCode` schema and its `x-codes`. */
const ENGINE_CODES = (doc: OpenApiDocument) =>
  doc.components.schemas.ErrorCode as { enum: ErrorCode[]; 'x-codes': Record<string, ErrorCodeDefinition> } | undefined;

/**
 * The error catalogue of a document, checked complete: its `ErrorCode` schema's `x-codes` (the published
 * dialect, whose codes are on the wire), or its root `x-error-codes` (a dialect that keeps the codes internal and
 * says only which status and text each one answers with), over the engine's definitions in `base`.
 */
export function errorCatalogue(doc: OpenApiDocument, base?: ErrorCatalogue): ErrorCatalogue {
  const own = ENGINE_CODES(doc);
  if (own) {
    for (const code of own.enum) if (!own['x-codes'][code]) throw new Error(`ErrorCode ${code} has no x-codes entry`);
    return own['x-codes'] as ErrorCatalogue;
  }
  const overrides = doc['x-error-codes'] as Record<string, Partial<ErrorCodeDefinition>> | undefined;
  if (!overrides || !base) throw new Error(`${doc.info.title} has neither an ErrorCode schema nor x-error-codes`);
  const missing = Object.keys(base).filter((code) => !overrides[code]);
  if (missing.length) throw new Error(`x-error-codes of ${doc.info.title} lacks ${missing.join(', ')}`);
  return Object.fromEntries(Object.entries(base).map(([code, def]) => [code, { ...def, ...overrides[code] }])) as ErrorCatalogue;
}

export interface ApiErrorOptions {
  /** Where in the request the problem is (`birthDate`, `identifier[0].value`, a parameter name). */
  expression?: string[] | string;
  diagnostics?: string;
  /** Response headers the refusal needs (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  headers?: Record<string, string>;
  /** Further issues after the first (a failed transaction names the entry's own error). */
  more?: ApiError[];
  /** For codes without a fixed status (TRANSACTION_FAILED): the status to answer with. */
  status?: number;
  /** What `expression` names: request parameters (by name), or fields of the body (the default for writes). */
  target?: 'parameters' | 'body';
  /** Values a dialect's fixed text may name (`{scope}`). */
  params?: Record<string, string>;
  /** The contract violations this error reports, when it reports some (a dialect may list them one by one). */
  issues?: readonly ValidationIssue[];
}

/** A refusal the contract describes: its code decides the status; its text is for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly expression: string[] | undefined;
  readonly diagnostics: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly more: readonly ApiError[];
  readonly status: number | undefined;
  readonly target: 'parameters' | 'body' | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly issues: readonly ValidationIssue[] | undefined;

  constructor(
    readonly code: ErrorCode,
    text: string,
    options: ApiErrorOptions = {},
  ) {
    super(text);
    const e = options.expression;
    this.expression = e === undefined ? undefined : (Array.isArray(e) ? e : [e]).filter(Boolean);
    if (this.expression?.length === 0) this.expression = undefined;
    this.diagnostics = options.diagnostics;
    this.headers = options.headers ?? {};
    this.more = options.more ?? [];
    this.status = options.status;
    this.target = options.target;
    this.params = options.params ?? {};
    this.issues = options.issues;
  }

  get text(): string {
    return this.message;
  }

  /** The same error with more response headers (a challenge added by the layer that knows it). */
  withHeaders(headers: Record<string, string>): ApiError {
    return new ApiError(this.code, this.message, { ...this.options(), headers: { ...this.headers, ...headers } });
  }

  /** The same error with its expressions moved under a prefix (`entry[2].resource.` inside a bundle). */
  relocated(map: (expression: string) => string): ApiError {
    return new ApiError(this.code, this.message, { ...this.options(), ...(this.expression ? { expression: this.expression.map(map) } : {}) });
  }

  private options(): ApiErrorOptions {
    return {
      ...(this.expression ? { expression: this.expression } : {}),
      ...(this.diagnostics ? { diagnostics: this.diagnostics } : {}),
      headers: { ...this.headers },
      more: [...this.more],
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.target ? { target: this.target } : {}),
      params: { ...this.params },
      ...(this.issues ? { issues: this.issues } : {}),
    };
  }
}

/** A token-endpoint refusal (RFC 6749 §5.2). `basic`: the client tried HTTP Basic, so the answer is 401 + challenge. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    readonly options: { basic?: boolean } = {},
  ) {
    super(description);
  }
}

/** One OperationOutcome issue for an error, from the catalogue. */
export function outcomeIssue(catalogue: ErrorCatalogue, error: ApiError): OperationOutcomeIssue {
  const def = catalogue[error.code];
  return {
    severity: def.issue === 'exception' ? 'fatal' : 'error',
    code: def.issue,
    details: {
      coding: [{ system: 'urn:openspp:error', code: error.code, display: def.display }],
      text: error.message,
    },
    ...(error.diagnostics ? { diagnostics: error.diagnostics } : {}),
    ...(error.expression?.length ? { expression: error.expression } : {}),
  };
}

/** The OperationOutcome of an error: its own issue, then one per `more`. */
export function operationOutcome(catalogue: ErrorCatalogue, error: ApiError): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [error, ...error.more].map((e) => outcomeIssue(catalogue, e)) };
}

/** An RFC 6749 §5.2 error body; the description is cut to the characters §5.2 allows. */
export function oauthErrorBody(error: OAuthErrorCode, description: string): OAuthErrorBody {
  return { error, error_description: toOAuthText(description) };
}
