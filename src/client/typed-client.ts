/**
 * The client's type: openapi-fetch's client over the contract's `paths`, with one change. openapi-fetch infers
 * the whole `init` argument as a type parameter, which switches off TypeScript's excess-property check, so a
 * misspelt query parameter next to a correct one (`{ name, surname }`) or an unknown body field compiles. Here
 * `init` is typed from the path and method alone, so those mistakes fail `tsc`. Run time is untouched: the object
 * *is* the openapi-fetch client.
 */
import type { Client, ClientPathsWithMethod, FetchOptions, FetchResponse } from 'openapi-fetch';
import type { paths } from './contract-types.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Operation<P extends keyof paths, M extends Method> = paths[P][M] extends infer O extends Record<string | number, any> ? O : never;
// `{}` here is the empty object type on purpose: a key is required when an empty object cannot stand for it.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/** The options of a call: `params`, `body`, `headers` …, exactly as the contract declares them. */
export type SppInit<P extends keyof paths, M extends Method> = FetchOptions<Operation<P, M>>;
type InitArgs<P extends keyof paths, M extends Method> = RequiredKeys<SppInit<P, M>> extends never ? [init?: SppInit<P, M>] : [init: SppInit<P, M>];

/** The result of a call: `{ data, response }` or `{ error, response }`, `error` being the operation's OperationOutcome. */
export type SppResult<P extends keyof paths, M extends Method> = FetchResponse<Operation<P, M>, Record<string, never>, `${string}/${string}`>;

type StrictMethod<M extends Method> = <P extends ClientPathsWithMethod<Client<paths>, M>>(url: P, ...init: InitArgs<P, M>) => Promise<SppResult<P, M>>;

/** openapi-fetch's client for the contract, with exact `init` checking (see the module comment). */
export interface TypedClient extends Pick<Client<paths>, 'use' | 'eject'> {
  GET: StrictMethod<'get'>;
  PUT: StrictMethod<'put'>;
  POST: StrictMethod<'post'>;
  DELETE: StrictMethod<'delete'>;
  PATCH: StrictMethod<'patch'>;
  HEAD: StrictMethod<'head'>;
  OPTIONS: StrictMethod<'options'>;
}
