/**
 * Hostile requests, generated from the contract: for every operation, a valid request to start from and the
 * ways an attacker bends it — wrong types, missing and extra fields, huge strings, deep nesting, odd Unicode and
 * invalid UTF-8, `__proto__` keys, malformed identifiers and dates, bad content types, oversized bodies and
 * headers, duplicate and unknown parameters, and credentials in the wrong places.
 */
import fc from 'fast-check';
import type { Contract } from '../../src/contract/contract.js';
import type { OperationSpec, ParameterSpec } from '../../src/contract/operations.js';
import { valueFor } from './schema-arbitrary.js';

export interface FuzzRequest {
  op: string;
  /** What was bent, for the report. */
  strategy: string;
  method: string;
  /** Path and query, encoded as sent (relative to the origin). */
  path: string;
  /** Flat name/value list: repeated names are sent as repeated headers. */
  headers: string[];
  body?: Uint8Array;
}

export interface FuzzContext {
  contract: Contract;
  tokens: { full: string; reader: string; consent: string };
  /** Identifiers (`system|value`) that exist, by resource type. */
  known: Record<string, string[]>;
  /** Credentials that must never come back in an answer. */
  secrets: string[];
  clientId: string;
}

const ODD = [
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\u0085',
  '𝕏',
  'ǅ',
  'e\u0301',
  '\u2028',
  '\\',
  '"',
  "'",
  '%',
  '%00',
  '%zz',
  '../',
  '\r\n',
  '{{',
  '$',
  '|',
];

/** Strings an attacker would try: odd Unicode, control characters, huge, empty, injection-shaped. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.array(fc.constantFrom(...ODD), { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom('', ' ', 'null', 'true', '-1', '0', '1e1', '9'.repeat(40), "' OR 1=1 --", '<script>', '${jndi:x}', 'NaN', '__proto__'),
);

/** Dates and identifiers that look right but are not. */
const badDate = fc.constantFrom(
  '2020-13-45',
  '2020-12-32',
  '2021-02-29',
  'gt2020-13-45',
  '0000-00-00',
  '2020-1-1',
  '99999-01-01',
  '2020-01-01T25:00Z',
  'ge',
  'eq2020-02-30T10:00Z',
);
const badIdentifier = fc.constantFrom('no-bar', '|v', 'urn:a|', 'urn:a|b|c', 'a b|c', 'urn:x%00|1', 'Individual/urn:a|b', '%7C', 'urn:a\u0000|b');

