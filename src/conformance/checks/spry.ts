/**
 * Spry's own conventions (seed 003, Spry API "Authentication"), reported rather than required: the read/write
 * scopes, and the members its token responses add — organisation_id, user_id, roles, clinic_id_list, name. Their
 * requirements are INFO-level: a server without them is not wrong, it is not Spry-shaped, and the report says so.
 */
import type { Check } from '../check.js';
import { activeOf, answerText, flowClient, freshGrant, GRANT_REQUESTS, hasEndpoint, introspect } from '../user-flows/flow.js';

const check = (c: Omit<Check, 'suite'>): Check => ({ suite: 'user-flows', ...c });

/** The members seed 003's token response shows, with the JSON type of its example. */
const SPRY_MEMBERS: Array<[string, (v: unknown) => boolean, string]> = [
  ['organisation_id', (v) => typeof v === 'number', 'a number'],
  ['user_id', (v) => typeof v === 'number', 'a number'],
  ['roles', (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of strings'],
  ['clinic_id_list', (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'), 'a list of numbers'],
  ['name', (v) => typeof v === 'string', 'a string'],
];

export const spryChecks: Check[] = [
  check({
    id: 'spry-token-members',
    title: "A user's token response carries Spry's members (organisation_id, user_id, roles, clinic_id_list, name)",
    verifies: ['SPRY-01'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const t = await freshGrant(ctx, flowClient(ctx, 'confidential'));
      for (const [name, ok, shape] of SPRY_MEMBERS) {
        const value = t.body[name];
        ctx.measure(`spry.${name}`, value === undefined ? 'absent' : ok(value) ? 'present' : `present, not ${shape}`);
        ctx.assert(
          'SPRY-01',
          value !== undefined && ok(value),
          value === undefined ? `${name} absent` : ok(value) ? `${name} is ${shape}` : `${name} is not ${shape}`,
          t.answer,
        );
      }
    },
  }),
  check({
    id: 'spry-scopes',
    title: "A client-credentials token asked for Spry's scopes read and write gets them",
    verifies: ['SPRY-02'],
    needs: { clients: ['full'] },
    tokenRequests: 2,
    async run(ctx) {
      const full = ctx.target.clients.full!;
      const r = await ctx.tokenRequest({ method: ctx.profile.clientAuth.primary, client: full, params: { scope: 'read write' } });
      const body = r.json as { scope?: unknown; access_token?: unknown } | undefined;
      if (r.status !== 200 || typeof body?.access_token !== 'string') {
        ctx.assert('SPRY-02', false, `scope=read write answered ${answerText(r)}`, r);
        return;
      }
      let granted = typeof body.scope === 'string' ? body.scope.split(' ') : undefined;
      let how = granted ? `granted '${granted.join(' ')}'` : 'no scope member (RFC 6749 §5.1: what was asked)';
      // Without a scope member the answer claims what was asked; introspection, where offered, says what the token holds.
      if (!granted && (await hasEndpoint(ctx, 'introspection'))) {
        const i = await introspect(ctx, { kind: 'confidential', clientId: full.clientId, clientSecret: full.clientSecret, redirectUri: '' }, body.access_token);
        const scope = (i.json as { scope?: unknown } | undefined)?.scope;
        if (activeOf(i) === true) {
          granted = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
          how = `no scope member, but introspection says the token holds '${granted.join(' ')}'`;
        }
      }
      const ok = granted === undefined || (granted.includes('read') && granted.includes('write'));
      ctx.assert('SPRY-02', ok, how, r);
    },
  }),
];
