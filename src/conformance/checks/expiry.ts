/**
 * Full tier: waits for a short-lived client's token to expire in real time, then checks it is refused with 401
 * and measures when the refusal starts relative to exp on the server's clock (estimated from Date headers).
 */
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { decodeJwt } from '../jwt.js';
import { readTokenResponse } from '../tokens.js';
import { cheapQuery, errorCodeOf, expectedFor, parseChallenges, probeOperation } from './helpers.js';
import { isRefusal } from './probes.js';

export const expiryChecks: Check[] = [
  {
    id: 'expiry-real-time',
    title: "The short-lived client's token is refused with 401 once it expires",
    suite: 'expiry',
    verifies: ['JWT-02', 'AT-10', 'RS-10', 'RS-15', 'O21-04', 'OSPP-ERR-01', 'JWT-05'],
    needs: { clients: ['shortLived'], tier: 'full' },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const client = ctx.target.clients.shortLived!;
      const res = await ctx.tokenRequest({ method: ctx.profile.clientAuth.primary, client });
      const token = readTokenResponse('shortLived', res, ctx.clockSkewMs, client.scope);
      if (!token) ctx.skip(`the shortLived client got no token (${res.status})`);
      const exp = decodeJwt(token.accessToken)?.payload.exp;
      const expMs = typeof exp === 'number' ? exp * 1000 - ctx.clockSkewMs : token.expiresAt;
      const lifetimeMs = expMs - Date.now();
      ctx.measure('shortLived.lifetimeSeconds', Math.round(lifetimeMs / 1000));
      ctx.measure('clockSkewSeconds', Math.round(ctx.clockSkewMs / 100) / 10);
      if (lifetimeMs > 600_000) ctx.skip(`the shortLived token lives ${Math.round(lifetimeMs / 1000)} s; the kit waits at most 600 s`);
      const op = probeOperation(new Set(token.scope.split(' ')));
      if (!op) ctx.skip('the shortLived client may call no secured GET');
      const fresh = await ctx.api(op, { token, query: cheapQuery(op) });
      ctx.assert('RS-15', fresh.status === 200, `fresh short-lived token → ${fresh.status}`, fresh);
      ctx.log(`waiting ${Math.ceil(lifetimeMs / 1000)} s for the shortLived token to expire`);
      await ctx.sleep(Math.max(0, lifetimeMs));
      // Poll once a second until refused, bounded: the first refusal after exp measures the leeway.
      let refused: HttpResult | undefined;
      let last: HttpResult | undefined;
      for (let i = 0; i < 330 && !refused && Date.now() - expMs < 305_000; i++) {
        last = await ctx.api(op, {
          token: token.accessToken,
          forged: "the shortLived client's token, sent again after it expired",
          forgedFrom: 'shortLived',
          query: cheapQuery(op),
        });
        // Any refusal is one (a 403 too): only RS-10 and the contract's code ask for 401.
        if (isRefusal(last)) refused = last;
        else await ctx.sleep(1_000);
      }
      const leeway = Math.round((Date.now() - expMs) / 1000);
      ctx.measure('observedLeewaySeconds', refused ? leeway : -1);
      const ok = !!refused && leeway <= 300;
      const msg = refused ? `refused (${refused.status}) ${leeway} s after exp (server clock)` : `still accepted ${leeway} s after exp`;
      for (const id of ['JWT-02', 'AT-10', 'RS-15', 'O21-04']) ctx.assert(id, ok, msg, refused ?? last!);
      const expected = expectedFor('TOKEN_EXPIRED').status;
      if (refused) ctx.assert('RS-10', refused.status === expected, `an expired token is refused with ${refused.status} (expected ${expected})`, refused);
      else ctx.assert('RS-10', false, msg, last);
      if (refused) {
        const challenge = parseChallenges(refused.headers.get('www-authenticate')).find((c) => c.scheme.toLowerCase() === 'bearer');
        ctx.assert(
          'OSPP-ERR-01',
          refused.status === expected && errorCodeOf(refused.json) === 'TOKEN_EXPIRED' && challenge?.params.error === 'invalid_token',
          `expired token → ${errorCodeOf(refused.json) ?? '(no code)'}, challenge error ${challenge?.params.error ?? '(none)'}`,
          refused,
        );
      }
      ctx.assert(
        'JWT-05',
        Math.abs(ctx.clockSkewMs) < 300_000,
        `server clock differs from the kit's by ${Math.round(ctx.clockSkewMs / 100) / 10} s (from Date headers)`,
      );
    },
  },
];
