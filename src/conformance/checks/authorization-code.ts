/**
 * The authorization code grant (RFC 6749 §4.1, OAuth 2.1 §4.1, RFC 9700 §2.1) and PKCE (RFC 7636): one behaviour
 * per check, each against a fresh authorization of the target file's user. The user step is automated or
 * interactive as the target file says (user-flows/flow.ts).
 */
import type { Check, CheckContext } from '../check.js';
import { decodeJwt } from '../jwt.js';
import type { UserFlowClient } from '../user-flows/config.js';
import { userFlowEndpoints } from '../user-flows/endpoints.js';
import {
  answerText,
  authorize,
  codeOf,
  exchangeCode,
  flowClient,
  freshGrant,
  GRANT_REQUESTS,
  SIGN_IN_REQUESTS,
  tokensOf,
  type Authorization,
} from '../user-flows/flow.js';
import { observeRevocation } from '../user-flows/observe.js';
import { pkcePair } from '../user-flows/pkce.js';

const check = (c: Omit<Check, 'suite'>): Check => ({ suite: 'user-flows', ...c });

/** Where an authorization ended, for messages (the code masked: it is a credential). */
function ended(a: Authorization): string {
  const o = a.outcome;
  if (o.kind === 'page') return `stopped at a page: ${o.reason}`;
  const p = o.params;
  const what = p.get('code') ? 'a code' : p.get('error') ? `error=${p.get('error')}` : 'neither a code nor an error';
  return `redirected to ${o.location.origin}${o.location.pathname} with ${what}`;
}

/** The authorization response's evidence: the answer that carried the redirect, when the kit saw it. */
const evidenceOf = (a: Authorization) => (a.outcome.answer ? [a.outcome.answer] : []);

/** Whether an authorization reached `variant` (a redirect URI the client never registered). */
function reached(a: Authorization, variant: string): boolean {
  if (a.outcome.kind !== 'redirect') return false;
  const to = a.outcome.location;
  const v = new URL(variant);
  if (to.origin !== v.origin || to.pathname !== v.pathname) return false;
  return [...v.searchParams].every(([k, val]) => to.searchParams.get(k) === val);
}

/** Redirect URIs that differ from a registered one only where a lax comparison would not look (RFC 9700 §4.1.3). */
function unregisteredVariants(ctx: CheckContext, registered: string): Array<[string, string]> {
  const u = new URL(registered);
  const withQuery = new URL(registered);
  withQuery.searchParams.append('spp_kit_extra', '1');
  const variants: Array<[string, string]> = [
    ['a path appended (prefix match)', `${u.origin}${u.pathname.replace(/\/$/, '')}/spp-kit-extra${u.search}`],
    ['a query parameter added', withQuery.href],
  ];
  // An interactive run can only listen on the registered loopback address.
  if (!ctx.target.userFlows?.interactive) variants.push(['another host', `https://spp-kit-attacker.invalid${u.pathname}`]);
  return variants;
}

const refused = (status: number, body: unknown) => status !== 200 || typeof (body as { access_token?: unknown })?.access_token !== 'string';

