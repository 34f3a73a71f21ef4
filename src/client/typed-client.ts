/**
 * The client's type: openapi-fetch's client over a contract's `paths` (either dialect's), with one change.
 * openapi-fetch infers the whole `init` argument as a type parameter, which switches off TypeScript's
 * excess-property check, so a misspelt query parameter next to a correct one (`{ name, surname }`) or an unknown
 * body field compiles. Here `init` is typed from the path and method alone, so those mistakes fail `tsc`. Run time
 * is untouched: the object *is* the openapi-fetch client.
 */
import type { Client, ClientPathsWithMethod, FetchOptions, FetchResponse } from 'openapi-fetch';
import type { paths } from './contract-types.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Operation<Paths, P extends keyof Paths, M extends Method> = Paths[P] extends infer Item
  ? M extends keyof Item
    ? Item[M] extends infer O extends Record<string | number, any>
      ? O
      : never
    : never
  : never;
// `{}` here is the empty object type on purpose: a key is required when an empty object cannot stand for it.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/** The options of a call: `params`, `body`, `headers` …, exactly as the contract declares them (`Paths`: the published one by default). */
export type SppInit<P extends keyof Paths, M extends Method, Paths extends object = paths> = FetchOptions<Operation<Paths, P, M>>;
type InitArgs<Paths extends object, P extends keyof Paths, M extends Method> =
  RequiredKeys<SppInit<P, M, Paths>> extends never ? [init?: SppInit<P, M, Paths>] : [init: SppInit<P, M, Paths>];

/**
 * The result of a call: `{ data, response }` or `{ error, response }`, `error` being the operation's error body
 * (an OperationOutcome in the published dialect, a `{"detail": …}` in the deployed one).
 */
export type SppResult<P extends keyof Paths, M extends Method, Paths extends object = paths> = FetchResponse<
  Operation<Paths, P, M>,
  Record<string, never>,
  `${string}/${string}`
>;

type StrictMethod<Paths extends object, M extends Method> = <P extends ClientPathsWithMethod<Client<Paths>, M>>(
  url: P,
  ...init: InitArgs<Paths, P, M>
) => Promise<SppResult<P, M, Paths>>;

/** openapi-fetch's client for a contract's `paths` (the published one by default), with exact `init` checking. */
export interface TypedClient<Paths extends object = paths> extends Pick<Client<Paths>, 'use' | 'eject'> {
  GET: StrictMethod<Paths, 'get'>;
  PUT: StrictMethod<Paths, 'put'>;
  POST: StrictMethod<Paths, 'post'>;
  DELETE: StrictMethod<Paths, 'delete'>;
  PATCH: StrictMethod<Paths, 'patch'>;
  HEAD: StrictMethod<Paths, 'head'>;
  OPTIONS: StrictMethod<Paths, 'options'>;
}
