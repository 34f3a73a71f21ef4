/**
 * Runs a Postman collection with newman (Postman's own runner, in-process) and returns what each request sent and
 * got back, as plain data a test can judge: method, path, status, headers, parsed body, and newman's own test
 * results. Nothing is printed (no reporters).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One request of the run. */
export interface Exchange {
  /** The collection item's name. */
  name: string;
  method: string;
  /** The URL's path as sent, e.g. `/api/v2/spp/Individual/urn:gov:ph:psa:national-id|PH-123456789`. */
  path: string;
  status: number;
  headers: Headers;
  contentType: string | null;
  /** Parsed JSON when the answer says it is JSON, the text otherwise. */
  body: unknown;
  /** Set when newman could not send the request at all. */
  requestError?: string;
}

export interface RunResult {
  exchanges: Exchange[];
  /** The collection's own `pm.test` results, by name. */
  tests: Array<{ name: string; passed: boolean }>;
  /** newman's failures (failed tests, script errors, request errors), as messages. */
  failures: string[];
}

interface NewmanHeader {
  key: string;
  value: string;
}
interface NewmanExecution {
  item: { name: string };
  request: { method: string; url: { toString(): string } };
  response?: { code: number; headers: { all(): NewmanHeader[] }; text(): string };
  requestError?: Error;
  assertions?: Array<{ assertion: string; error?: Error }>;
}
interface NewmanSummary {
  run: { executions: NewmanExecution[]; failures: Array<{ error: { message: string } }> };
}
type Newman = { run(options: Record<string, unknown>, callback: (err: Error | null, summary: NewmanSummary) => void): unknown };

/** Runs `collection` with environment variables `env` (they take precedence over the collection's own variables). */
export async function runCollection(collection: unknown, env: Record<string, string>): Promise<RunResult> {
  const newman = require('newman') as Newman;
  const summary = await new Promise<NewmanSummary>((resolve, reject) =>
    newman.run({ collection, envVar: Object.entries(env).map(([key, value]) => ({ key, value })), reporters: [], timeoutRequest: 20_000 }, (err, s) =>
      err ? reject(err) : resolve(s),
    ),
  );
  const exchanges = summary.run.executions.map((e): Exchange => {
    const headers = new Headers((e.response?.headers.all() ?? []).map((h): [string, string] => [h.key, h.value]));
    const contentType = headers.get('content-type');
    const text = e.response?.text() ?? '';
    let body: unknown = text;
    if (text && contentType?.includes('json')) body = JSON.parse(text) as unknown;
    return {
      name: e.item.name,
      method: e.request.method,
      path: new URL(e.request.url.toString()).pathname,
      status: e.response?.code ?? 0,
      headers,
      contentType,
      body,
      ...(e.requestError ? { requestError: e.requestError.message } : {}),
    };
  });
  const tests = summary.run.executions.flatMap((e) => (e.assertions ?? []).map((a) => ({ name: a.assertion, passed: !a.error })));
  return { exchanges, tests, failures: summary.run.failures.map((f) => f.error.message) };
}
