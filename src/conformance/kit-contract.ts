/**
 * The contract a run judges by: the profile's dialect (`contract: published | deployed`). Its operations, scopes,
 * error catalogue and validator are what the checks, the preflight and the http layer use. One run at a time per
 * process (the runner and the vitest worker each select it when a run starts), so it is held here rather than
 * threaded through every helper; pure code that must not depend on it (the planner) asks `contractFor(dialect)`.
 */
import { contractFor, publishedContract, type Contract, type Dialect } from '../contract/contract.js';
import type { OperationSpec } from '../contract/operations.js';

let active: Contract = publishedContract;

/** Selects the contract of the run that is starting. */
export function useDialect(dialect: Dialect): void {
  active = contractFor(dialect);
}

/** The run's contract (published until a run selects another). */
export function kitContract(): Contract {
  return active;
}

/** The run's contract's operation with this id; throws for one it does not have (a kit bug: ask `kitHasOperation`). */
export function kitOperation(id: string): OperationSpec {
  return active.operation(id);
}

/** Whether the run's contract has this operation. */
export function kitHasOperation(id: string): boolean {
  return active.operations.has(id);
}
