/**
 * Small pure helpers the checks share: reading OperationOutcomes and RFC 6750 challenges, choosing tokens and
 * operations from the contract, structured-field parsing for the RateLimit headers.
 */
import { isPublic, publishedContract, scopesAllow, type ErrorCode, type OperationSpec } from '../../contract/index.js';
import { kitContract } from '../kit-contract.js';
import { isOAuthText } from '../../rfc/oauth.js';
import type { HttpResult } from '../http.js';
import { KIT_IDENTIFIER_SYSTEM } from '../target.js';

/** FHIR value sets as the contract declares them (OperationOutcomeIssue.severity / .code). */
const issueSchema = publishedContract.document.components.schemas.OperationOutcomeIssue as {
  properties: { severity: { enum: string[] }; code: { enum: string[] } };
};
const ISSUE_SEVERITIES: readonly string[] = issueSchema.properties.severity.enum;
const ISSUE_TYPES: readonly string[] = issueSchema.properties.code.enum;

/**
 * The requirement that stands for `id` in the run's contract's error style: the OperationOutcome rules (OO-01,
 * OSPP-ERR-01/02) of the published dialect have deployed counterparts for FastAPI's `{"detail"}` bodies
 * (OSPP-DEP-ERR-01/02/03); undefined where the deployed dialect has none (OO-02: no FHIR issue types on the wire).
 */
export function errorRequirement(id: string): string | undefined {
  if (kitContract().errorStyle !== 'detail') return id;
  return id in DEPLOYED_ERROR_REQUIREMENTS ? DEPLOYED_ERROR_REQUIREMENTS[id] : id;
}

const DEPLOYED_ERROR_REQUIREMENTS: Record<string, string | undefined> = {
  'OO-01': 'OSPP-DEP-ERR-01',
  'OO-02': undefined,
  'OSPP-ERR-01': 'OSPP-DEP-ERR-02',
  'OSPP-ERR-02': 'OSPP-DEP-ERR-03',
};

/** Every id a check may assert for an error-body rule, in both dialects (for its `verifies`). */
export const ERROR_BODY_IDS = ['OO-01', 'OSPP-DEP-ERR-01'];

/**
 * The texts the deployed dialect answers for codes its catalogue gives no fixed text (openapi/deployed: the
 * Unauthorized and TooManyRequests responses, the $batch transaction failure; implementation notes §1.6, §2, §3, §4.9, §8).
 */
const DEPLOYED_TEXTS: Array<[string, RegExp]> = [
  ['AUTHENTICATION_REQUIRED', /^Missing Authorization header$/],
  ['TOKEN_EXPIRED', /^Token expired$/],
  ['INVALID_TOKEN', /^(Invalid token|Client not found or inactive|Authentication failed)/],
  ['RATE_LIMIT_EXCEEDED', /^(Rate limit exceeded|Too many authentication attempts)/],
  // $split needs two scopes: "Missing required scopes 'group:create' and 'group:update'." (notes §3).
  ['SCOPE_INSUFFICIENT', /^Missing required scopes '[^']+' and '[^']+'/],
  ['TRANSACTION_FAILED', /^Transaction failed at entry \d+/],
];

/** The code a `{"detail"}` body stands for: by the catalogue's fixed texts (`{name}` matches anything), else DEPLOYED_TEXTS. */
function detailCodeOf(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown })?.detail;
  const text =
    typeof detail === 'string'
      ? detail
      : detail && typeof detail === 'object'
        ? (detail as { issue?: Array<{ diagnostics?: string }> }).issue?.[0]?.diagnostics
        : undefined;
  if (typeof text !== 'string') return Array.isArray(detail) ? 'VALIDATION_ERROR' : undefined;
  for (const [code, def] of Object.entries(kitContract().errors)) if (def.detail && detailPattern(def.detail).test(text)) return code;
  return DEPLOYED_TEXTS.find(([, re]) => re.test(text))?.[0];
}

