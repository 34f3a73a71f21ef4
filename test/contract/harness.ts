/**
 * A Hono app with the whole route table mounted and handlers that answer from the contract's own examples, for
 * testing the route table itself (validation, errors, serialisation) apart from any server logic.
 */
import { Hono } from 'hono';
import { contract } from '../../src/contract/index.js';
import { mountOperations, type MountOptions } from '../../src/contract/index.js';
import { operationIndex, type OperationId, type OperationSpec } from '../../src/contract/index.js';
import type { HandlerRequest, RouteTable } from '../../src/contract/route-table.js';
import type { ValidationIssue } from '../../src/contract/index.js';

export function example<T = unknown>(name: string): T {
  const ex = (contract.components.examples as Record<string, { value: T }>)[name];
  if (!ex) throw new Error(`no example ${name}`);
  return structuredClone(ex.value);
}

export interface Seen {
  requests: Array<HandlerRequest<OperationId>>;
  violations: Array<{ op: string; status: number; issues: ValidationIssue[] }>;
  errors: unknown[];
}

/** Every operation answers 500-free defaults; `overrides` replaces individual handlers. */
export function buildApp(overrides: Partial<RouteTable<Seen>> = {}, options: Partial<MountOptions<Seen>> = {}) {
  const seen: Seen = { requests: [], violations: [], errors: [] };
  const generic = (req: HandlerRequest<OperationId>) => {
    seen.requests.push(req);
    return { status: 200, body: { echo: true } } as never;
  };
  const table = Object.fromEntries([...operationIndex.keys()].map((id) => [id, overrides[id] ?? generic])) as unknown as RouteTable<Seen>;
  const app = new Hono();
  mountOperations(app, table, {
    context: () => seen,
    validateResponses: true,
    onContractViolation: (op: OperationSpec, status, issues) => seen.violations.push({ op: op.id, status, issues }),
    onError: (_op, error) => seen.errors.push(error),
    ...options,
  });
  return { app, seen };
}

export const BASE = 'http://127.0.0.1/api/v2/spp';
