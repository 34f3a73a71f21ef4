/**
 * Scopes: the reader client can do exactly what its scopes allow — every secured operation is tried, the allowed
 * ones must get past authorization (any answer but 401/403), the others must get 403 SCOPE_INSUFFICIENT — and a
 * resource:all token covers its one resource and nothing else. Expected outcomes come from the contract's
 * security requirements through scopesAllow; nothing is restated.
 */
import { scopesAllow, type OperationSpec } from '../../contract/index.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { absentParams, cheapQuery, errorCodeOf, expectedFor, harmlessBody, label, operationResources, resourceOfScope, securedOperations } from './helpers.js';
import { subsetToken } from './token.js';

function call(ctx: CheckContext, op: OperationSpec, token: RoleToken): Promise<HttpResult> {
  const body = harmlessBody(op);
  return ctx.api(op, { token, params: absentParams(op, ctx.runId), query: op.method === 'GET' ? cheapQuery(op) : {}, ...(body !== undefined ? { body } : {}) });
}

/** The statuses of a refused token (401) and of a missing scope (403), from the contract's error catalogue. */
const TOKEN_REFUSED = expectedFor('INVALID_TOKEN').status;
const SCOPE_MISSING = expectedFor('SCOPE_INSUFFICIENT').status;

/** One operation under a token: allowed → not 401/403; refused → 403 SCOPE_INSUFFICIENT. */
function judge(ctx: CheckContext, id: string, op: OperationSpec, r: HttpResult, allowed: boolean, why: string): void {
  if (allowed) ctx.assert(id, r.status !== TOKEN_REFUSED && r.status !== SCOPE_MISSING, `${label(op, r)}: allowed by ${why}, so authorization must pass`, r);
  else
    ctx.assert(
      id,
      r.status === SCOPE_MISSING && errorCodeOf(r.json) === 'SCOPE_INSUFFICIENT',
      `${label(op, r)} ${errorCodeOf(r.json) ?? ''}: not allowed by ${why}, so 403 SCOPE_INSUFFICIENT`,
      r,
    );
}

export const scopeChecks: Check[] = [
  {
    id: 'scopes-reader-matrix',
    title: 'The reader client can call exactly the operations its scopes allow',
    suite: 'scopes',
    verifies: ['OSPP-SC-01', 'RS-01', 'RS-15'],
    needs: { clients: ['reader'] },
    uses: ['reader'],
    async run(ctx: CheckContext) {
      const reader = await ctx.token('reader');
      const granted = new Set(reader.scope.split(' ').filter(Boolean));
      let allowedCount = 0;
      for (const op of securedOperations()) {
        const allowed = scopesAllow(op, granted);
        if (allowed) allowedCount++;
        const r = await call(ctx, op, reader);
        judge(ctx, 'OSPP-SC-01', op, r, allowed, `the reader's scopes (${[...granted].join(' ')})`);
        if (allowed) ctx.assert('RS-01', r.status !== TOKEN_REFUSED, `${label(op, r)}: a valid bearer token is accepted`, r);
        else ctx.assert('RS-15', r.status === SCOPE_MISSING, `${label(op, r)}: the scope is checked`, r);
      }
      ctx.measure('readerAllowedOperations', allowedCount);
    },
  },
  {
    id: 'scopes-resource-all',
    title: 'resource:all covers every operation of that resource and no other',
    suite: 'scopes',
    verifies: ['OSPP-SC-02'],
    needs: { clients: ['full'] },
    uses: ['full', 'subset'],
    async run(ctx: CheckContext) {
      const t = await subsetToken(ctx);
      if (!t.requested.endsWith(':all')) ctx.skip(`the full client holds no resource:all scope (asked '${t.requested}')`);
      const resource = resourceOfScope(t.requested);
      for (const op of securedOperations()) {
        const mine = operationResources(op).has(resource);
        const r = await call(ctx, op, t);
        // An operation that needs no scope at all ($batch) is allowed for any token; it belongs to no resource.
        const allowed = mine || scopesAllow(op, new Set());
        judge(ctx, 'OSPP-SC-02', op, r, allowed, t.requested);
      }
    },
  },
];