/** A catalogue text as a pattern: `{scope}` matches one quoted-or-bare value. */
export function detailPattern(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[a-z]+\}/gi, '(.+?)')}$`);
}

/** Why a body is not FastAPI's error body (`{"detail": "<text>"}`, or a list of problems for a 422), or undefined. */
export function detailProblem(body: unknown, status?: number): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (!('detail' in b)) return `no detail member (body keys: ${Object.keys(b).join(', ') || 'none'})`;
  if (typeof b.detail === 'string') return b.detail.trim() ? undefined : 'detail is an empty string';
  if (Array.isArray(b.detail)) {
    if (status !== undefined && status !== 422) return `detail is a list on a ${status} (only a 422 lists problems)`;
    const bad = (b.detail as Array<Record<string, unknown>>).findIndex((p) => !p || typeof p.msg !== 'string' || !Array.isArray(p.loc));
    return bad >= 0 ? `detail[${bad}] is not a FastAPI problem (loc, msg, type)` : undefined;
  }
  // $batch: an OperationOutcome inside detail (the only place the deployed dialect uses one).
  const oo = operationOutcomeProblem(b.detail);
  return oo ? `detail is neither a text, a list of problems nor an OperationOutcome: ${oo}` : undefined;
}

/** Why a refusal body is not the run's contract's error body (OperationOutcome, or `{"detail"}`), or undefined. */
export function errorBodyProblem(body: unknown, status?: number): string | undefined {
  return kitContract().errorStyle === 'detail' ? detailProblem(body, status) : operationOutcomeProblem(body);
}

/** What the run's contract calls its error bodies, for messages. */
export function errorBodyName(): string {
  return kitContract().errorStyle === 'detail' ? '{"detail"} body' : 'OperationOutcome';
}

/** Why a body is not an OperationOutcome (OO-01), or undefined when it is one. */
export function operationOutcomeProblem(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return 'the body is not a JSON object';
  const b = body as Record<string, unknown>;
  if (b.resourceType !== 'OperationOutcome')
    return `resourceType is ${JSON.stringify(b.resourceType)}, not "OperationOutcome" (body keys: ${Object.keys(b).join(', ') || 'none'})`;
  if (!Array.isArray(b.issue) || b.issue.length === 0) return 'issue is not a non-empty array';
  for (const [i, issue] of (b.issue as Array<Record<string, unknown>>).entries()) {
    if (!ISSUE_SEVERITIES.includes(String(issue?.severity))) return `issue[${i}].severity ${JSON.stringify(issue?.severity)} is not a FHIR severity`;
    if (!ISSUE_TYPES.includes(String(issue?.code))) return `issue[${i}].code ${JSON.stringify(issue?.code)} is not a FHIR IssueType`;
  }
  return undefined;
}

/**
 * The error code of a refusal: issue[0].details.coding[0].code (the `urn:openspp:error` code) — or, in the
 * deployed dialect, which keeps codes off the wire, the code its `detail` text stands for.
 */
export function errorCodeOf(body: unknown): string | undefined {
  if (kitContract().errorStyle === 'detail') return detailCodeOf(body);
  const issue = (body as { issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> })?.issue?.[0];
  return issue?.details?.coding?.[0]?.code;
}

/** issue[0].code — the FHIR issue type. */
export function issueCodeOf(body: unknown): string | undefined {
  return (body as { issue?: Array<{ code?: string }> })?.issue?.[0]?.code;
}

/** The FHIR issue type and status the contract's error catalogue gives a code. */
export function expectedFor(code: ErrorCode): { status: number | null; issue: string } {
  return { status: kitContract().errors[code].status, issue: kitContract().errors[code].issue };
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
  /** Attribute names seen more than once (RFC 6750 §3 forbids it). */
  repeated: string[];
  /** Attribute values with characters outside %x20-21 / %x23-5B / %x5D-7E. */
  badChars: string[];
}

/** Parses a WWW-Authenticate value into challenges (scheme + auth-params). Tolerant: never throws. */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /\s*(?:,\s*)?([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+))?/gy;
  let current: Challenge | undefined;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(header)) && guard++ < 100) {
    const [, name, value] = m;
    if (value === undefined) {
      // A token without "=": a new scheme (or token68 for the current one, which Bearer challenges never use).
      current = { scheme: name!, params: {}, repeated: [], badChars: [] };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const key = name!.toLowerCase();
    const v = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
    if (key in current.params) current.repeated.push(key);
    if (!isOAuthText(v)) current.badChars.push(key);
    current.params[key] = v;
  }
  return out;
}

/** Every operation that needs a token, in contract order. */
export function securedOperations(): OperationSpec[] {
  return [...kitContract().operations.values()].filter((op) => !isPublic(op));
}

/** Operations that any valid token may call (security `[[]]`): no scope can be missing. */
export function needsNoScope(op: OperationSpec): boolean {
  return op.security.some((alt) => alt.length === 0);
}

/** A cheap secured GET without path parameters that the granted scopes allow: the kit's probe request. */
export function probeOperation(granted: ReadonlySet<string>): OperationSpec | undefined {
  return securedOperations().find((op) => op.method === 'GET' && !op.pathTemplate.includes('{') && scopesAllow(op, granted));
}

/** The granted scope that allows the fewest operations: a token holding only it lacks almost every scope. */
export function narrowestScope(granted: readonly string[]): string | undefined {
  const ops = securedOperations().filter((op) => !needsNoScope(op));
  const allowedCount = (s: string) => ops.filter((op) => scopesAllow(op, new Set([s]))).length;
  return [...granted].filter((s) => kitContract().scopes.has(s)).sort((a, b) => allowedCount(a) - allowedCount(b) || a.localeCompare(b))[0];
}

/** The resource a `resource:action` scope names. */
export function resourceOfScope(scope: string): string {
  return scope.split(':')[0]!;
}

/** The resources an operation's scopes mention. */
export function operationResources(op: OperationSpec): Set<string> {
  return new Set(op.security.flat().map(resourceOfScope));
}

/** A `*:all` scope from the contract's catalogue that the granted set holds, preferring one for a small resource. */
export function allScope(granted: ReadonlySet<string>): string | undefined {
  const candidates = [...kitContract().scopes.keys()].filter((s) => s.endsWith(':all') && granted.has(s));
  const size = (s: string) => securedOperations().filter((op) => operationResources(op).has(resourceOfScope(s))).length;
  return candidates.sort((a, b) => size(a) - size(b) || a.localeCompare(b))[0];
}

/** Query parameters that make a search cheap (`_count` when the contract declares it). */
export function cheapQuery(op: OperationSpec): Record<string, string> {
  return op.parameters.some((p) => p.in === 'query' && p.name === '_count') ? { _count: '1' } : {};
}

/** Values for path parameters: an identifier no registry holds (tagged with the run id). */
export function absentParams(op: OperationSpec, runId: string, system = KIT_IDENTIFIER_SYSTEM): Record<string, string> {
  const params: Record<string, string> = {};
  for (const p of op.parameters) if (p.in === 'path') params[p.name] = `${system}|absent-${runId}`;
  return params;
}

/** A body that no schema accepts as a record, for write operations the kit expects to be refused: nothing can be created by accident. */
export function harmlessBody(op: OperationSpec): Record<string, unknown> | undefined {
  return op.requestBody ? {} : undefined;
}

/** The first example request body the contract gives an operation (for writes the kit means to make). */
export function exampleBody(op: OperationSpec): unknown {
  const item = kitContract().document.paths[op.pathTemplate] as Record<string, any>;
  const media = item?.[op.method.toLowerCase()]?.requestBody?.content?.['application/json'];
  // `example` is the value itself; `examples` holds Example Objects (a value, or a $ref to one).
  if (media?.example !== undefined) return structuredClone(media.example as unknown);
  const ex = Object.values(media?.examples ?? {})[0];
  if (!ex) return undefined;
  const value = (ex as { value?: unknown; $ref?: string }).$ref ? resolveExample((ex as { $ref: string }).$ref) : (ex as { value?: unknown }).value;
  return value === undefined ? undefined : structuredClone(value);
}

function resolveExample(ref: string): unknown {
  const node = ref
    .slice(2)
    .split('/')
    .reduce<any>((n, k) => n?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], kitContract().document);
  return node?.value;
}

/** Structured-field list items: `"name";a=1;b=2, ...` → [{name, params}]. Undefined when malformed. */
export function parseSfList(value: string | null): Array<{ name: string; params: Record<string, string> }> | undefined {
  if (value === null) return undefined;
  const items: Array<{ name: string; params: Record<string, string> }> = [];
  for (const raw of value.split(',')) {
    const [head, ...params] = raw.trim().split(';');
    const m = /^"([^"\\]*)"$/.exec(head?.trim() ?? '');
    if (!m) return undefined;
    const p: Record<string, string> = {};
    for (const kv of params) {
      const [k, v] = kv.split('=');
      if (!k || v === undefined || !/^[a-z*][a-z0-9_.*-]*$/.test(k.trim())) return undefined;
      p[k.trim()] = v.trim();
    }
    items.push({ name: m[1]!, params: p });
  }
  return items.length ? items : undefined;
}

/** A structured-field integer (digits only). */
export const isInt = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);

/** Short label for messages: `GET /Individual/{identifier} 401`. */
export function label(op: OperationSpec, r?: HttpResult): string {
  return `${op.method} ${op.pathTemplate}${r ? ` → ${r.status}` : ''}`;
}

/** Headers that legitimately differ between two otherwise identical answers. */
export const VOLATILE_HEADERS = new Set([
  'date',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'connection',
  'keep-alive',
  'x-request-id',
]);

/** An identifier that does not exist but looks like `like` (same system). */
export function absentLike(like: string, runId: string): string {
  const system = like.split('|')[0]!;
  return `${system}|spp-kit-absent-${runId}`;
}
