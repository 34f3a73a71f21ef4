/**
 * OperationOutcome and OAuth error bodies, built from the contract's error catalogue (`ErrorCode.x-codes`):
 * the status, FHIR issue type and display of each `urn:openspp:error` code are read from there.
 */
import { toOAuthText } from '../rfc/oauth.js';
import { contract } from './document.js';
import type { components } from './generated/types.js';

export type OperationOutcome = components['schemas']['OperationOutcome'];
export type OperationOutcomeIssue = components['schemas']['OperationOutcomeIssue'];
export type ErrorCode = components['schemas']['ErrorCode'];
export type OAuthError = components['schemas']['OAuthError'];
export type OAuthErrorCode = OAuthError['error'];

export interface ErrorCodeDefinition {
  /** HTTP status; null where it is the status of something else (a failed transaction entry). */
  status: number | null;
  issue: OperationOutcomeIssue['code'];
  display: string;
}

/** The error catalogue, by code. */
export const errorCodes: Readonly<Record<ErrorCode, ErrorCodeDefinition>> = (() => {
  const schema = contract.components.schemas.ErrorCode as { enum: ErrorCode[]; 'x-codes': Record<string, ErrorCodeDefinition> };
  const defs = schema['x-codes'];
  for (const code of schema.enum) if (!defs[code]) throw new Error(`ErrorCode ${code} has no x-codes entry`);
  return defs as Record<ErrorCode, ErrorCodeDefinition>;
})();

export interface IssueInput {
  code: ErrorCode;
  text: string;
  expression?: string[];
  diagnostics?: string;
  severity?: OperationOutcomeIssue['severity'];
}

export function outcomeIssue(input: IssueInput): OperationOutcomeIssue {
  const def = errorCodes[input.code];
  return {
    severity: input.severity ?? (def.issue === 'exception' ? 'fatal' : 'error'),
    code: def.issue,
    details: {
      coding: [{ system: 'urn:openspp:error', code: input.code, display: def.display }],
      text: input.text,
    },
    ...(input.diagnostics ? { diagnostics: input.diagnostics } : {}),
    ...(input.expression?.length ? { expression: input.expression } : {}),
  };
}

/** An OperationOutcome with one issue per input (the first one is the error; others add detail). */
export function operationOutcome(...issues: IssueInput[]): OperationOutcome {
  if (issues.length === 0) throw new Error('an OperationOutcome needs at least one issue');
  return { resourceType: 'OperationOutcome', issue: issues.map(outcomeIssue) };
}

/** The HTTP status of an error code (throws for codes whose status depends on context). */
export function statusOf(code: ErrorCode): number {
  const status = errorCodes[code].status;
  if (status === null) throw new Error(`${code} has no fixed status`);
  return status;
}

/**
 * An RFC 6749 §5.2 error body. `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E, so other
 * characters are replaced rather than sent.
 */
export function oauthError(error: OAuthErrorCode, description: string): OAuthError {
  return { error, error_description: toOAuthText(description) };
}
