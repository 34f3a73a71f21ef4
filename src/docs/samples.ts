/**
 * Request samples for the HTML page (`x-codeSamples`, which Redoc shows beside each operation): a curl command
 * and the same call with the typed client, both built from the operation's example request. Injected into the
 * document that is rendered, never written into the contract.
 */
import type { Contract } from '../contract/contract.js';
import { isPublic, type OperationSpec } from '../contract/operations.js';
import { exampleRequest, fillPath, type ExampleRequest } from './examples.js';

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

/** The samples each operation gets, in the order the page offers them (Redoc's `codeSamples.languages`). */
export const SAMPLE_LANGUAGES = [
  { lang: 'Shell', label: 'curl' },
  { lang: 'TypeScript', label: 'typed client' },
] as const;

/** The package integrators install for the typed client. */
export const CLIENT_PACKAGE = '@spp-api-kit/client';

/** Single-quoted for a POSIX shell. */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The query parameters a sample sends: the required ones and the first optional one the contract has an example for. */
function sampleQuery(example: ExampleRequest) {
  const live = example.query.filter((q) => !q.deprecated);
  const required = live.filter((q) => q.required);
  const optional = live.find((q) => !q.required && q.fromContract);
  const chosen = [...required, ...(optional ? live.filter((q) => q.name === optional.name) : [])];
  return chosen;
}

function sampleHeaders(example: ExampleRequest) {
  return example.headers.filter((h) => !h.deprecated && (h.required || h.fromContract));
}

/** `curl` for one operation, against the contract's first server; `$TOKEN` holds an access token. */
export function curlSample(contract: Contract, op: OperationSpec, example = exampleRequest(contract, op)): string {
  const server = (contract.document.servers?.[0]?.url ?? '').replace(/\/+$/, '');
  const origin = server.replace(/^(https?:\/\/[^/]+).*$/, '$1');
  const base = op.basePath === contract.basePath ? server : origin;
  const path = fillPath(op.basePath === contract.basePath ? op.pathTemplate : op.fullPath, example.path);
  const query = new URLSearchParams(sampleQuery(example).map((q) => [q.name, q.value])).toString();
  const lines = [`curl -s${op.method === 'GET' ? '' : ` -X ${op.method}`} ${sh(`${base}${path}${query ? `?${query}` : ''}`)}`];
  if (op.errorStyle === 'oauth2') {
    lines.push(`-u "$CLIENT_ID:$CLIENT_SECRET"`, '-d grant_type=client_credentials');
    return lines.join(' \\\n  ');
  }
  if (!isPublic(op)) lines.push('-H "Authorization: Bearer $TOKEN"');
  for (const h of sampleHeaders(example)) lines.push(`-H ${sh(`${h.name}: ${h.value}`)}`);
  if (example.body) {
    lines.push(`-H ${sh(`Content-Type: ${example.body.contentType}`)}`);
    lines.push(`--data-raw ${sh(JSON.stringify(example.body.value, null, 2))}`);
  }
  return lines.join(' \\\n  ');
}

/** A TypeScript object literal: JSON with unquoted identifier keys and single-quoted strings. */
function literal(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/"((?:[^"\\]|\\.)*)"/g, (m, text: string) => (text.includes("'") ? m : `'${text.replace(/\\"/g, '"')}'`))
    .replace(/^( *)'([A-Za-z_$][A-Za-z0-9_$]*)':/gm, '$1$2:');
}

/** Query parameters as the client's types want them: numbers and booleans unquoted, repeatable ones as arrays. */
function queryObject(op: OperationSpec, params: ReadonlyArray<{ name: string; value: string }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of new Set(params.map((p) => p.name))) {
    const values = params.filter((p) => p.name === name).map((p) => p.value);
    const schema = op.parameters.find((p) => p.name === name && p.in === 'query')?.schema;
    const type = typeof schema === 'object' ? schema.type : undefined;
    out[name] = type === 'array' ? values : type === 'integer' || type === 'number' ? Number(values[0]) : type === 'boolean' ? values[0] === 'true' : values[0];
  }
  return out;
}

/** The same call with the typed client. Public operations need no credentials but go through the same client. */
export function clientSample(contract: Contract, op: OperationSpec, example = exampleRequest(contract, op)): string {
  const server = (contract.document.servers?.[0]?.url ?? '').replace(/\/+$/, '');
  const head = [
    `import { createSppClient } from '${CLIENT_PACKAGE}';`,
    '',
    'const spp = createSppClient({',
    `  baseUrl: '${server}',`,
    '  clientId: process.env.SPP_CLIENT_ID!,',
    '  clientSecret: process.env.SPP_CLIENT_SECRET!,',
    '});',
  ];
  if (op.errorStyle === 'oauth2') {
    return [
      ...head,
      '// The client asks for tokens itself (HTTP Basic), shares one and replaces it before it expires:',
      'const token = await spp.tokens.getToken();',
      'console.log(spp.tokens.info()); // the token masked, its scope and expiry',
    ].join('\n');
  }
  if (op.basePath !== contract.basePath) {
    // The client is bound to the API base path; an endpoint elsewhere on the origin is a plain fetch.
    const origin = server.replace(/^(https?:\/\/[^/]+).*$/, '$1');
    return [`const response = await fetch('${origin}${op.fullPath}');`, 'console.log(await response.json());'].join('\n');
  }
  const params: Record<string, unknown> = {};
  if (Object.keys(example.path).length) params.path = example.path;
  const query = sampleQuery(example);
  if (query.length) params.query = queryObject(op, query);
  const headers = sampleHeaders(example);
  if (headers.length) params.header = Object.fromEntries(headers.map((h) => [h.name, h.value]));
  const init: Record<string, unknown> = {};
  if (Object.keys(params).length) init.params = params;
  if (example.body) init.body = example.body.value;
  const call = Object.keys(init).length ? `await spp.${op.method}('${op.pathTemplate}', ${literal(init)});` : `await spp.${op.method}('${op.pathTemplate}');`;
  return [
    ...head,
    '',
    `const { data, error, response } = ${call}`,
    'if (error) console.error(response.status, error); // the OperationOutcome, typed',
    'else console.log(data);',
  ].join('\n');
}

/** The samples of one operation, as Redoc reads them from `x-codeSamples`. */
export function codeSamples(contract: Contract, op: OperationSpec): CodeSample[] {
  const example = exampleRequest(contract, op);
  const [shell, typescript] = SAMPLE_LANGUAGES;
  return [
    { ...shell, source: curlSample(contract, op, example) },
    { ...typescript, source: clientSample(contract, op, example) },
  ];
}
