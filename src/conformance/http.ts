/**
 * The kit's one door to the network: sends a request, records the exchange (masked), and validates the answer
 * against the contract when the request stands for one of its operations. Nothing here decides a verdict.
 */
import { type OperationSpec } from '../contract/index.js';
import { kitContract } from './kit-contract.js';
import type { Masker } from './mask.js';
import type { Exchange } from './types.js';

export interface RequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; URLSearchParams as a form; anything else as JSON. */
  body?: string | URLSearchParams | Record<string, unknown> | unknown[];
  /** The contract operation the request stands for: its answer is validated against it. */
  operation?: OperationSpec;
  timeoutMs?: number;
  /** Whose bearer token the request carries (a client role), or how the kit forged it: said in the curl reproduction. */
  credential?: { role?: string; forged?: string };
  /**
   * The operation is an optional feature (RFC 8414 metadata, a JWK Set): an absent answer (404, 405, 410, 501) is
   * not an answer of the operation, so it is neither validated nor counted under OSPP-CT-01.
   */
  optional?: boolean;
}

/** Statuses that say "no such resource here" rather than answering an operation. */
const ABSENT = new Set([404, 405, 410, 501]);

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed when the body is JSON; undefined otherwise. */
  json: unknown;
  contentType: string | null;
  ms: number;
  exchange: Exchange;
  /** When the answer arrived (local clock, ms). */
  receivedAt: number;
}

/** No answer (refused, reset, timed out). The exchange is recorded all the same, with its `error`. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

const MAX_BODY_IN_REPORT = 4_000;

/** How long the kit waits for an answer unless told otherwise (--request-timeout). */
export const DEFAULT_TIMEOUT_MS = 20_000;

/** Header names lower-cased (the tsconfig's DOM lib has no Headers iterator). */
export function headersToObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

