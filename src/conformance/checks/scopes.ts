/**
 * Scopes: the reader client can do exactly what its scopes allow — every secured operation is tried, the allowed
 * ones must get past authorization (any answer but 401/403), the others must be refused (their 403
 * SCOPE_INSUFFICIENT is the sweep's business) — and a
 * resource:all token covers its one resource and nothing else. What a token may do is judged from what it holds
 * (the response's scope, its claims), not from what was asked: a server may ignore a requested scope when it
 * reports the issued one (RFC 6749 §3.3). Expected outcomes come from the contract's security requirements through
 * scopesAllow; nothing is restated. An operation the target does not serve is not judged here (see the sweep).
 */
import { scopesAllow, type OperationSpec } from '../../contract/index.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { errorCodeOf, expectedFor, label, resourceOfScope, securedOperations } from './helpers.js';
import { isRefusal, judgeOrder, probe, scopeProbe, servedness } from './probes.js';
import { subsetToken } from './token.js';

/** The statuses of a refused token (401) and of a missing scope (403), from the contract's error catalogue. */
const TOKEN_REFUSED = expectedFor('INVALID_TOKEN').status;
const SCOPE_MISSING = expectedFor('SCOPE_INSUFFICIENT').status;

/** An allowed operation must get past authorization. */
function judgeAllowed(ctx: CheckContext, id: string, op: OperationSpec, r: HttpResult, why: string): void {
  ctx.assert(id, r.status !== TOKEN_REFUSED && r.status !== SCOPE_MISSING, `${label(op, r)}: allowed by ${why}, so authorization must pass`, r, {
    cause: `an operation the token's scopes allow is refused (${r.status})`,
  });
}

/**
 * A refused operation must be refused: the scope matrix is met by the refusal; its status and code (403
 * SCOPE_INSUFFICIENT) are the 401/403 sweep's business (OSPP-ERR-02, RS-11), judged there once per operation.
 */
function judgeRefused(ctx: CheckContext, id: string, op: OperationSpec, r: HttpResult, why: string): void {
  ctx.assert(id, isRefusal(r), `${label(op, r)} ${errorCodeOf(r.json) ?? ''}: not allowed by ${why}, so refused`, r, {
    cause: `an operation the token's scopes do not allow is let through (${r.status})`,
  });
}

/** What the operations the target does not serve and the probes that never reached the scope check leave undecided. */
interface Undecided {
  unserved: string[];
  notReached: string[];
}

function reportUndecided(ctx: CheckContext, u: Undecided): void {
  if (u.unserved.length) ctx.measure('notServed', u.unserved.join(', '));
  if (u.notReached.length) {
    ctx.measure('scopeCheckNotReached', u.notReached.join(', '));
    ctx.log(`the scope check was not reached for ${u.notReached.join(', ')} (validation before authorization, RS-16): not counted as enforced`);
  }
}

/**
 * One operation under a token: allowed → past authorization; not allowed → 403 SCOPE_INSUFFICIENT, once the
 * scope check is reached (a write whose body is refused first is reported under RS-16, not as "enforced").
 */
async function judgeOperation(
  ctx: CheckContext,
  op: OperationSpec,
  token: RoleToken,
  ids: { matrix: string; accepted?: string; enforced?: string },
  u: Undecided,
): Promise<void> {
  if (!(await servedness(ctx, op)).served) {
    u.unserved.push(op.id);
    return;
  }
  const held = new Set(token.scope.split(' ').filter(Boolean));
  const why = `the token's scopes (${[...held].join(' ') || 'none'})`;
  if (scopesAllow(op, held)) {
    const r = await probe(ctx, op, { token });
    judgeAllowed(ctx, ids.matrix, op, r, why);
    if (ids.accepted) ctx.assert(ids.accepted, r.status !== TOKEN_REFUSED, `${label(op, r)}: a valid bearer token is accepted`, r);
    return;
  }
  const p = await scopeProbe(ctx, op, token);
  judgeOrder(ctx, 'RS-16', op, p, `${op.id}'s scope`);
  if (!p.reached) {
    u.notReached.push(op.id);
    return;
  }
  judgeRefused(ctx, ids.matrix, op, p.answer, why);
  if (ids.enforced) ctx.assert(ids.enforced, isRefusal(p.answer), `${label(op, p.answer)}: the scope is checked`, p.answer);
}

/** Why a resource:all token cannot show OSPP-SC-02: it holds scopes of other resources too (a server that ignored the request). */
function wider(t: RoleToken & { requested: string }): string | undefined {
  const resource = resourceOfScope(t.requested);
  const held = t.scope.split(' ').filter(Boolean);
  if (!held.includes(t.requested)) return `the target issued '${t.scope}' for a request of '${t.requested}'`;
  const others = held.filter((s) => resourceOfScope(s) !== resource);
  if (!others.length) return undefined;
  return `the target issued '${t.scope}' for a request of '${t.requested}' (it ignores requested scopes, which RFC 6749 §3.3 allows when the issued scope is reported): no token holds ${t.requested} alone, so "no other resource" cannot be shown`;
}

export const scopeChecks: Check[] = [
  {
    id: 'scopes-reader-matrix',
    title: 'The reader client can call exactly the operations its scopes allow',
    suite: 'scopes',
    verifies: ['OSPP-SC-01', 'RS-01', 'RS-15', 'RS-16'],
    needs: { clients: ['reader'] },
    uses: ['reader'],
    async run(ctx: CheckContext) {
      const reader = await ctx.token('reader');
      const u: Undecided = { unserved: [], notReached: [] };
      for (const op of securedOperations()) await judgeOperation(ctx, op, reader, { matrix: 'OSPP-SC-01', accepted: 'RS-01', enforced: 'RS-15' }, u);
      reportUndecided(ctx, u);
    },
  },
  {
    id: 'scopes-resource-all',
    title: 'resource:all covers every operation of that resource and no other',
    suite: 'scopes',
    verifies: ['OSPP-SC-02', 'RS-16'],
    needs: { clients: ['full'] },
    uses: ['full', 'subset'],
    async run(ctx: CheckContext) {
      const t = await subsetToken(ctx);
      if (!t.requested.endsWith(':all')) ctx.skip(`the full client holds no resource:all scope (asked '${t.requested}')`);
      const why = wider(t);
      if (why) ctx.skip(why);
      // What the token holds decides (scopesAllow): every operation of its resource, and those that need no scope ($batch).
      const u: Undecided = { unserved: [], notReached: [] };
      for (const op of securedOperations()) await judgeOperation(ctx, op, t, { matrix: 'OSPP-SC-02' }, u);
      reportUndecided(ctx, u);
    },
  },
];
