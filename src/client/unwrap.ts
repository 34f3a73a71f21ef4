/**
 * The throwing style, for callers who prefer it to openapi-fetch's `{ data, error }`: `unwrap(await
 * client.GET(...))` returns `data` or throws an `SppApiError` naming the operation.
 */
import type { Middleware } from 'openapi-fetch';
import { SppApiError } from './errors.js';

// Which operation produced a response, for error messages. Weak, so responses are collected as usual.
const operations = new WeakMap<Response, { method: string; path: string }>();

/** Records each final response's method and contract path. Registered first, so its `onResponse` runs last. */
export const operationTagMiddleware: Middleware = {
  onResponse({ request, schemaPath, response }) {
    operations.set(response, { method: request.method, path: schemaPath });
    return undefined;
  },
};

/** The data of a successful call, or an `SppApiError` (status, OperationOutcome, error code, text, operation). */
export function unwrap<R extends { response: Response; data?: unknown; error?: unknown }>(result: R): R extends { data: infer D } ? D : never {
  const { response } = result;
  if (!response.ok) {
    const op = operations.get(response);
    throw new SppApiError({
      status: response.status,
      statusText: response.statusText,
      body: result.error,
      headers: response.headers,
      method: op?.method,
      path: op?.path,
    });
  }
  return result.data as R extends { data: infer D } ? D : never;
}
