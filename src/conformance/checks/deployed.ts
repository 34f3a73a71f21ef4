/**
 * The deployed dialect's own token rules (openapi/deployed/, the `spp_api_v2` module), judged only under a profile
 * whose contract is the deployed one: token-endpoint refusals as `{"detail"}` bodies (OSPP-DEP-TOK-01), the
 * default lifetime its contract declares (OSPP-DEP-TOK-02), and its JWT (OSPP-DEP-TOK-03). The published
 * contract's counterparts (TERR-*, OSPP-TOK-03/04, AT-01/03) are the openspp profile's.
 */
import type { Check, CheckContext } from '../check.js';
import { decodeJwt } from '../jwt.js';
import { kitOperation } from '../kit-contract.js';
import type { HttpResult } from '../http.js';
import { detailProblem } from './helpers.js';

const onlyDeployed = (p: { contract: boolean; dialect: string; name: string }) =>
  p.contract && p.dialect === 'deployed' ? undefined : `the deployed dialect's own rule (the ${p.name} profile judges the ${p.dialect} contract)`;

/** A token-endpoint refusal as the deployed contract has it: the status, no token, a `{"detail"}` body. */
function assertDetailRefusal(ctx: CheckContext, r: HttpResult, status: number, what: string): void {
  const body = r.json as Record<string, unknown> | undefined;
  const issued = typeof body?.access_token === 'string';
  const problem = detailProblem(r.json, r.status);
  ctx.assert(
    'OSPP-DEP-TOK-01',
    r.status === status && !issued && !problem,
    `${what} → ${r.status}${issued ? ' with a token' : ''}${problem ? `: ${problem}` : `: ${JSON.stringify(body?.detail)}`} (expected ${status} {"detail"})`,
    r,
    { cause: issued ? 'a token was issued' : r.status !== status ? `answered ${r.status}, not ${status}` : `the body is not {"detail"}: ${problem}` },
  );
}

export const deployedChecks: Check[] = [
  {
    id: 'deployed-token-errors',
    title: 'Token-endpoint refusals are {"detail"} bodies: 401 for a wrong secret, 400 for another grant_type or an unreadable request',
    suite: 'token',
    verifies: ['OSPP-DEP-TOK-01'],
    needs: { clients: ['full'] },
    tokenRequests: 3,
    notApplicable: onlyDeployed,
    async run(ctx: CheckContext) {
      const full = ctx.target.clients.full!;
      const wrong = await ctx.tokenRequest({ method: 'json', client: { ...full, clientSecret: `${full.clientSecret}-wrong` } });
      assertDetailRefusal(ctx, wrong, 401, 'JSON credentials with a wrong secret');
      const grant = await ctx.tokenRequest({ method: 'json', client: full, params: { grant_type: 'password' } });
      assertDetailRefusal(ctx, grant, 400, 'grant_type=password');
      const url = `${ctx.target.baseUrl}${kitOperation('issueToken').pathTemplate}`;
      const empty = await ctx.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        countsAsToken: true,
      });
      assertDetailRefusal(ctx, empty, 400, 'a JSON body without credentials');
    },
  },
  {
    id: 'deployed-token-lifetime',
    title: "Tokens live the deployed contract's default lifetime (24 hours)",
    suite: 'token',
    verifies: ['OSPP-DEP-TOK-02'],
    needs: { clients: ['full'] },
    uses: ['full'],
    notApplicable: onlyDeployed,
    async run(ctx: CheckContext) {
      const t = await ctx.token('full');
      const e = ctx.adopt(t.exchangeId);
      const declared = kitOperation('issueToken').extensions['x-default-token-lifetime'];
      const payload = decodeJwt(t.accessToken)?.payload;
      const claimed = typeof payload?.exp === 'number' && typeof payload?.iat === 'number' ? payload.exp - payload.iat : undefined;
      const expiresIn = t.response.expires_in;
      ctx.assert(
        'OSPP-DEP-TOK-02',
        expiresIn === declared && (claimed === undefined || Math.abs(claimed - Number(declared)) <= 1),
        `expires_in ${JSON.stringify(expiresIn)}, exp - iat ${claimed ?? '?'} (the deployed contract's default: ${String(declared)} s)`,
        e,
        { cause: `tokens live ${JSON.stringify(expiresIn)} s, not ${String(declared)} s` },
      );
    },
  },
  {
    id: 'deployed-token-claims',
    title: "The access token is an HS256 JWT typed JWT with the module's claims and a scopes array",
    suite: 'token',
    verifies: ['OSPP-DEP-TOK-03'],
    needs: { clients: ['full'] },
    uses: ['full'],
    notApplicable: onlyDeployed,
    async run(ctx: CheckContext) {
      const t = await ctx.token('full');
      const e = ctx.adopt(t.exchangeId);
      const d = decodeJwt(t.accessToken);
      if (!d) {
        ctx.assert('OSPP-DEP-TOK-03', false, 'the access token is not a decodable JWT', e, { cause: 'not a JWT' });
        return;
      }
      const { header, payload } = d;
      const missing = ['iss', 'aud', 'sub', 'client_id', 'iat', 'exp', 'scopes'].filter((c) => payload[c] === undefined);
      const granted = new Set((typeof t.response.scope === 'string' ? t.response.scope : '').split(' ').filter(Boolean));
      const scopes = Array.isArray(payload.scopes) ? (payload.scopes as unknown[]).map(String) : undefined;
      const sameScopes = !!scopes && scopes.length === granted.size && scopes.every((s) => granted.has(s));
      const problems = [
        header.alg !== 'HS256' ? `alg ${String(header.alg)}` : '',
        header.typ !== 'JWT' ? `typ ${JSON.stringify(header.typ)}` : '',
        missing.length ? `claims missing: ${missing.join(', ')}` : '',
        scopes === undefined
          ? payload.scopes === undefined
            ? ''
            : 'scopes is not an array'
          : sameScopes
            ? ''
            : `scopes ${JSON.stringify(scopes)} differ from the granted '${[...granted].join(' ')}'`,
      ].filter(Boolean);
      ctx.assert(
        'OSPP-DEP-TOK-03',
        problems.length === 0,
        problems.length ? problems.join('; ') : 'HS256, typ JWT, iss, aud, sub, client_id, iat, exp and the granted scopes as an array',
        e,
        { cause: `the token is not the module's: ${problems.join('; ')}` },
      );
    },
  },
];
