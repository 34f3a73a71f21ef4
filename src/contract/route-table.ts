/**
 * The typed route table: one handler per operationId, typed from the generated `operations`. A handler can only
 * return a status the contract declares for its operation, with the body the contract declares for that status.
 */
import type { operations } from './generated/types.js';
import { publishedContract, type Contract } from './contract.js';
import type { OperationId, OperationSpec } from './operations.js';

type Op<K extends OperationId> = operations[K];
type Responses<K extends OperationId> = Op<K>['responses'];

/** Keys of T without its index signature (`[name: string]: unknown` in generated header maps). */
type KnownKeys<T> = keyof { [P in keyof T as string extends P ? never : number extends P ? never : P]: T[P] };

type ContentOf<R> = R extends { content: infer C } ? (C extends Record<string, unknown> ? C : never) : never;
type BodyOfResponse<R> = [ContentOf<R>] extends [never] ? undefined : ContentOf<R>[keyof ContentOf<R>];
type HeaderNamesOf<R> = R extends { headers: infer H } ? KnownKeys<H> & string : never;

/** One declared response of an operation: its status, its body and any of its declared headers. */
export type HandlerResponse<K extends OperationId> = {
  [S in keyof Responses<K> & number]: {
    status: S;
    body: BodyOfResponse<Responses<K>[S]>;
    /** Declared headers only (checked at run time with `validateResponses`). X-API-Version is added where every response is rendered (render.ts). */
    headers?: Partial<Record<HeaderNamesOf<Responses<K>[S]>, string | number>>;
    /** Needed only when the contract declares several media types for this status. */
    contentType?: keyof ContentOf<Responses<K>[S]> & string;
  };
}[keyof Responses<K> & number];

type ParamsOf<K extends OperationId, In extends 'path' | 'query' | 'header'> = Op<K>['parameters'] extends infer P
  ? P extends Record<In, infer V>
    ? V
    : P extends Partial<Record<In, infer V>>
      ? [V] extends [never]
        ? Record<string, never>
        : V
      : Record<string, never>
  : never;

type RequestBodyOf<K extends OperationId> =
  Op<K> extends { requestBody: { content: infer C } } ? C[keyof C] : Op<K> extends { requestBody?: { content: infer C } } ? C[keyof C] | undefined : undefined;

/** What a handler receives: parameters already validated and coerced, the body parsed and validated. */
export interface HandlerRequest<K extends OperationId> {
  operationId: K;
  /** The operation being served, as the contract describes it. */
  op: OperationSpec;
  params: ParamsOf<K, 'path'>;
  query: ParamsOf<K, 'query'>;
  headers: ParamsOf<K, 'header'>;
  body: RequestBodyOf<K>;
  /** The media type the body arrived in (for operations that accept several). */
  mediaType: string | undefined;
  /** The original HTTP request, for what the contract does not model (client address); absent inside `$batch`. */
  raw: Request | undefined;
}

export type Handler<K extends OperationId, Ctx> = (req: HandlerRequest<K>, ctx: Ctx) => HandlerResponse<K> | Promise<HandlerResponse<K>>;

/** The full route table: tsc requires a handler for every operation of the contract. */
export type RouteTable<Ctx> = { [K in OperationId]: Handler<K, Ctx> };

export interface RouteTableReport {
  /** Operations of the contract without a handler. */
  missing: string[];
  /** Handlers whose key is no operationId of the contract. */
  unknown: string[];
}

/** Compares a handler map with the contract (for JavaScript callers and partial tables assembled at run time). */
export function checkRouteTable(table: Record<string, unknown>, contract: Contract = publishedContract): RouteTableReport {
  const missing = [...contract.operations.keys()].filter((id) => typeof table[id] !== 'function');
  const unknown = Object.keys(table).filter((key) => !contract.operations.has(key));
  return { missing, unknown };
}

/** Throws with a readable list when the table and the contract disagree. */
export function assertCompleteRouteTable(table: Record<string, unknown>, contract: Contract = publishedContract): void {
  const { missing, unknown } = checkRouteTable(table, contract);
  const problems = [...missing.map((id) => `operation ${id} has no handler`), ...unknown.map((key) => `handler ${key} matches no operation of the contract`)];
  if (problems.length) throw new Error(`route table does not match the contract:\n  ${problems.join('\n  ')}`);
}