/** Percent-encoding that survives lone surrogates (sent as the bytes of an invalid UTF-8 sequence). */
export function encodeLoose(text: string, keepBar = false): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%ED%${(0xa0 + ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 + (code & 0x3f)).toString(16).toUpperCase()}`;
    else if (keepBar && ch === '|') out += '|';
    else out += encodeURIComponent(ch);
  }
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * A header value as bytes can carry it: the UTF-8 of the text, read as Latin-1 (the wire has no other way to send
 * non-ASCII), without the control characters no HTTP client can put in a header (all but TAB).
 */
export function headerValue(text: string): string {
  return Buffer.from(text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' '), 'utf8').toString('latin1');
}

/** A value with one place bent: a wrong type, a missing or extra field, a prototype key, a huge or odd string. */
function bend(value: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, String(i)]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(value, []);
  const replacement = fc.oneof(
    oddString,
    fc.constantFrom(null, 0, -1, 1e308, true, [], {}, [[[[[[]]]]]], { __proto__: { polluted: true } }),
    badDate,
    badIdentifier,
    fc.integer({ min: 10, max: 1500 }).map((n) => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown),
  );
  return fc.tuple(fc.constantFrom(...paths), replacement, fc.constantFrom('replace', 'delete', 'extra', 'proto')).map(([path, r, how]) => {
    const copy = structuredClone(value) as any;
    if (path.length === 0) return how === 'proto' ? JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}') : r;
    const parent = path.slice(0, -1).reduce((n, k) => n?.[k], copy);
    const key = path[path.length - 1]!;
    if (parent === undefined || parent === null || typeof parent !== 'object') return copy;
    if (how === 'delete') delete parent[key];
    else if (how === 'extra') parent[`x${key}Extra`] = r;
    else if (how === 'proto') Object.defineProperty(parent, '__proto__', { value: { admin: true }, enumerable: true, configurable: true, writable: true });
    else parent[key] = r;
    return copy;
  });
}

/** Raw bodies that are not what any parser expects. */
const rawBody = fc.oneof(
  fc.constant(Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), // {"a":"\xC3("} — invalid UTF-8
  fc.constant(Uint8Array.from([0xff, 0xfe, 0x00, 0x7b])),
  fc.constant(utf8('{"resourceType":"Individual",')),
  fc.constant(utf8('not json at all')),
  fc.constant(utf8('')),
  fc.constant(utf8(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)),
  fc.constant(utf8(`{"a":"${'x'.repeat(1_100_000)}"}`)),
  fc.constant(utf8('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
  fc.constant(utf8('[1,2,3]')),
  fc.constant(utf8('"just a string"')),
);

const badContentType = fc.constantFrom(
  'text/plain',
  'application/xml',
  'application/json; charset=latin1',
  'application/jso',
  'multipart/form-data; boundary=x',
  '',
  '*/*',
  'application/json, text/plain',
  'APPLICATION/JSON',
);

function parameterValue(ctx: FuzzContext, op: OperationSpec, p: ParameterSpec): fc.Arbitrary<string> {
  const type = op.pathTemplate.split('/')[1] ?? '';
  if (p.in === 'path' || p.name === 'identifier') {
    const known = ctx.known[type] ?? [];
    return known.length
      ? fc.oneof(fc.constantFrom(...known), valueFor(ctx.contract.document, p.schema).map(String))
      : valueFor(ctx.contract.document, p.schema).map(String);
  }
  return valueFor(ctx.contract.document, p.schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** A valid request for the operation: its path parameters, some of its optional query parameters, its body. */
function validParts(ctx: FuzzContext, op: OperationSpec) {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query' && !/^(client_id|client_secret|grant_type)$/.test(p.name));
  const path = fc
    .tuple(...pathParams.map((p) => parameterValue(ctx, op, p)))
    .map((values) => op.fullPath.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeLoose(values[pathParams.findIndex((p) => p.name === name)] ?? '', true)));
  const query = fc
    .tuple(...queryParams.map((p) => (p.required ? parameterValue(ctx, op, p) : fc.option(parameterValue(ctx, op, p), { nil: undefined, freq: 2 }))))
    .map((values) => queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [[p.name, values[i]] as [string, string]])));
  const media = op.requestBody ? Object.keys(op.requestBody.content)[0]! : undefined;
  const body = op.requestBody && media ? valueFor(ctx.contract.document, op.requestBody.content[media]!) : fc.constant(undefined);
  return { path, query, body, media };
}

function authorization(ctx: FuzzContext, op: OperationSpec): string[] {
  if (op.id === 'issueToken') return [];
  return ['authorization', `Bearer ${ctx.tokens.full}`];
}

function serialize(media: string | undefined, body: unknown): Uint8Array | undefined {
  if (body === undefined || !media) return undefined;
  if (media === 'application/x-www-form-urlencoded') {
    const entries = Object.entries((body ?? {}) as Record<string, unknown>).map(
      ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
    );
    return utf8(new URLSearchParams(entries).toString());
  }
  return utf8(JSON.stringify(body));
}

const withQuery = (path: string, query: Array<[string, string]>) =>
  query.length ? `${path}?${query.map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(v)}`).join('&')}` : path;

