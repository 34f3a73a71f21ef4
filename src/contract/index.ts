/**
 * The contract as code — the public face of `spp-api-kit/contract`. Internally everything takes a `Contract`;
 * the names below are the published contract's, for callers that serve or check that one.
 */
import { publishedContract } from './contract.js';
import type { OperationId, OperationSpec } from './operations.js';

export { Contract, loadContract, publishedContract, type CodeSystem } from './contract.js';
export { resolveRef, type OpenApiDocument } from './document.js';
export type { components, operations, paths } from './generated/types.js';
export { isPublic, scopesAllow, type OperationId, type OperationSpec } from './operations.js';
export { ContractValidator, type ValidationIssue } from './validation.js';
export { ApiError, OAuthError, oauthErrorBody, operationOutcome, type ErrorCode, type OAuthErrorCode, type OperationOutcome } from './errors.js';
export { assertCompleteRouteTable, checkRouteTable, type Handler, type HandlerRequest, type HandlerResponse, type RouteTable } from './route-table.js';
export { createInvoker, type Invoker, type OperationCall } from './invoke.js';
export { mountOperations, type EdgeStep, type MountOptions } from './mount.js';
export { errorResponse, resultResponse } from './render.js';

/** The published contract's document. */
export const contract = publishedContract.document;
/** The published contract's operations, by operationId. */
export const operationIndex = publishedContract.operations as ReadonlyMap<OperationId, OperationSpec>;
/** The published contract's validators. */
export const contractValidator = publishedContract.validator;
/** The published contract's error catalogue. */
export const errorCodes = publishedContract.errors;
/** The published contract's scope catalogue. */
export const scopeCatalogue = publishedContract.scopes;
/** The X-API-Version of the published contract. */
export const API_VERSION = publishedContract.version;
/** An operation of the published contract. */
export function getOperation(id: OperationId): OperationSpec {
  return publishedContract.operation(id);
}
