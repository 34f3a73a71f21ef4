/**
 * The client's view of the contract: every request and response type it handles comes from the generated
 * `paths`/`operations`, never written by hand. Type-only, so the client does not load the contract at run time.
 * These names are the published dialect's (the default); the deployed dialect's types are the `deployed`
 * namespace of index.ts.
 */
import type { paths as DeployedPaths } from '../contract/generated/deployed-types.js';
import type { components, operations, paths } from '../contract/generated/types.js';

export type { components, operations, paths };

type IssueToken = operations['issueToken'];

/** The token endpoint's path in both dialects' contracts (a type error here means one of them moved it). */
export const TOKEN_PATH = '/oauth/token' satisfies keyof paths & keyof DeployedPaths;

/** Body of `POST /oauth/token` (the same fields as JSON or as a form). */
export type TokenRequest = NonNullable<IssueToken['requestBody']>['content']['application/json'];
/** Successful token response (RFC 6749 §5.1). */
export type TokenResponse = IssueToken['responses'][200]['content']['application/json'];
/** RFC 6749 §5.2 error body of the token endpoint. */
export type OAuthErrorBody = IssueToken['responses'][400]['content']['application/json'];
/** The RFC 6749 `error` codes the contract declares. */
export type OAuthErrorCode = OAuthErrorBody['error'];
/** Error body of every API operation. */
export type OperationOutcome = components['schemas']['OperationOutcome'];
/** A `urn:openspp:error` code. */
export type ErrorCode = components['schemas']['ErrorCode'];
