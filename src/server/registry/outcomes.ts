/** Registry errors as the contract's OperationOutcome bodies (status, issue type and display come from there). */
import { operationOutcome, type OperationOutcome } from '../../contract/outcome.js';
import type { RegistryError } from './types.js';

export function errorOutcome(...errors: RegistryError[]): OperationOutcome {
  return operationOutcome(...errors.map((e) => ({ code: e.code, text: e.text, ...(e.expression ? { expression: e.expression } : {}) })));
}
