/**
 * The typed route table: one handler per operationId, typed from a dialect's generated `operations` (the
 * published dialect's by default; `DeployedOperations` for the deployed one). A handler can only return a status
 * the contract declares for its operation, with the body the contract declares for that status.
 */
import type { operations as DeployedOperations } from './generated/deployed-types.js';
import type { operations } from './generated/types.js';
import { publishedContract, type Contract } from './contract.js';
import type { OperationId, OperationSpec } from './operations.js';

export type { DeployedOperations };

type Op<K extends keyof O, O = operations> = O[K] & { parameters: unknown; responses: unknown };
type Responses<K extends keyof O, O = operations> = Op<K, O>['responses'];

/** Keys of T without its index signature (`[name: string]: unknown` in generated header maps). */
type KnownKeys<T> = keyof { [P in keyof T as string extends P ? never : number extends P ? never : P]: T[P] };

type ContentOf<R> = R extends { content: infer C } ? (C extends Record<string, unknown> ? C : never) : never;
type BodyOfResponse<R> = [ContentOf<R>] extends [never] ? undefined : ContentOf<R>[keyof ContentOf<R>];
type HeaderNamesOf<R> = R extends { headers: infer H } ? KnownKeys<H> & string : never;

/** One declared response of an operation: its status, its body and any of its declared headers. */
export type HandlerResponse<K extends keyof O, O = operations> = {
  [S in keyof Responses<K, O> & number]: {
    status: S;
    body: BodyOfResponse<Responses<K, O>[S]>;
    /** Declared headers only (checked at run time with `validateResponses`). X-API-Version is added where every response is rendered (render.ts). */
    headers?: Partial<Record<HeaderNamesOf<Responses<K, O>[S]>, string | number>>;
    /** Needed only when the contract declares several media types for this status. */
    contentType?: keyof ContentOf<Responses<K, O>[S]> & string;
  };
}[keyof Responses<K, O> & number];

type ParamsOf<K extends keyof O, In extends 'path' | 'query' | 'header', O = operations> = Op<K, O>['parameters'] extends infer P
  ? P extends Record<In, infer V>
    ? V
    : P extends Partial<Record<In, infer V>>
      ? [V] extends [never]
        ? Record<string, never>
        : V
      : Record<string, never>
  : never;

type RequestBodyOf<K extends keyof O, O = operations> =
  Op<K, O> extends { requestBody: { content: infer C } }
    ? C[keyof C]
    : Op<K, O> extends { requestBody?: { content: infer C } }
      ? C[keyof C] | undefined
      : undefined;

/** What a handler receives: parameters already validated and coerced, the body parsed and validated. */
export interface HandlerRequest<K extends keyof O, O = operations> {
  operationId: K;
  /** The operation being served, as the contract describes it. */
  op: OperationSpec;
  params: ParamsOf<K, 'path', O>;
  query: ParamsOf<K, 'query', O>;
  headers: ParamsOf<K, 'header', O>;
  body: RequestBodyOf<K, O>;
  /** The media type the body arrived in (for operations that accept several). */
  mediaType: string | undefined;
  /** The original HTTP request, for what the contract does not model (client address); absent inside `$batch`. */
  raw: Request | undefined;
}

export type Handler<K extends keyof O, Ctx, O = operations> = (req: HandlerRequest<K, O>, ctx: Ctx) => HandlerResponse<K, O> | Promise<HandlerResponse<K, O>>;

/** The full route table of a dialect: tsc requires a handler for every operation of its contract. */
export type RouteTableOf<O, Ctx> = { [K in Extract<keyof O, string>]: Handler<K, Ctx, O> };
/** The published dialect's route table. */
export type RouteTable<Ctx> = { [K in OperationId]: Handler<K, Ctx> };
/** The deployed dialect's route table. */
export type DeployedRouteTable<Ctx> = RouteTableOf<DeployedOperations, Ctx>;

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
