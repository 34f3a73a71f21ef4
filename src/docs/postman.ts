/**
 * A Postman collection generated from the contract with Postman's own converter (openapi-to-postmanv2), for
 * integrators who explore APIs in Postman. The collection's `baseUrl` variable points at the local server.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { bundledContractPath } from './html.js';

const require = createRequire(import.meta.url);

export const defaultPostmanPath = 'dist/docs/openspp-api-v2.postman_collection.json';

interface ConversionResult {
  result: boolean;
  reason?: string;
  output?: Array<{ type: string; data: PostmanCollection }>;
}
export interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: { method: string; url: unknown };
}
export interface PostmanCollection {
  info: { name: string; schema: string };
  item: PostmanItem[];
  variable?: Array<{ key: string; value: string }>;
}

export async function buildPostmanCollection(): Promise<PostmanCollection> {
  const converter = require('openapi-to-postmanv2') as {
    convert: (input: { type: 'string'; data: string }, options: Record<string, unknown>, cb: (err: Error | null, res: ConversionResult) => void) => void;
  };
  const data = await readFile(bundledContractPath, 'utf8');
  const result = await new Promise<ConversionResult>((ok, fail) =>
    converter.convert({ type: 'string', data }, { folderStrategy: 'Tags', requestNameSource: 'Fallback', parametersResolution: 'Example' }, (err, res) =>
      err ? fail(err) : ok(res),
    ),
  );
  const collection = result.output?.find((o) => o.type === 'collection')?.data;
  if (!result.result || !collection) throw new Error(`Postman conversion failed: ${result.reason ?? 'no collection produced'}`);
  return collection;
}

/** Every request of a collection, depth first. */
export function postmanRequests(items: PostmanItem[]): PostmanItem[] {
  return items.flatMap((i) => (i.item ? postmanRequests(i.item) : i.request ? [i] : []));
}

export async function writePostmanCollection(outFile = defaultPostmanPath): Promise<{ path: string; requests: number }> {
  const collection = await buildPostmanCollection();
  const out = resolve(outFile);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(collection, null, 2)}\n`);
  return { path: out, requests: postmanRequests(collection.item).length };
}
