/** The contract as code: the bundled document, its operations, validators, error builders and route table. */
export { contract, resolveRef, type OpenApiDocument } from './document.js';
export type { components, operations, paths } from './generated/types.js';
export { getOperation, isPublic, operationIndex, scopeCatalogue, scopesAllow, type OperationId, type OperationSpec } from './operations.js';
export { contractValidator, ContractValidator, type ValidationIssue } from './validation.js';
export { errorCodes, oauthError, operationOutcome, statusOf, type ErrorCode, type OperationOutcome } from './outcome.js';
export { assertCompleteRouteTable, checkRouteTable, type Handler, type HandlerRequest, type HandlerResponse, type RouteTable } from './route-table.js';
export { API_VERSION, mountOperations, type MountOptions } from './mount.js';
