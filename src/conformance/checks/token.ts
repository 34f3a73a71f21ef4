/**
 * The token endpoint: each client-authentication method the profile expects, the response fields and headers,
 * the JWT header and claims, the error codes and statuses, scope subsetting. Every request here counts against
 * the token budget; the working tokens come from the preflight and are reused.
 */
import { kitContract } from '../kit-contract.js';
import type { Check, CheckContext, Evidence, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import type { Exchange } from '../types.js';
import { decodeJwt } from '../jwt.js';
import type { AuthMethod, Profile } from '../profiles.js';
import type { TargetClient } from '../target.js';
import { allScope, parseChallenges } from './helpers.js';
import {
  assertJwtClaims,
  assertJwtHeader,
  assertJwtTimes,
  assertOAuthError,
  assertRfc6749Response,
  assertSeedResponse,
  lifetimeOf,
  tokenIssued,
} from './token-answers.js';

const usesMethod = (p: Profile, m: AuthMethod) => p.clientAuth.expected.includes(m) || p.clientAuth.optional.includes(m);

/** A body-carried method for negative tests: the profile's primary one unless that is Basic. */
function bodyMethod(p: Profile): AuthMethod {
  if (p.clientAuth.primary !== 'basic') return p.clientAuth.primary;
  return (['post', 'json', 'query'] as const).find((m) => usesMethod(p, m)) ?? 'post';
}

/** A form-encoded method for requests a JSON body cannot express (`scope=`): the primary one unless that is JSON. */
function formMethod(p: Profile): AuthMethod {
  return p.clientAuth.primary === 'json' ? 'post' : p.clientAuth.primary;
}

// Nothing of the real secret goes into a wrong one: reports show wrong secrets unmasked.
const wrong = (c: TargetClient): TargetClient => ({ clientId: c.clientId, clientSecret: 'spp-kit-wrong-secret-0000', ...(c.scope ? { scope: c.scope } : {}) });

/**
 * A request the token endpoint must refuse: `id` passes when no token was issued (the refusal itself; its code is
 * judged apart). Returns the error code of the refusal, or false when a token was issued.
 */
function refusedWithout(ctx: CheckContext, id: string, r: HttpResult, what: string): string | undefined | false {
  const body = r.json as { error?: unknown; access_token?: unknown } | undefined;
  const issued = r.status === 200 && typeof body?.access_token === 'string';
  const error = typeof body?.error === 'string' ? body.error : undefined;
  ctx.assert(id, !issued && r.status >= 400, `${what} → ${r.status} ${issued ? 'with a token' : (error ?? '(no error code)')}`, r, {
    cause: issued ? 'a token was issued' : `answered ${r.status}`,
  });
  return issued ? false : error;
}

/** HTTP-01 on a token-endpoint answer: a 401 carries a challenge (RFC 9110 §15.5.2), whatever the request was. */
function challengeOn401(ctx: CheckContext, r: HttpResult | Exchange): void {
  const status = 'exchange' in r ? r.status : r.response?.status;
  const header = 'exchange' in r ? r.headers.get('www-authenticate') : r.response?.headers['www-authenticate'];
  if (status !== 401) {
    ctx.notApplicable('HTTP-01', `answered ${status ?? 'nothing'}, not 401`);
    return;
  }
  ctx.assert('HTTP-01', !!header, `token endpoint 401 with WWW-Authenticate: ${header ?? '(none)'}`, r, {
    cause: header ? 'challenge present' : 'a token-endpoint 401 without WWW-Authenticate',
  });
}

/** What the token endpoint answers the full client asking for no scope (a request of its own when the target file declares one). */
interface Scopeless {
  status: number;
  issued: boolean;
  scope?: string;
  error?: string;
  /** The answer, when this run sent the request; else the preflight's exchange. */
  r?: HttpResult;
  e?: Exchange;
}

function scopelessAnswer(ctx: CheckContext): Promise<Scopeless> {
  return ctx.memo('token:scopeless', async () => {
    const client = ctx.target.clients.full!;
    if (!client.scope) {
      // The preflight asked without a scope: its answer is the one.
      const t = await ctx.token('full');
      const e = ctx.adopt(t.exchangeId);
      return { status: t.status, issued: true, ...(typeof t.response.scope === 'string' ? { scope: t.response.scope } : {}), ...(e ? { e } : {}) };
    }
    const r = await ctx.tokenRequest({ method: formMethod(ctx.profile), client, params: { scope: undefined } });
    const body = r.json as Record<string, unknown> | undefined;
    return {
      status: r.status,
      issued: r.status === 200 && typeof body?.access_token === 'string',
      ...(typeof body?.scope === 'string' ? { scope: body.scope } : {}),
      ...(typeof body?.error === 'string' ? { error: body.error } : {}),
      r,
    };
  });
}

function primaryToken(ctx: CheckContext): Promise<RoleToken> {
  return ctx.token('full');
}

function methodCheck(method: AuthMethod, verifies: string[], title: string): Check {
  return {
    id: `token-auth-${method}`,
    title,
    suite: 'token',
    verifies,
    needs: { clients: ['full'] },
    uses: ['full'],
    // The primary method is what the preflight used: its token is the evidence, no extra request.
    tokenRequests: (p) => (p.clientAuth.primary === method ? 0 : 1),
    notApplicable: (p) => (usesMethod(p, method) ? undefined : `the ${p.name} profile does not use ${method} client authentication`),
    async run(ctx: CheckContext) {
      const client = ctx.target.clients.full!;
      let ok: boolean;
      let evidence: Evidence | undefined;
      if (ctx.profile.clientAuth.primary === method) {
        const t = await primaryToken(ctx);
        const e = ctx.adopt(t.exchangeId);
        evidence = e;
        ok = t.status === 200;
        for (const id of verifies.filter((v) => v !== 'CA-02' && v !== 'TE-07'))
          ctx.assert(id, ok, `${method}: the preflight's token request was answered ${t.status} with a token`, e);
      } else {
        const r = await ctx.tokenRequest({ method, client });
        evidence = r;
        ok = verifies
          .filter((v) => v !== 'CA-02' && v !== 'TE-07')
          .map((id) => tokenIssued(ctx, id, r, method))
          .every(Boolean);
      }
      if (verifies.includes('TE-07')) {
        // Any form-encoded request that works shows TE-07; Basic (when the profile uses it) is the canonical one.
        if (method === 'post' && usesMethod(ctx.profile, 'basic')) ctx.notApplicable('TE-07', 'shown by the HTTP Basic request (form body)');
        else ctx.assert('TE-07', ok, `${method}: a form-encoded token request ${ok ? 'is' : 'is not'} accepted`, evidence);
      }
      if (verifies.includes('CA-02')) {
        const changes = client.clientSecret !== new URLSearchParams({ x: client.clientSecret }).toString().slice(2) || /[:%+]/.test(client.clientId);
        if (!changes) ctx.notApplicable('CA-02', 'the full client secret has no characters that form-encoding changes; declare such a client to test it');
        else ctx.assert('CA-02', ok, 'a secret with reserved characters authenticates when form-encoded before base64', evidence);
      }
    },
  };
}

export const tokenChecks: Check[] = [
  {
    id: 'token-response',
    title: 'The token response has the required fields and no-cache headers',
    suite: 'token',
    verifies: ['TR-01', 'TR-02', 'TR-03', 'TR-04', 'TR-06', 'TR-07', 'O21-02', 'CC-04', 'SC-01', 'OSPP-TOK-02', 'OSPP-TOK-04', 'OSPP-SC-03', 'RS-14'],
    needs: { clients: ['full'] },
    uses: ['full', 'reader'],
    async run(ctx: CheckContext) {
      const tokens: RoleToken[] = [await primaryToken(ctx)];
      if (ctx.target.clients.reader) tokens.push(await ctx.token('reader'));
      for (const t of tokens) {
        const e = ctx.adopt(t.exchangeId);
        const life = lifetimeOf(t);
        assertRfc6749Response(ctx, t, life, e);
        assertSeedResponse(ctx, t, life, e);
      }
    },
  },
  {
    id: 'token-jwt',
    title: 'The access token is a signed JWT whose header and claims fit the profile',
    suite: 'token',
    verifies: ['AT-01', 'AT-02', 'AT-03', 'AT-04', 'AT-05', 'BCP-03', 'BCP-04', 'BCP-08', 'JWT-05', 'OCRVS-02', 'OCRVS-03', 'OCRVS-04'],
    needs: { clients: ['full'] },
    uses: ['full'],
    notApplicable: (p) => (p.token.format === 'jwt' ? undefined : `the ${p.name} profile allows opaque tokens`),
    async run(ctx: CheckContext) {
      const t = await primaryToken(ctx);
      const e = ctx.adopt(t.exchangeId);
      const d = decodeJwt(t.accessToken);
      if (!d) {
        for (const id of ['AT-01', 'AT-02', 'AT-03', 'OCRVS-02']) ctx.assert(id, false, 'the access token is not a decodable JWT', e);
        return;
      }
      assertJwtHeader(ctx, d, e);
      assertJwtClaims(ctx, t, d, e);
      assertJwtTimes(ctx, t, d, e);
    },
  },
  methodCheck('json', ['OSPP-TOK-01'], 'A JSON token request (the seed style) is accepted'),
  methodCheck('post', ['CA-03', 'TE-07', 'O21-01'], 'Credentials in a form body (client_secret_post) are accepted'),
  methodCheck('basic', ['CA-01', 'CA-02', 'TE-07'], 'HTTP Basic client authentication (client_secret_basic) is accepted'),
  methodCheck('query', ['OCRVS-01'], 'Credentials in the query string are accepted (OpenCRVS style)'),
  {
    id: 'token-query-refused',
    title: 'Credentials in the query string get no token',
    suite: 'token',
    verifies: ['CA-04', 'TERR-03', 'HTTP-01'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    notApplicable: (p) => (p.clientAuth.refused.includes('query') ? undefined : `the ${p.name} profile sends credentials in the query`),
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: 'query', client: ctx.target.clients.full! });
      challengeOn401(ctx, r);
      const body = r.json as Record<string, unknown> | undefined;
      ctx.assert(
        'CA-04',
        r.status !== 200 && typeof body?.access_token !== 'string',
        `credentials in the URL → ${r.status}${typeof body?.access_token === 'string' ? ' with a token' : ''}`,
        r,
      );
      // invalid_request (credentials in the wrong place) or invalid_client (an AS that ignores the query sees none).
      assertOAuthError(ctx, r, ['invalid_request', 'invalid_client'], { code: 'TERR-03' });
    },
  },
  {
    id: 'token-wrong-secret',
    title: 'A wrong secret in the body gets 400 invalid_client in the RFC 6749 error format',
    suite: 'token',
    verifies: ['OSPP-TOK-03', 'TERR-01', 'TERR-03', 'TERR-04', 'TERR-05', 'TERR-07', 'OSPP-CT-01', 'HTTP-01'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const method = bodyMethod(ctx.profile);
      const r = await ctx.tokenRequest({ method, client: wrong(ctx.target.clients.full!) });
      challengeOn401(ctx, r);
      // RFC 6749 lets invalid_client use 401; the OpenSPP seed shows 400 (OSPP-TOK-03).
      const error = assertOAuthError(
        ctx,
        r,
        ['invalid_client'],
        { status: 'TERR-01', code: 'TERR-03', charset: 'TERR-04', uri: 'TERR-05', noStore: 'TERR-07' },
        [400, 401],
      );
      ctx.assert('OSPP-TOK-03', r.status === 400 && error === 'invalid_client', `${method} with a wrong secret → ${r.status} ${error ?? ''}`, r);
    },
  },
  {
    id: 'token-wrong-secret-basic',
    title: 'A wrong secret over HTTP Basic gets 401 with WWW-Authenticate: Basic',
    suite: 'token',
    verifies: ['TERR-02', 'HTTP-01', 'O21-05', 'TERR-03'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    notApplicable: (p) => (usesMethod(p, 'basic') ? undefined : `the ${p.name} profile does not use HTTP Basic`),
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: 'basic', client: wrong(ctx.target.clients.full!) });
      const challenges = parseChallenges(r.headers.get('www-authenticate'));
      const basic = challenges.some((c) => c.scheme.toLowerCase() === 'basic');
      const error = assertOAuthError(ctx, r, ['invalid_client'], { code: 'TERR-03' }, [401]);
      ctx.assert(
        'TERR-02',
        r.status === 401 && basic && error === 'invalid_client',
        `Basic with a wrong secret → ${r.status} ${error ?? ''}, WWW-Authenticate: ${r.headers.get('www-authenticate') ?? '(none)'}`,
        r,
      );
      ctx.assert('O21-05', r.status === 401 && basic, `→ ${r.status}, WWW-Authenticate: ${r.headers.get('www-authenticate') ?? '(none)'}`, r);
      if (r.status === 401) ctx.assert('HTTP-01', challenges.length > 0, `401 with WWW-Authenticate: ${r.headers.get('www-authenticate') ?? '(none)'}`, r);
      else ctx.notApplicable('HTTP-01', `answered ${r.status}, not 401`);
    },
  },
  {
    id: 'token-grant-unsupported',
    title: 'Another grant type gets unsupported_grant_type',
    suite: 'token',
    verifies: ['CC-02', 'TERR-01', 'TERR-03', 'OSPP-CT-01', 'HTTP-01'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: bodyMethod(ctx.profile), client: ctx.target.clients.full!, params: { grant_type: 'password' } });
      challengeOn401(ctx, r);
      const error = assertOAuthError(ctx, r, ['unsupported_grant_type'], { status: 'TERR-01', code: 'TERR-03' });
      ctx.assert('CC-02', error === 'unsupported_grant_type', `grant_type=password → ${r.status} ${error ?? ''}`, r);
    },
  },
  {
    id: 'token-grant-missing',
    title: 'A request without grant_type gets invalid_request',
    suite: 'token',
    verifies: ['CC-02', 'TERR-03', 'HTTP-01'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: bodyMethod(ctx.profile), client: ctx.target.clients.full!, params: { grant_type: undefined } });
      challengeOn401(ctx, r);
      const error = assertOAuthError(ctx, r, ['invalid_request'], { code: 'TERR-03' });
      ctx.assert('CC-02', error === 'invalid_request', `no grant_type → ${r.status} ${error ?? ''}`, r);
    },
  },
  {
    id: 'token-grant-repeated',
    title: 'A repeated grant_type gets invalid_request',
    suite: 'token',
    verifies: ['TE-06', 'TERR-03'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const client = ctx.target.clients.full!;
      const basic = usesMethod(ctx.profile, 'basic');
      const form = new URLSearchParams([
        ['grant_type', 'client_credentials'],
        ['grant_type', 'client_credentials'],
        ...(basic
          ? []
          : [
              ['client_id', client.clientId],
              ['client_secret', client.clientSecret],
            ]),
        // Only the repeated parameter is wrong: a server that requires a scope gets the declared one.
        ...(client.scope ? [['scope', client.scope]] : []),
      ]);
      const r = await ctx.tokenRequest({ method: basic ? 'basic' : 'post', client, rawForm: form.toString() });
      // One cause, one requirement: TE-06 is met by the refusal; its error code is TERR-03's business.
      const error = refusedWithout(ctx, 'TE-06', r, 'grant_type twice');
      if (error !== false) assertOAuthError(ctx, r, ['invalid_request'], { code: 'TERR-03' });
    },
  },
  {
    id: 'token-two-methods',
    title: 'HTTP Basic plus a client_secret in the body gets invalid_request',
    suite: 'token',
    verifies: ['CA-05', 'O21-05', 'TERR-03'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    notApplicable: (p) => (usesMethod(p, 'basic') ? undefined : 'needs HTTP Basic as one of the two methods'),
    async run(ctx: CheckContext) {
      const client = ctx.target.clients.full!;
      const r = await ctx.tokenRequest({ method: 'basic', client, params: { client_secret: client.clientSecret } });
      const error = refusedWithout(ctx, 'CA-05', r, 'Basic + client_secret in the body');
      if (error === false) ctx.assert('O21-05', false, `Basic + client_secret in the body → ${r.status}: a token was issued`, r);
      else {
        ctx.assert('O21-05', error === 'invalid_request', `Basic + client_secret in the body → ${r.status} ${error ?? '(no error code)'}`, r);
        assertOAuthError(ctx, r, ['invalid_request'], { code: 'TERR-03' });
      }
    },
  },
  {
    id: 'token-no-credentials',
    title: 'A request without client credentials gets invalid_client',
    suite: 'token',
    verifies: ['CA-08', 'CC-03', 'O21-06', 'HTTP-01'],
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      // Only the credentials are missing: a server that requires a scope gets the full client's declared one.
      const scope = ctx.target.clients.full?.scope;
      const r = await ctx.tokenRequest({ method: bodyMethod(ctx.profile), ...(scope ? { params: { scope } } : {}) });
      const body = r.json as { error?: unknown; access_token?: unknown } | undefined;
      const error = typeof body?.error === 'string' ? body.error : undefined;
      const issued = r.status === 200 && typeof body?.access_token === 'string';
      const msg = `no client credentials → ${r.status} ${error ?? ''}`;
      // One cause, one requirement: the code is CA-08's business; "the client must authenticate" is met by any refusal.
      ctx.assert('CA-08', (r.status === 400 || r.status === 401) && error === 'invalid_client', msg, r, {
        cause: `a request without client credentials gets ${r.status} ${error ?? '(no error code)'}, not invalid_client`,
      });
      for (const id of ['CC-03', 'O21-06'])
        ctx.assert(id, !issued, `${msg}: ${issued ? 'a token was issued to an unauthenticated client' : 'no token without authentication'}`, r);
      challengeOn401(ctx, r);
    },
  },
  {
    id: 'token-scope-subset',
    title: 'A requested subset of scopes is granted exactly (resource:all from the full client)',
    suite: 'token',
    verifies: ['SC-02', 'TR-05', 'OSPP-SC-04'],
    needs: { clients: ['full'] },
    uses: ['full', 'subset'],
    async run(ctx: CheckContext) {
      const t = await subsetToken(ctx);
      const e = ctx.adopt(t.exchangeId);
      const requested = t.requested;
      const granted = typeof t.response.scope === 'string' ? t.response.scope : undefined;
      // An omitted scope member claims "as requested": the token's own scope claim must then agree.
      const claim = decodeJwt(t.accessToken)?.payload.scope;
      const claimed = typeof claim === 'string' ? claim : Array.isArray(claim) ? claim.join(' ') : undefined;
      const omittedButDifferent = granted === undefined && claimed !== undefined && !sameScopes(claimed, requested);
      // RFC 6749 §3.3: the server may ignore the request, if it reports what it issued.
      ctx.assert(
        'SC-02',
        !omittedButDifferent,
        `requested scope '${requested}', granted ${granted === undefined ? `(not echoed; the token claims '${claimed ?? '(nothing)'}')` : `'${granted}' (reported)`}`,
        e,
      );
      ctx.assert(
        'TR-05',
        !omittedButDifferent,
        granted === undefined ? `scope member omitted; the token's scope claim is '${claimed ?? '(none)'}'` : `scope member present ('${granted}')`,
        e,
      );
      // The OpenSPP contract promises more: a requested subset is what the token carries.
      const held = t.scope;
      ctx.assert('OSPP-SC-04', sameScopes(held, requested), `requested scope '${requested}', the token holds '${held}'`, e, {
        cause: 'a requested subset of scopes is not honoured (the token holds more)',
      });
    },
  },
  {
    id: 'token-scope-invalid',
    title: 'Asking for a scope the client does not hold gets invalid_scope (or a narrowed scope)',
    suite: 'token',
    verifies: ['SC-05', 'TERR-03', 'HTTP-01'],
    needs: { clients: ['full'] },
    uses: ['reader'],
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      // The reader lacks write scopes; without one, ask the full client for a scope no one has.
      let role: 'reader' | 'full' = 'full';
      let scope = 'spp-kit:not-a-scope';
      if (ctx.target.clients.reader && ctx.profile.contract) {
        const reader = await ctx.token('reader');
        const held = new Set(reader.scope.split(' '));
        const lacking = [...kitContract().scopes.keys()].find((s) => !held.has(s));
        if (lacking) [role, scope] = ['reader', lacking];
      }
      const r = await ctx.tokenRequest({ method: ctx.profile.clientAuth.primary, client: ctx.target.clients[role]!, params: { scope } });
      challengeOn401(ctx, r);
      const body = r.json as Record<string, unknown> | undefined;
      const narrowed = r.status === 200 && typeof body?.scope === 'string' && !body.scope.split(' ').includes(scope);
      const error = typeof body?.error === 'string' ? body.error : undefined;
      ctx.assert(
        'SC-05',
        error === 'invalid_scope' || narrowed,
        `${role} client asking for '${scope}' → ${r.status} ${error ?? (narrowed ? `narrowed to '${String(body?.scope)}'` : 'granted')}`,
        r,
      );
      if (r.status !== 200) assertOAuthError(ctx, r, ['invalid_scope'], { code: 'TERR-03' });
    },
  },
  {
    id: 'token-scope-omitted',
    title: 'Without a scope parameter the server uses a default scope or refuses with invalid_scope',
    suite: 'token',
    verifies: ['SC-03', 'TERR-03', 'HTTP-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    // Only when the full client declares the scope it asks for: otherwise the preflight's token is the answer.
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const a = await scopelessAnswer(ctx);
      if (a.status === 401) challengeOn401(ctx, a.r ?? a.e!);
      else ctx.notApplicable('HTTP-01', `answered ${a.status}, not 401`);
      if (a.issued) {
        // Without a scope parameter a default must apply: an empty granted scope is no default at all.
        ctx.assert(
          'SC-03',
          a.scope === undefined || a.scope.length > 0,
          `no scope parameter → ${a.status}, granted ${a.scope === undefined ? '(not echoed)' : `'${a.scope}'`}`,
          a.r ?? a.e,
        );
        ctx.notApplicable('TERR-03', 'a token was issued: no error to judge');
        return;
      }
      ctx.assert(
        'SC-03',
        a.error === 'invalid_scope',
        `no scope parameter → ${a.status} ${a.error ?? '(no error code)'}: a server that requires a scope must refuse with invalid_scope (RFC 6749 §3.3)`,
        a.r ?? a.e,
        { cause: `a token request without scope is refused with ${a.status} ${a.error ?? '(no error code)'}, not invalid_scope` },
      );
      if (a.r) assertOAuthError(ctx, a.r, ['invalid_scope'], { code: 'TERR-03' }, [400]);
    },
  },
  {
    id: 'token-empty-parameter',
    title: 'A parameter sent without a value is treated as omitted (scope= is answered as no scope)',
    suite: 'token',
    verifies: ['TE-04', 'HTTP-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    tokenRequests: 2,
    async run(ctx: CheckContext) {
      const omitted = await scopelessAnswer(ctx);
      const r = await ctx.tokenRequest({ method: formMethod(ctx.profile), client: ctx.target.clients.full!, params: { scope: '' } });
      challengeOn401(ctx, r);
      const body = r.json as Record<string, unknown> | undefined;
      const issued = r.status === 200 && typeof body?.access_token === 'string';
      const scope = typeof body?.scope === 'string' ? body.scope : undefined;
      const error = typeof body?.error === 'string' ? body.error : undefined;
      // RFC 6749 §3.2: "scope=" is "no scope" — whatever the server does without one, it must do the same here.
      const same =
        issued === omitted.issued &&
        (issued
          ? scope === undefined || omitted.scope === undefined || sameScopes(scope, omitted.scope)
          : r.status === omitted.status && error === omitted.error);
      ctx.assert(
        'TE-04',
        same,
        `scope= → ${r.status}${issued ? `, scope '${scope ?? '(not echoed)'}'` : ` ${error ?? ''}`}; without scope → ${omitted.status}${omitted.issued ? `, scope '${omitted.scope ?? '(not echoed)'}'` : ` ${omitted.error ?? ''}`}`,
        r,
      );
    },
  },
  {
    id: 'token-unknown-parameter',
    title: 'An unrecognized request parameter is ignored',
    suite: 'token',
    verifies: ['TE-05'],
    needs: { clients: ['full'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: ctx.profile.clientAuth.primary, client: ctx.target.clients.full!, params: { spp_kit_probe: 'ignored' } });
      tokenIssued(ctx, 'TE-05', r, 'an extra parameter spp_kit_probe');
    },
  },
  {
    id: 'token-get-refused',
    title: 'GET on the token endpoint yields no token (405 with Allow)',
    suite: 'token',
    verifies: ['TE-01', 'HTTP-02', 'HTTP-01'],
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      // No credentials: they would land in logs with a GET.
      const r = await ctx.request({ method: 'GET', url: ctx.tokenEndpoint, headers: { accept: 'application/json' } });
      const body = r.json as Record<string, unknown> | undefined;
      ctx.assert('TE-01', r.status !== 200 && typeof body?.access_token !== 'string', `GET → ${r.status}`, r);
      if (r.status === 405) ctx.assert('HTTP-02', !!r.headers.get('allow'), `405 with Allow: ${r.headers.get('allow') ?? '(none)'}`, r);
      else ctx.notApplicable('HTTP-02', `answered ${r.status}, not 405`);
      challengeOn401(ctx, r);
    },
  },
  {
    id: 'token-disabled-client',
    title: 'A disabled client gets no token',
    suite: 'token',
    verifies: ['OSPP-CL-01', 'TERR-03', 'HTTP-01'],
    needs: { clients: ['disabled'] },
    tokenRequests: 1,
    async run(ctx: CheckContext) {
      const r = await ctx.tokenRequest({ method: bodyMethod(ctx.profile), client: ctx.target.clients.disabled! });
      challengeOn401(ctx, r);
      const body = r.json as Record<string, unknown> | undefined;
      ctx.assert(
        'OSPP-CL-01',
        r.status !== 200 && typeof body?.access_token !== 'string',
        `disabled client → ${r.status} ${typeof body?.error === 'string' ? body.error : ''}`,
        r,
      );
      if (r.status !== 200) assertOAuthError(ctx, r, ['invalid_client'], { code: 'TERR-03' }, [400, 401]);
    },
  },
];

function sameScopes(a: string, b: string): boolean {
  const x = new Set(a.split(' ').filter(Boolean));
  const y = new Set(b.split(' ').filter(Boolean));
  return x.size === y.size && [...x].every((s) => y.has(s));
}

/** The full client's token for one resource:all scope (openspp) or its first granted scope (other profiles). */
export async function subsetToken(ctx: CheckContext): Promise<RoleToken & { requested: string }> {
  const full = await ctx.token('full');
  const granted = full.scope.split(' ').filter(Boolean);
  const requested = (ctx.profile.contract ? allScope(new Set(granted)) : undefined) ?? granted[0];
  if (!requested) ctx.skip('the full client holds no scope to ask a subset of');
  return { ...(await ctx.token('full', requested)), requested };
}