export const authorizationCodeChecks: Check[] = [
  check({
    id: 'authcode-exchange',
    title: 'A code exchanged by its client, with its redirect URI and PKCE verifier, yields a token response',
    verifies: ['AZ-02'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const code = codeOf(ctx, a);
      const r = await exchangeCode(ctx, client, code, { verifier: a.verifier });
      const t = tokensOf(r);
      ctx.assert(
        'AZ-02',
        !!t && typeof t.body.token_type === 'string' && /^bearer$/i.test(t.body.token_type),
        t ? `200 with an access token of type ${JSON.stringify(t.body.token_type)}` : `the exchange answered ${answerText(r)}`,
        r,
      );
    },
  }),
  check({
    id: 'authcode-state',
    title: 'The authorization response returns the request state exactly',
    verifies: ['AZ-01'],
    needs: { userFlows: 'any' },
    tokenRequests: SIGN_IN_REQUESTS,
    async run(ctx) {
      const a = await authorize(ctx, { client: flowClient(ctx, 'confidential') });
      if (a.outcome.kind !== 'redirect') return ctx.skip(`precondition not met: no authorization response (${ended(a)})`);
      const got = a.outcome.params.get('state');
      ctx.assert(
        'AZ-01',
        got === a.state,
        got === null
          ? `the response carries no state (${ended(a)})`
          : got === a.state
            ? `state returned unchanged (${a.state.length} characters, with / + = ? & and spaces)`
            : `state came back altered: sent ${JSON.stringify(a.state)}, got ${JSON.stringify(got)}`,
        evidenceOf(a),
      );
    },
  }),
  check({
    id: 'authcode-iss',
    title: 'The authorization response names the issuer (iss, RFC 9207)',
    verifies: ['AZ-08'],
    needs: { userFlows: 'any' },
    tokenRequests: SIGN_IN_REQUESTS,
    async run(ctx) {
      const { issuer } = await userFlowEndpoints(ctx);
      if (!issuer) return ctx.skip('the issuer is unknown: the target publishes no discovery document');
      const a = await authorize(ctx, { client: flowClient(ctx, 'confidential') });
      if (a.outcome.kind !== 'redirect') return ctx.skip(`precondition not met: no authorization response (${ended(a)})`);
      const iss = a.outcome.params.get('iss');
      ctx.assert('AZ-08', iss === issuer, iss === null ? 'the response carries no iss' : `iss ${iss}, issuer ${issuer}`, evidenceOf(a));
    },
  }),
  check({
    id: 'authcode-user-token-claims',
    title: "A user's access token names the user (sub) and the client (client_id)",
    verifies: ['OSPP-UF-01'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const t = await freshGrant(ctx, client);
      const claims = decodeJwt(t.accessToken)?.payload;
      if (!claims) return ctx.skip('the access token is not a JWT');
      ctx.assert(
        'OSPP-UF-01',
        typeof claims.sub === 'string' && claims.sub !== '' && claims.sub !== client.clientId && claims.client_id === client.clientId,
        `sub ${typeof claims.sub === 'string' ? (claims.sub === client.clientId ? 'is the client id, not the user' : 'names the user') : 'missing'}, client_id ${String(claims.client_id)}`,
        t.answer,
      );
    },
  }),
  check({
    id: 'authcode-redirect-uri-exact',
    title: 'A redirect URI that is not exactly a registered one is refused without redirecting to it',
    verifies: ['AZ-03'],
    needs: { userFlows: 'any' },
    tokenRequests: 3 * SIGN_IN_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      for (const [what, variant] of unregisteredVariants(ctx, client.redirectUri)) {
        const a = await authorize(ctx, { client, redirectUri: variant });
        const hit = reached(a, variant);
        ctx.assert(
          'AZ-03',
          !hit,
          hit ? `${what}: the server redirected to the unregistered ${variant} (${ended(a)})` : `${what}: not redirected there (${ended(a)})`,
          evidenceOf(a),
        );
      }
    },
  }),
  check({
    id: 'authcode-error-redirect',
    title: 'A request refused after the client and redirect URI are known is answered by redirect with error and state',
    verifies: ['AZ-07'],
    needs: { userFlows: 'any' },
    tokenRequests: SIGN_IN_REQUESTS,
    async run(ctx) {
      const a = await authorize(ctx, { client: flowClient(ctx, 'confidential'), responseType: 'spp_kit_unsupported' });
      const o = a.outcome;
      const ok = o.kind === 'redirect' && o.params.get('error') !== null && o.params.get('code') === null && o.params.get('state') === a.state;
      ctx.assert(
        'AZ-07',
        ok,
        o.kind === 'redirect'
          ? `response_type=spp_kit_unsupported: ${ended(a)}${o.params.get('state') === a.state ? ', state returned' : ', state missing or altered'}`
          : `response_type=spp_kit_unsupported: no redirect to the client (${o.reason})`,
        evidenceOf(a),
      );
    },
  }),
  check({
    id: 'authcode-reuse-refused',
    title: 'A code is exchanged once: a second exchange is refused',
    verifies: ['AZ-04'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 1,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const code = codeOf(ctx, a);
      const first = await exchangeCode(ctx, client, code, { verifier: a.verifier });
      if (!tokensOf(first)) return ctx.skip(`precondition not met: the first exchange answered ${answerText(first)}`);
      const second = await exchangeCode(ctx, client, code, { verifier: a.verifier });
      ctx.assert('AZ-04', refused(second.status, second.json), `the second exchange of the same code answered ${answerText(second)}`, second);
    },
  }),
  check({
    id: 'authcode-reuse-revokes',
    title: 'The tokens issued from a code that is used again are revoked',
    verifies: ['AZ-05', 'OSPP-UF-02'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS + 3,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const code = codeOf(ctx, a);
      const t = tokensOf(await exchangeCode(ctx, client, code, { verifier: a.verifier }));
      if (!t) return ctx.skip('precondition not met: the first exchange issued no token');
      await exchangeCode(ctx, client, code, { verifier: a.verifier });
      await observeRevocation(ctx, ['AZ-05', 'OSPP-UF-02'], client, t, 'after the code was used a second time');
    },
  }),
  check({
    id: 'authcode-redirect-uri-binding',
    title: 'A code is refused with another redirect URI than its authorization request named',
    verifies: ['AZ-06'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const code = codeOf(ctx, a);
      const other = `${client.redirectUri.replace(/[?#].*$/, '').replace(/\/$/, '')}/spp-kit-other`;
      const r = await exchangeCode(ctx, client, code, { redirectUri: other, verifier: a.verifier });
      ctx.assert('AZ-06', refused(r.status, r.json), `exchanged with redirect_uri ${other}: ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'pkce-verifier-mismatch',
    title: 'A code requested with a PKCE challenge is refused with another verifier',
    verifies: ['PKCE-01'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const r = await exchangeCode(ctx, client, codeOf(ctx, a), { verifier: pkcePair().verifier });
      ctx.assert('PKCE-01', refused(r.status, r.json), `exchanged with a verifier that does not match the challenge: ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'pkce-verifier-missing',
    title: 'A code requested with a PKCE challenge is refused without a verifier',
    verifies: ['PKCE-02'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client });
      const r = await exchangeCode(ctx, client, codeOf(ctx, a));
      ctx.assert('PKCE-02', refused(r.status, r.json), `exchanged without code_verifier: ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'pkce-downgrade',
    title: 'A verifier sent for a code requested without a challenge is refused (PKCE downgrade)',
    verifies: ['PKCE-03'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const a = await authorize(ctx, { client, pkce: 'none' });
      const code = a.outcome.kind === 'redirect' ? a.outcome.params.get('code') : null;
      if (!code) {
        ctx.assert('PKCE-03', true, `no code without a challenge (${ended(a)}): the downgrade has nothing to start from`, evidenceOf(a));
        return;
      }
      const r = await exchangeCode(ctx, client, code, { verifier: pkcePair().verifier });
      ctx.assert('PKCE-03', refused(r.status, r.json), `a code issued without a challenge, exchanged with a verifier: ${answerText(r)}`, r);
    },
  }),
  check({
    id: 'pkce-plain-refused',
    title: 'The plain PKCE method is refused (only S256)',
    verifies: ['PKCE-04'],
    needs: { userFlows: 'any' },
    tokenRequests: GRANT_REQUESTS,
    async run(ctx) {
      const client = flowClient(ctx, 'confidential');
      const verifier = pkcePair().verifier;
      const a = await authorize(ctx, { client, pkce: { challenge: verifier, method: 'plain' } });
      const code = a.outcome.kind === 'redirect' ? a.outcome.params.get('code') : null;
      if (!code) {
        ctx.assert('PKCE-04', true, `code_challenge_method=plain: ${ended(a)}`, evidenceOf(a));
        return;
      }
      const r = await exchangeCode(ctx, client, code, { verifier });
      ctx.assert(
        'PKCE-04',
        refused(r.status, r.json),
        `code_challenge_method=plain gave a code, and its exchange with the plain verifier answered ${answerText(r)}`,
        r,
      );
    },
  }),
  check({
    id: 'pkce-required-public',
    title: 'A public client gets no code without a PKCE challenge',
    verifies: ['PKCE-05'],
    needs: { userFlows: 'public' },
    tokenRequests: SIGN_IN_REQUESTS,
    async run(ctx) {
      const client: UserFlowClient = flowClient(ctx, 'public');
      const a = await authorize(ctx, { client, pkce: 'none' });
      const code = a.outcome.kind === 'redirect' ? a.outcome.params.get('code') : null;
      ctx.assert('PKCE-05', code === null, `a public client's request without code_challenge: ${ended(a)}`, evidenceOf(a));
    },
  }),
];