/** Every way this fuzzer bends a request to one operation. */
export function requestFor(ctx: FuzzContext, op: OperationSpec): fc.Arbitrary<FuzzRequest> {
  const { path, query, body, media } = validParts(ctx, op);
  const auth = authorization(ctx, op);
  const contentType = media ? ['content-type', media] : [];
  const base = (strategy: string, p: string, headers: string[], b?: Uint8Array): FuzzRequest => ({
    op: op.id,
    strategy,
    method: op.method,
    path: p,
    headers: headers.map((h, i) => (i % 2 ? headerValue(h) : h)),
    ...(b ? { body: b } : {}),
  });
  const paramNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);

  const strategies: Array<fc.Arbitrary<FuzzRequest>> = [
    fc.tuple(path, query, body).map(([p, q, b]) => base('valid', withQuery(p, q), [...auth, ...contentType], serialize(media, b))),
    fc
      .tuple(path, query, fc.constantFrom(...paramNames, 'foo', '_include', '_offset', '__proto__'), oddString)
      .map(([p, q, name, v]) => base('query-value', withQuery(p, [...q, [name, v]]), [...auth, ...contentType])),
    fc
      .tuple(
        path,
        query,
        fc.constantFrom(...(paramNames.length ? paramNames : ['x'])),
        fc.oneof(badDate, badIdentifier, fc.constantFrom('1e1', '0x10', '-5', '101', ' 7', '7 ', '', '1,2')),
      )
      .map(([p, q, name, v]) => base('query-malformed', withQuery(p, [...q, [name, v], [name, v]]), [...auth, ...contentType])),
    fc.tuple(query, oddString, fc.oneof(badIdentifier, oddString)).map(([q, a, b]) =>
      base(
        'path',
        withQuery(
          op.fullPath.replace(/\{[^}]+\}/g, () => encodeLoose(`${a}|${b}`, true)),
          q,
        ),
        [...auth, ...contentType],
      ),
    ),
    fc
      .tuple(
        path,
        query,
        fc.oneof(
          fc.constant(`Bearer ${ctx.tokens.reader}`),
          fc.constant(`Bearer ${ctx.tokens.consent}`),
          fc.constant(''),
          // Odd, but sendable: a header value outside what HTTP allows is refused by the HTTP client before it leaves.
          oddString.map((s) => `Bearer ${s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')}`),
          fc.constant('Bearer'),
          fc.constant(`Basic ${btoa(`${ctx.clientId}:${ctx.secrets[0]}`)}`),
          fc.constant(`bearer  ${ctx.tokens.full}`),
        ),
      )
      .map(([p, q, a]) => base('authorization', withQuery(p, q), ['authorization', a, ...contentType])),
    fc
      .tuple(path, query, fc.constantFrom(8_000, 17_000, 70_000), fc.constantFrom('if-match', 'x-padding', 'accept', 'content-type'))
      .map(([p, q, n, name]) => base('headers-huge', withQuery(p, q), [...auth, name, 'x'.repeat(n)])),
    fc
      .tuple(path, query, fc.constantFrom('"1"', 'W/"2"', '*', '"0"', '"99999999999"', 'garbage', '', '"1", "2"'))
      .map(([p, q, v]) => base('headers-duplicate', withQuery(p, q), [...auth, ...contentType, 'if-match', v, 'if-match', '"1"', 'content-length-x', '1'])),
    fc.tuple(path, query, fc.integer({ min: 8_300, max: 12_000 })).map(([p, q, n]) => base('url-long', withQuery(p, [...q, ['x', 'y'.repeat(n)]]), auth)),
  ];
  if (op.requestBody) {
    strategies.push(
      fc
        .tuple(
          path,
          query,
          body.chain((b) => bend(b)),
        )
        .map(([p, q, b]) => base('body-value', withQuery(p, q), [...auth, ...contentType], serialize(media, b))),
      fc.tuple(path, query, rawBody).map(([p, q, b]) => base('body-bytes', withQuery(p, q), [...auth, ...contentType], b)),
      fc
        .tuple(path, query, body, badContentType)
        .map(([p, q, b, ct]) => base('content-type', withQuery(p, q), [...auth, ...(ct ? ['content-type', ct] : [])], serialize(media, b))),
    );
  }
  if (op.id === 'issueToken') {
    // Credentials in every wrong place: none may come back.
    const [secret] = ctx.secrets;
    strategies.push(
      fc
        .constantFrom(
          `grant_type=client_credentials&client_id=${ctx.clientId}&client_secret=${encodeURIComponent(secret!)}&scope=${encodeURIComponent(secret!)}`,
          `grant_type=client_credentials&client_id=${encodeURIComponent(secret!)}&client_secret=${encodeURIComponent(secret!)}`,
          `grant_type=${encodeURIComponent(secret!)}&client_id=${ctx.clientId}&client_secret=x`,
          `${encodeURIComponent(secret!)}=1&grant_type=client_credentials`,
          `grant_type=client_credentials&client_id=${ctx.clientId}&client_secret=${encodeURIComponent(secret!)}&scope=individual:read%20${encodeURIComponent(secret!)}`,
        )
        .map((b) => base('credentials-misplaced', op.fullPath, ['content-type', 'application/x-www-form-urlencoded'], utf8(b))),
      fc.constant(
        base(
          'credentials-json-broken',
          op.fullPath,
          ['content-type', 'application/json'],
          utf8(`{"grant_type":"client_credentials","client_secret": ${secret}}`),
        ),
      ),
    );
  }
  return fc.oneof(...strategies);
}

/** Requests spread over every operation of the contract. */
export function requestsFor(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...[...ctx.contract.operations.values()].map((op) => requestFor(ctx, op)));
}
