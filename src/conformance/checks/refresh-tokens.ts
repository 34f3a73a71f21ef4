/**
 * Refresh tokens (RFC 6749 §6, OAuth 2.1 §4.3, RFC 9700 §4.14.2): the grant itself, rotation for public clients,
 * a rotated-away token refused, its reuse ending the family, no wider scope, and the binding to the client.
 */
import type { Check, CheckContext } from '../check.js';
import type { UserFlowClient } from '../user-flows/config.js';
import { answerText, flowClient, grantWithRefresh, GRANT_REQUESTS, refreshGrant, tokensOf, userTokenRequest, type Tokens } from '../user-flows/flow.js';

const check = (c: Omit<Check, 'suite'>): Check => ({ suite: 'user-flows', ...c });

/** A first refresh: the new tokens, or the check stops (the refresh grant itself is refresh-grant's business). */
async function refreshedOnce(ctx: CheckContext, client: UserFlowClient): Promise<{ first: Tokens & { refreshToken: string }; second: Tokens }> {
  const first = await grantWithRefresh(ctx, client);
  const r = await refreshGrant(ctx, client, first.refreshToken);
  const second = tokensOf(r);
  if (!second) return ctx.skip(`precondition not met: the first refresh answered ${answerText(r)}`);
  return { first, second };
}

/** The rotated-away token, or the requirement is not applicable: a server that does not rotate has none. */
function rotated(ctx: CheckContext, requirement: string, first: Tokens & { refreshToken: string }, second: Tokens): boolean {
  if (second.refreshToken && second.refreshToken !== first.refreshToken) return true;
  ctx.notApplicable(requirement, 'the server does not rotate refresh tokens for this client (the refresh answer carried no new one)');
  return false;
}

export const refreshTokenChecks: Check[] = [
  check({
    id: 'refresh-grant',
    title: 'A refresh token yields a new access token',
    verifies: ['RT-01'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const t = await grantWithRefresh(ctx, client);
      const r = await refreshGrant(ctx, client, t.refreshToken);
      ctx.assert('RT-01', !!tokensOf(r), `grant_type=refresh_token answered ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'refresh-rotation-public',
    title: "A public client's refresh token is rotated: each refresh returns a new one",
    verifies: ['RT-02'],
    needs: { userFlows: 'public' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      const { first, second } = await refreshedOnce(ctx, flowClient(ctx, 'public'));
      const renewed = !!second.refreshToken && second.refreshToken !== first.refreshToken;
      ctx.assert(
        'RT-02',
        renewed,
        renewed
          ? 'the refresh answer carries a new refresh token'
          : `the refresh answer carries ${second.refreshToken ? 'the same refresh token' : 'no refresh token'}: a stolen one would stay usable`,
        second.answer,
      );
    },
  }),
  check({
    id: 'refresh-rotated-token-refused',
    title: 'A refresh token that was rotated away is refused',
    verifies: ['RT-03'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 2,
    async run(ctx) {
      const client = flowClient(ctx, 'public');
      const { first, second } = await refreshedOnce(ctx, client);
      if (!rotated(ctx, 'RT-03', first, second)) return;
      const replay = await refreshGrant(ctx, client, first.refreshToken);
      ctx.assert('RT-03', replay.status !== 200, `the rotated-away refresh token presented again: ${answerText(replay)}`, replay);
    },
  }),
  check({
    id: 'refresh-reuse-revokes-family',
    title: 'Presenting a rotated-away refresh token ends the family: the current one is refused too',
    verifies: ['RT-04'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 3,
    async run(ctx) {
      const client = flowClient(ctx, 'public');
      const { first, second } = await refreshedOnce(ctx, client);
      if (!rotated(ctx, 'RT-04', first, second)) return;
      await refreshGrant(ctx, client, first.refreshToken);
      const current = await refreshGrant(ctx, client, second.refreshToken!);
      ctx.assert('RT-04', current.status !== 200, `after the old refresh token was replayed, the current one answered ${answerText(current)}`, current);
    },
  }),
  check({
    id: 'refresh-scope-not-widened',
    title: 'A refresh cannot widen the scope the user approved',
    verifies: ['RT-05'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      const scopes = (ctx.target.userFlows?.scope ?? '').split(' ').filter(Boolean);
      if (scopes.length < 2) return ctx.skip('userFlows.scope names fewer than two scopes: the kit approves all but the last one, then asks for it on refresh');
      const client = flowClient(ctx, 'confidential');
      const approved = scopes.slice(0, -1).join(' ');
      const extra = scopes.at(-1)!;
      const t = await grantWithRefresh(ctx, client, approved);
      const r = await refreshGrant(ctx, client, t.refreshToken, scopes.join(' '));
      const got = tokensOf(r);
      // RFC 6749 §5.1: a response without scope means the scope asked for was granted.
      const widened = !!got && (got.scope === undefined || got.scope.split(' ').includes(extra));
      ctx.assert(
        'RT-05',
        !widened,
        got
          ? `approved '${approved}', refreshed for '${scopes.join(' ')}': granted ${got.scope === undefined ? 'what was asked (no scope member)' : `'${got.scope}'`}`
          : `asking for '${extra}' beyond the approval: ${answerText(r)}`,
        r,
      );
    },
  }),
  check({
    id: 'refresh-client-binding',
    title: 'A refresh token is refused to another client',
    verifies: ['RT-06'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      const flows = ctx.target.userFlows!;
      const owner = flowClient(ctx, 'public');
      const other = Object.values(flows.clients).find((c) => c.clientId !== owner.clientId);
      const full = ctx.target.clients.full;
      if (!other && !full) return ctx.skip('no second client: declare both userFlows clients, or clients.full');
      const t = await grantWithRefresh(ctx, owner);
      const r = other
        ? await userTokenRequest(ctx, other, { grant_type: 'refresh_token', refresh_token: t.refreshToken })
        : await ctx.tokenRequest({
            method: ctx.profile.clientAuth.primary,
            client: full!,
            params: { grant_type: 'refresh_token', refresh_token: t.refreshToken },
          });
      ctx.assert('RT-06', r.status !== 200, `${owner.clientId}'s refresh token presented by ${other?.clientId ?? full!.clientId}: ${answerText(r)}`, r);
    },
  }),
];