function truncate(text: string): string {
  return text.length > MAX_BODY_IN_REPORT ? `${text.slice(0, MAX_BODY_IN_REPORT)}… (${text.length} bytes)` : text;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell variable a curl line uses for a role's bearer token: FULL_ACCESS_TOKEN, SHORT_LIVED_ACCESS_TOKEN. */
export function tokenVariable(role: string | undefined): string {
  return role ? `${role.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()}_ACCESS_TOKEN` : 'ACCESS_TOKEN';
}

/** The client id and secret of a Basic credential (RFC 6749 Appendix B: form-decoded after base64), when it decodes. */
function basicPair(value: string): [string, string] | undefined {
  const decoded = Buffer.from(value.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const form = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return [form(decoded.slice(0, colon)), form(decoded.slice(colon + 1))];
}

/**
 * A curl command repeating the request. Secrets become shell variables (named after their client role, see
 * `secretVariables`) and bearer tokens `${bearerVariable}` (default $ACCESS_TOKEN), so the line can be pasted after
 * exporting them; HTTP Basic becomes `-u "client-id:${SECRET_VARIABLE}"`.
 */
export function curlLine(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  variables: ReadonlyArray<[string, string]>,
  masker: Masker,
  bearerVariable = 'ACCESS_TOKEN',
): string {
  const sub = (s: string) => {
    let out = s;
    for (const [secret, name] of variables) {
      out = out.split(secret).join(`\${${name}}`).split(encodeURIComponent(secret)).join(`\${${name}}`);
    }
    return out;
  };
  const parts = ['curl', '-i', '-X', method];
  for (const [k, v] of Object.entries(headers)) {
    let value = sub(v);
    if (/^authorization$/i.test(k)) {
      if (/^bearer /i.test(value)) value = `${value.split(' ')[0]} \${${bearerVariable}}`;
      else if (/^basic /i.test(v)) {
        const pair = basicPair(v);
        parts.push('-u', pair ? `"${sub(pair[0])}:${sub(pair[1])}"` : `"\${CLIENT_ID}:\${CLIENT_SECRET}"`);
        continue;
      }
    }
    parts.push('-H', /\$\{/.test(value) ? `"${k}: ${value}"` : shellQuote(`${k}: ${value}`));
  }
  if (body !== undefined) {
    const b = sub(body);
    parts.push('--data-raw', /\$\{/.test(b) ? `"${b.replace(/"/g, '\\"')}"` : shellQuote(b));
  }
  const u = sub(url);
  parts.push(/\$\{/.test(u) ? `"${u}"` : shellQuote(u));
  // The mask is the last safety net: a token the variables missed must not survive.
  return masker.text(parts.join(' '));
}

export interface HttpClientOptions {
  masker: Masker;
  /** Validate answers against the contract (profiles other than openspp turn this off). */
  validate: boolean;
  /** [secret, shell variable name] pairs for curl lines. */
  variables: ReadonlyArray<[string, string]>;
  /** The lines that get a role's token into its shell variable (the token request), for curl reproductions. */
  tokenHowTo?: (role: string) => string[];
  /** Per-request timeout unless the request sets its own (default 20 s). */
  timeoutMs?: number;
  onExchange: (exchange: Exchange) => void;
  nextId: () => number;
}

/** The wire form of a request body, with the content type it implies unless the spec sets one. */
function encode(spec: RequestSpec): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  if (spec.body === undefined || typeof spec.body === 'string') return { headers, body: spec.body };
  if (spec.body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return { headers, body: spec.body.toString() };
  }
  headers['content-type'] ??= 'application/json';
  return { headers, body: JSON.stringify(spec.body) };
}

/** The answer's body parsed when it says it is JSON; undefined otherwise or when it does not parse. */
function parseJson(contentType: string | null, text: string): unknown {
  if (!contentType || !/json/i.test(contentType) || !text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Contract violations in the answer of an operation, masked, as the exchange records them. */
function contractIssues(op: OperationSpec, res: Response, contentType: string | null, text: string, json: unknown, masker: Masker): Exchange['contractIssues'] {
  const issues = kitContract().validator.validateResponse(op, { status: res.status, headers: res.headers, contentType, body: json ?? (text || undefined) });
  if (!issues.length) return undefined;
  return issues.map((i) => ({ in: i.in, pointer: i.in === 'header' ? `header:${i.name ?? ''}` : i.pointer || '/', message: masker.text(i.message) }));
}

/** The curl line of a request as the kit would send it (body encoded, secrets as variables). */
export function curlFor(spec: RequestSpec, variables: ReadonlyArray<[string, string]>, masker: Masker): string {
  const { headers, body } = encode(spec);
  return curlLine(spec.method, spec.url, headers, body, variables, masker);
}

/**
 * The curl line of a request, preceded — when it carries a bearer token — by what the token is and how to get it:
 * the token request of the client it belongs to (secrets as variables), or how the kit forged it from one.
 */
function reproduction(spec: RequestSpec, headers: Record<string, string>, body: string | undefined, options: HttpClientOptions): string {
  const bearer = Object.entries(headers).some(([k, v]) => /^authorization$/i.test(k) && /^bearer /i.test(v));
  const { role, forged } = spec.credential ?? {};
  const variable = forged ? 'FORGED_TOKEN' : tokenVariable(role);
  const line = curlLine(spec.method, spec.url, headers, body, options.variables, options.masker, variable);
  if (!bearer || (!role && !forged)) return line;
  const lines: string[] = [];
  if (forged) lines.push(`# needs FORGED_TOKEN: ${forged}.`);
  if (role) {
    lines.push(`# ${forged ? 'it is made from' : 'needs'} an access token of the ${role} client; get one into ${tokenVariable(role)} with:`);
    lines.push(...(options.tokenHowTo?.(role) ?? []));
  }
  if (forged && role) lines.push(`# then build FORGED_TOKEN from $${tokenVariable(role)} as described above (the report shows it masked).`);
  return options.masker.text([...lines, line].join('\n'));
}

/** Sends one request and records it; throws NetworkError when no answer comes. Never judges the answer. */
export async function send(spec: RequestSpec, options: HttpClientOptions): Promise<HttpResult> {
  const { headers, body } = encode(spec);
  const { masker } = options;
  const exchange: Exchange = {
    id: options.nextId(),
    ...(spec.operation ? { operation: spec.operation.id } : {}),
    request: {
      method: spec.method,
      url: masker.text(spec.url),
      headers: masker.headers(headers),
      ...(body !== undefined ? { body: truncate(masker.text(body)) } : {}),
    },
    curl: reproduction(spec, headers, body, options),
  };
  // Recorded before the answer: a request that gets none is evidence too.
  options.onExchange(exchange);
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(spec.url, {
      method: spec.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(spec.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    exchange.error = `${(e as Error).name === 'TimeoutError' ? 'timed out' : 'network error'}${cause ? ` (${cause})` : ''}: ${(e as Error).message}`;
    throw new NetworkError(`${spec.method} ${masker.text(spec.url)}: ${exchange.error}`);
  }
  const text = await res.text();
  const ms = Math.round((performance.now() - started) * 10) / 10;
  const contentType = res.headers.get('content-type');
  const json = parseJson(contentType, text);
  exchange.response = { status: res.status, headers: masker.headers(headersToObject(res.headers)), body: truncate(masker.text(text)), ms };
  if (spec.optional && ABSENT.has(res.status)) delete exchange.operation;
  const issues = options.validate && exchange.operation && spec.operation ? contractIssues(spec.operation, res, contentType, text, json, masker) : undefined;
  if (issues) exchange.contractIssues = issues;
  return { status: res.status, headers: res.headers, text, json, contentType, ms, exchange, receivedAt: Date.now() };
}
