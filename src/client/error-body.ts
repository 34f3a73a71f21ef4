/**
 * Reading an error body of either dialect: the published dialect's OperationOutcome (with a `urn:openspp:error`
 * code), or the deployed dialect's FastAPI `{"detail": …}` — a text, a list of problems (422), or an
 * OperationOutcome (a failed `$batch` transaction). The shape tells them apart, so the client needs no dialect here:
 * an error body read by the wrong assumption would lose exactly the text a person needs.
 */
import type { components as DeployedComponents } from '../contract/generated/deployed-types.js';
import type { ErrorCode, OperationOutcome } from './contract-types.js';

/** The `detail` of a deployed-dialect error: a text, FastAPI's list of problems, or a `$batch` OperationOutcome. */
export type ErrorDetail = DeployedComponents['schemas']['ValidationErrorList']['detail'] | DeployedComponents['schemas']['TransactionFailure']['detail'];

/** One problem of a FastAPI 422 list. */
export type ValidationProblem = Extract<ErrorDetail, readonly unknown[]>[number];

/** What an error body says, whichever dialect wrote it. */
export interface ErrorSummary {
  /** The body, when it was a (published) OperationOutcome. */
  outcome: OperationOutcome | undefined;
  /** The body's `detail`, when it was a deployed-dialect `{"detail": …}`. */
  detail: ErrorDetail | undefined;
  /** The first `urn:openspp:error` code (published bodies only: the deployed dialect sends none). */
  code: ErrorCode | undefined;
  /** The text for people, undefined when the body was neither format. */
  text: string | undefined;
}

/** True when a parsed body looks like the published contract's OperationOutcome. */
export function isOperationOutcome(body: unknown): body is OperationOutcome {
  return isObject(body) && body.resourceType === 'OperationOutcome' && Array.isArray(body.issue);
}

/** True when a parsed body is a `{"detail": …}` of the deployed dialect. */
export function isDetailBody(body: unknown): body is { detail: ErrorDetail } {
  if (!isObject(body) || !('detail' in body)) return false;
  const { detail } = body;
  return typeof detail === 'string' || (Array.isArray(detail) && detail.every(isProblem)) || isOperationOutcome(detail);
}

/** The first `urn:openspp:error` code of an OperationOutcome, and its text (`details.text`, else `diagnostics`). */
export function outcomeSummary(outcome: OperationOutcome): { code: ErrorCode | undefined; text: string | undefined } {
  for (const issue of outcome.issue) {
    const coding = issue.details?.coding?.find((c) => c.system === 'urn:openspp:error');
    if (coding) return { code: coding.code, text: issue.details.text };
  }
  // The deployed dialect's OperationOutcome (inside a failed `$batch`) has no coding; its text is `diagnostics`.
  const first = outcome.issue[0] as { details?: { text?: string } | null; diagnostics?: string | null } | undefined;
  return { code: undefined, text: first?.details?.text ?? first?.diagnostics ?? undefined };
}

/** `query._count: Input should be less than or equal to 100; body.identifier: Field required` */
export function problemsText(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; ');
}

/** What an error body says (see ErrorSummary); everything undefined for a body of neither format. */
export function summarizeErrorBody(body: unknown): ErrorSummary {
  if (isOperationOutcome(body)) return { outcome: body, detail: undefined, ...outcomeSummary(body) };
  if (!isDetailBody(body)) return { outcome: undefined, detail: undefined, code: undefined, text: undefined };
  const { detail } = body;
  if (typeof detail === 'string') return { outcome: undefined, detail, code: undefined, text: detail };
  if (Array.isArray(detail)) return { outcome: undefined, detail, code: undefined, text: problemsText(detail) };
  return { outcome: undefined, detail, code: undefined, text: outcomeSummary(detail as unknown as OperationOutcome).text };
}

function isProblem(value: unknown): value is ValidationProblem {
  return isObject(value) && Array.isArray(value.loc) && typeof value.msg === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
