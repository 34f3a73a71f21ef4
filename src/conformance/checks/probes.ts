/**
 * How the 401/403 sweep and the scope checks probe an operation: whether the target serves it at all (asked once
 * per run, without a token), what counts as a refusal, and the request a probe sends — an absent identifier, a
 * cheap query, and for a write the kit expects to be refused a body that reaches the scope check.
 */
import type { OperationSpec } from '../../contract/index.js';
import type { CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import type { Role } from '../types.js';
import { absentParams, cheapQuery, exampleBody, label } from './helpers.js';

/** Any refusal of a credential (RFC 6750 §3.1 uses 401 and 403): what the security requirements ask for. */
export const isRefusal = (r: HttpResult) => r.status === 401 || r.status === 403;

/** An answer that refuses the request itself (validation) rather than its credential. */
export const isValidationAnswer = (r: HttpResult) => r.status === 400 || r.status === 422;

/** Query parameters a probe sends: the cheap search query, and an absent identifier where the operation requires one. */
function probeQuery(ctx: CheckContext, op: OperationSpec): Record<string, string> {
  const query: Record<string, string> = op.method === 'GET' ? cheapQuery(op) : {};
  for (const p of op.parameters)
    if (p.in === 'query' && p.required && p.name === 'identifier') query[p.name] = `${ctx.target.writeIdentifier.system}|absent-${ctx.runId}`;
  return query;
}

/** The credential a probe sends: a client's token, or a string the kit forged (and from whose token). */
export interface Credential {
  token?: RoleToken | string;
  forged?: string;
  forgedFrom?: Role;
}

/**
 * Sends one probe of `op`: absent identifiers, the cheap query, the credential (none when undefined) and the body
 * (a write without one gets `{}`, which no schema accepts: nothing can be created).
 */
export function probe(ctx: CheckContext, op: OperationSpec, credential: Credential = {}, body?: unknown): Promise<HttpResult> {
  return ctx.api(op, {
    ...credential,
    params: absentParams(op, ctx.runId, ctx.target.writeIdentifier.system),
    query: probeQuery(ctx, op),
    ...(body !== undefined ? { body: body as Record<string, unknown> } : op.requestBody ? { body: {} } : {}),
  });
}

export type Servedness = { served: true } | { served: false; reason: string; answer: HttpResult };

/**
 * Whether the target serves `op` as a secured operation: asked once per run with a request without a token (the
 * no-token sweep's own answer when it ran first). 404 or 405 there means the operation is missing — or answers
 * before it authenticates — and none of its token rules can be judged from outside.
 */
export async function servedness(ctx: CheckContext, op: OperationSpec, own?: HttpResult): Promise<Servedness> {
  const r = await ctx.memo(`served:${op.id}`, () => (own ? Promise.resolve(own) : probe(ctx, op)));
  if (r.status !== 404 && r.status !== 405) return { served: true };
  const allow = r.headers.get('allow');
  return {
    served: false,
    answer: r,
    reason: `the target does not serve ${op.method} ${op.pathTemplate} as a secured operation: without a token it answered ${r.status}${allow ? ` (Allow: ${allow})` : ''}, where the contract requires 401 (the operation is missing, or answers before it authenticates)`,
  };
}

/** Marks every requirement of a check not applicable, saying why the answer could not be judged. */
export function notJudged(ctx: CheckContext, ids: readonly string[], why: string): void {
  for (const id of ids) ctx.notApplicable(id, why);
}

/** Marks every requirement of a check not applicable because the operation is not served (reported once, under OSPP-CT-01). */
export function notServed(ctx: CheckContext, ids: readonly string[], why: string): void {
  notJudged(ctx, ids, `${why} (reported once under OSPP-CT-01)`);
}

/** The contract's example body for `op`, re-identified with the target's write identifier (writes: true only). */
function taggedExample(ctx: CheckContext, op: OperationSpec): Record<string, unknown> | undefined {
  const ex = exampleBody(op);
  if (!ex || typeof ex !== 'object' || Array.isArray(ex)) return undefined;
  const body = ex as Record<string, unknown>;
  const { system, valuePrefix } = ctx.target.writeIdentifier;
  if (Array.isArray(body.identifier)) body.identifier = [{ system, value: `${valuePrefix}${ctx.runId}-scope-probe` }];
  return body;
}

/** What a probe with a token lacking the operation's scope showed. */
export interface ScopeProbe {
  /** The answer the scope verdict rests on (the last one sent). */
  answer: HttpResult;
  /** The scope check was reached: the answer is not a validation refusal of the body. */
  reached: boolean;
  /** An answer that refused the body before the scope was checked (validation before authorization). */
  validatedFirst?: HttpResult;
  /** A body no schema accepts was refused with 403: authorization came first. */
  authorizedFirst?: HttpResult;
}

/**
 * Probes `op` with a token that lacks its scope. A write first sends a body no schema accepts (nothing can be
 * created): 403 shows the scope is checked first; 400/422 shows the target validates before it authorizes. Then,
 * only with `writes: true`, the contract's example (tagged) is sent so that the scope check is reached anyway.
 */
export async function scopeProbe(ctx: CheckContext, op: OperationSpec, token: RoleToken): Promise<ScopeProbe> {
  const first = await probe(ctx, op, { token });
  if (!op.requestBody) return { answer: first, reached: true };
  if (!isValidationAnswer(first)) return { answer: first, reached: true, ...(first.status === 403 ? { authorizedFirst: first } : {}) };
  const valid = ctx.target.writes ? taggedExample(ctx, op) : undefined;
  if (!valid) return { answer: first, reached: false, validatedFirst: first };
  const second = await probe(ctx, op, { token }, valid);
  return { answer: second, reached: !isValidationAnswer(second), validatedFirst: first };
}

/**
 * RS-16 from a scope probe: a bad body refused before the scope was checked fails it (unless the valid body then
 * went through: the scope was never checked at all, which the scope verdict reports); a bad body refused with 403
 * passes it.
 */
export function judgeOrder(ctx: CheckContext, id: string, op: OperationSpec, p: ScopeProbe, scope: string): void {
  if (p.validatedFirst && (!p.reached || isRefusal(p.answer)))
    ctx.assert(
      id,
      false,
      `${label(op, p.validatedFirst)} for a token lacking ${scope}: the body was validated before the scope was checked, which tells an unauthorized client about the data model${p.reached ? '' : ' (writes: false, so the kit sent no valid body: the scope check was not reached)'}`,
      p.validatedFirst,
      { cause: 'a request whose token lacks the scope is answered with a validation error (400/422) instead of 403' },
    );
  else if (p.authorizedFirst)
    ctx.assert(
      id,
      true,
      `${label(op, p.authorizedFirst)} for a body no schema accepts and a token lacking ${scope}: the scope is checked first`,
      p.authorizedFirst,
    );
}
