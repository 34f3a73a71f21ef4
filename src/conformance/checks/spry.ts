/**
 * Spry's own conventions (seed 003, Spry API "Authentication"), reported rather than required: the read/write
 * scopes, and the members its token responses add — organisation_id, user_id, roles, clinic_id_list, name. Their
 * requirements are INFO-level: a server without them is not wrong, it is not Spry-shaped, and the report says so.
 */
import type { Check } from '../check.js';
import { answerText, flowClient, freshGrant, GRANT_REQUESTS } from '../user-flows/flow.js';

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
        ctx.assert('SPRY-01', value !== undefined && ok(value), value === undefined ? `${name} absent` : ok(value) ? `${name} is ${shape}` : `${name} is not ${shape}`, t.answer);
      }
    },
  }),
  check({
    id: 'spry-scopes',
    title: "A client-credentials token asked for Spry's scopes read and write gets them",
    verifies: ['SPRY-02'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx) {
      const r = await ctx.tokenRequest({ method: ctx.profile.clientAuth.primary, client: ctx.target.clients.full!, params: { scope: 'read write' } });
      const body = r.json as { scope?: unknown; access_token?: unknown } | undefined;
      const granted = typeof body?.scope === 'string' ? body.scope.split(' ') : undefined;
      // RFC 6749 §5.1: without a scope member the scope asked for was granted.
      const ok = r.status === 200 && typeof body?.access_token === 'string' && (granted === undefined || (granted.includes('read') && granted.includes('write')));
      ctx.assert('SPRY-02', ok, r.status === 200 ? `granted ${granted ? `'${granted.join(' ')}'` : 'what was asked (no scope member)'}` : `scope=read write answered ${answerText(r)}`, r);
    },
  }),
];
