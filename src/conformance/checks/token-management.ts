/**
 * Token revocation (RFC 7009) and introspection (RFC 7662), where the target offers them: what a client can
 * revoke and what it then sees, answers for tokens that are not (or no longer) valid, and client authentication.
 */
import type { Check } from '../check.js';
import {
  activeOf,
  answerText,
  flowClient,
  freshGrant,
  grantWithRefresh,
  GRANT_REQUESTS,
  hasEndpoint,
  introspect,
  refreshGrant,
  revoke,
} from '../user-flows/flow.js';
import { observeRevocation } from '../user-flows/observe.js';

const check = (c: Omit<Check, 'suite'>): Check => ({ suite: 'user-flows', ...c });

/** A string no server issued: long and random enough not to be anyone's token. */
const notAToken = (runId: string) => `spp-kit-not-a-token-${runId}-${Math.random().toString(36).slice(2)}`;

export const tokenManagementChecks: Check[] = [
  check({
    id: 'revocation-refresh-token',
    title: 'A revoked refresh token is refused',
    verifies: ['REV-02'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 2,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'revocation'))) return ctx.skip('the target offers no revocation endpoint');
      const client = flowClient(ctx, 'confidential');
      const t = await grantWithRefresh(ctx, client);
      const r = await revoke(ctx, client, t.refreshToken, 'refresh_token');
      if (r.status !== 200) return ctx.skip(`precondition not met: the revocation request answered ${answerText(r)}`);
      const after = await refreshGrant(ctx, client, t.refreshToken);
      ctx.assert('REV-02', after.status !== 200, `a refresh with the revoked refresh token answered ${answerText(after)}`, [r, after]);
    },
  }),
  check({
    id: 'revocation-access-token',
    title: 'A revoked access token is no longer active',
    verifies: ['REV-06', 'OSPP-UF-03'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 2,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'revocation'))) return ctx.skip('the target offers no revocation endpoint');
      const client = flowClient(ctx, 'confidential');
      const t = await freshGrant(ctx, client);
      const r = await revoke(ctx, client, t.accessToken, 'access_token');
      if (r.status !== 200) return ctx.skip(`precondition not met: the revocation request answered ${answerText(r)}`);
      // Only the access token: its refresh token may rightly live on, so it is not looked at.
      await observeRevocation(
        ctx,
        ['REV-06', 'OSPP-UF-03'],
        client,
        { accessToken: t.accessToken, refreshToken: undefined },
        'after the access token was revoked',
      );
    },
  }),
  check({
    id: 'revocation-unknown-token',
    title: 'Revoking a token the server never issued is answered 200',
    verifies: ['REV-03'],
    needs: { userFlows: 'any' },
    tokenRequests: 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'revocation'))) return ctx.skip('the target offers no revocation endpoint');
      const r = await revoke(ctx, flowClient(ctx, 'confidential'), notAToken(ctx.runId));
      ctx.assert('REV-03', r.status === 200, `revoking an unknown token answered ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'revocation-requires-client-auth',
    title: 'A revocation request without client authentication is refused',
    verifies: ['REV-01'],
    needs: { userFlows: 'confidential' },
    tokenRequests: 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'revocation'))) return ctx.skip('the target offers no revocation endpoint');
      const r = await revoke(ctx, undefined, notAToken(ctx.runId));
      ctx.assert('REV-01', r.status === 400 || r.status === 401, `a revocation request with no client authentication answered ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'introspection-active-token',
    title: "Introspection describes a client's active token: active, with consistent members",
    verifies: ['INT-01', 'INT-03', 'INT-06'],
    needs: { userFlows: 'confidential' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'introspection'))) return ctx.skip('the target offers no introspection endpoint');
      const client = flowClient(ctx, 'confidential');
      const t = await freshGrant(ctx, client);
      const r = await introspect(ctx, client, t.accessToken);
      const body = r.json as Record<string, unknown> | undefined;
      ctx.assert('INT-01', r.status === 200, `a form POST with the token answered ${r.status}`, r);
      ctx.assert('INT-03', activeOf(r) === true, `active ${JSON.stringify(body?.active)} (${r.contentType ?? 'no content type'})`, r);
      if (!body || activeOf(r) !== true) return;
      const granted = (t.scope ?? '').split(' ');
      const problems = [
        body.client_id !== undefined && body.client_id !== client.clientId ? `client_id ${JSON.stringify(body.client_id)}` : '',
        typeof body.scope === 'string' && t.scope !== undefined && body.scope.split(' ').some((s) => !granted.includes(s))
          ? `scope '${body.scope}' beyond '${t.scope}'`
          : '',
        typeof body.exp === 'number' && body.exp * 1000 < Date.now() - ctx.clockSkewMs - 60_000 ? `exp ${body.exp} in the past` : '',
      ].filter(Boolean);
      ctx.assert(
        'INT-06',
        problems.length === 0,
        problems.length ? `members disagree with the token: ${problems.join(', ')}` : `members agree with the token (${Object.keys(body).join(', ')})`,
        r,
      );
    },
  }),
  check({
    id: 'introspection-unknown-token',
    title: 'Introspection of a token the server never issued says active false, and nothing else',
    verifies: ['INT-04'],
    needs: { userFlows: 'confidential' },
    tokenRequests: 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'introspection'))) return ctx.skip('the target offers no introspection endpoint');
      const r = await introspect(ctx, flowClient(ctx, 'confidential'), notAToken(ctx.runId));
      const body = r.json as Record<string, unknown> | undefined;
      const extra = body ? Object.keys(body).filter((k) => k !== 'active') : [];
      ctx.assert(
        'INT-04',
        activeOf(r) === false && extra.length === 0,
        `answered ${r.status} ${body ? JSON.stringify(body).slice(0, 200) : '(no JSON body)'}`,
        r,
      );
    },
  }),
  check({
    id: 'introspection-requires-auth',
    title: 'An introspection request without client authentication is refused',
    verifies: ['INT-02'],
    needs: { userFlows: 'any' },
    tokenRequests: 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'introspection'))) return ctx.skip('the target offers no introspection endpoint');
      const r = await introspect(ctx, undefined, notAToken(ctx.runId));
      ctx.assert('INT-02', r.status !== 200, `an introspection request with no client authentication answered ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'introspection-bad-credentials',
    title: 'An introspection request with wrong client credentials is answered 401',
    verifies: ['INT-05'],
    needs: { userFlows: 'confidential' },
    tokenRequests: 1,
    async run(ctx) {
      if (!(await hasEndpoint(ctx, 'introspection'))) return ctx.skip('the target offers no introspection endpoint');
      const client = flowClient(ctx, 'confidential');
      const r = await introspect(ctx, { ...client, clientSecret: `${client.clientSecret}-not` }, notAToken(ctx.runId));
      ctx.assert('INT-05', r.status === 401, `the client's id with a wrong secret answered ${answerText(r)} (RFC 7662 §2.3: 401)`, r);
    },
  }),
];
