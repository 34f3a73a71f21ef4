/**
 * Key mode (the target file provides the signing key of a test environment): tokens the kit mints itself,
 * expired, not yet valid, for another audience or issuer, of another type, under another algorithm — each must
 * be refused (the security requirements: any refusal; RS-10 and the contract's codes: 401) — and the server's
 * leeway, measured without waiting. The preflight has already shown that the key is the target's.
 */
import type { OperationSpec } from '../../contract/index.js';
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { decodeJwt, mint, MINT_MARGIN_S } from '../jwt.js';
import { cheapQuery, errorCodeOf, expectedFor, parseChallenges, probeOperation } from './helpers.js';
import { isRefusal } from './probes.js';

interface KeyFixture {
  op: OperationSpec;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Server time now, in seconds. */
  now(): number;
}

/**
 * Claims of a real full-client token re-signed with the target's key: if the target accepts this control token,
 * the key material is right and every refusal below means what it says.
 */
async function fixture(ctx: CheckContext): Promise<KeyFixture> {
  return ctx.memo('key-fixture', async () => {
    const full = await ctx.token('full');
    const d = decodeJwt(full.accessToken);
    if (!d) ctx.skip('the full client token is not a JWT: there is nothing to mint');
    const op = probeOperation(new Set(full.scope.split(' ')));
    if (!op) ctx.skip('no secured GET operation the full client may call');
    const now = () => Math.floor((Date.now() + ctx.clockSkewMs) / 1000);
    const header = { ...d.header };
    delete header.alg;
    const fx: KeyFixture = { op, header, claims: d.payload, now };
    const control = await send(ctx, fx, {});
    if (control.status !== 200)
      ctx.skip(`a token minted with the target file's key material was refused (${control.status}): the key material does not match this target`);
    return fx;
  });
}

async function send(
  ctx: CheckContext,
  fx: KeyFixture,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  algOverride?: 'HS512',
): Promise<HttpResult> {
  const now = fx.now();
  // Issued a few seconds ago: the server clock is only known to the second, and a strict verifier (no leeway) would
  // refuse a token whose iat/nbf lies a fraction of a second in its future.
  const base = {
    ...fx.claims,
    iat: now - MINT_MARGIN_S,
    nbf: now - MINT_MARGIN_S,
    exp: now + 300,
    jti: `spp-kit-${ctx.runId}-${Math.random().toString(36).slice(2)}`,
  };
  const token = await mint(ctx.target.jwt!, { ...fx.header, ...header }, { ...base, ...claims }, algOverride);
  const what = [
    ...Object.entries(claims).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...Object.entries(header).map(([k, v]) => `header ${k}=${JSON.stringify(v)}`),
    ...(algOverride ? [`signed ${algOverride}`] : []),
  ];
  return ctx.api(fx.op, {
    token,
    forged: `the full client's claims${what.length ? ` with ${what.join(', ')}` : ''}, signed with the target file's jwt key`,
    forgedFrom: 'full',
    query: cheapQuery(fx.op),
  });
}

/** A minted token that must be refused: the code's status (401), an invalid_token challenge, the expected OperationOutcome code. */
function refusal(
  id: string,
  title: string,
  verifies: string[],
  make: (fx: KeyFixture) => { claims?: Record<string, unknown>; header?: Record<string, unknown>; alg?: 'HS512' },
  code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'any' = 'any',
  hsOnly = false,
): Check {
  return {
    id,
    title,
    suite: 'jwt',
    verifies,
    needs: { clients: ['full'], key: true },
    uses: ['full'],
    async run(ctx: CheckContext) {
      if (hsOnly && ctx.target.jwt!.alg !== 'HS256') ctx.skip('applies to an HMAC key only');
      const fx = await fixture(ctx);
      const m = make(fx);
      const r = await send(ctx, fx, m.claims ?? {}, m.header ?? {}, m.alg);
      const challenge = parseChallenges(r.headers.get('www-authenticate')).find((c) => c.scheme.toLowerCase() === 'bearer');
      const got = errorCodeOf(r.json);
      const msg = `${title.toLowerCase()} → ${r.status} ${got ?? ''}, WWW-Authenticate: ${r.headers.get('www-authenticate') ?? '(none)'}`;
      const expected = expectedFor(code === 'any' ? 'INVALID_TOKEN' : code).status;
      const refused = isRefusal(r);
      for (const v of verifies) {
        // The contract's code and RFC 6750's status are about the form of the refusal: 401 and the code.
        if (v === 'OSPP-ERR-01')
          ctx.assert(v, r.status === expected && (code === 'any' ? got === 'INVALID_TOKEN' || got === 'TOKEN_EXPIRED' : got === code), msg, r, {
            cause: `a refused token is answered ${r.status} ${got ?? '(no code)'}, not ${expected} ${code === 'any' ? 'INVALID_TOKEN' : code}`,
          });
        else if (v === 'RS-10') ctx.assert(v, r.status === expected, msg, r, { cause: `an invalid token is refused with ${r.status}, not ${expected}` });
        else if (v === 'AT-11' || v === 'RS-08') {
          if (!refused || !challenge)
            ctx.notApplicable(v, refused ? 'no Bearer challenge was sent (RS-05 judges its absence)' : `answered ${r.status}: not refused`);
          else ctx.assert(v, challenge.params.error === 'invalid_token', msg, r);
        }
        // Everything else is a security requirement: any refusal meets it.
        else ctx.assert(v, refused, msg, r, { cause: refused ? 'refused' : `a token that must be refused was accepted (${r.status})` });
      }
    },
  };
}

export const keyChecks: Check[] = [
  refusal(
    'jwt-expired',
    'A token expired an hour ago',
    ['JWT-02', 'AT-10', 'RS-10', 'RS-15', 'O21-04', 'AT-11', 'OSPP-ERR-01'],
    (fx) => ({ claims: { iat: fx.now() - 7200, nbf: fx.now() - 7200, exp: fx.now() - 3600 } }),
    'TOKEN_EXPIRED',
  ),
  refusal('jwt-nbf-future', 'A token not valid for another hour (nbf)', ['JWT-03', 'RS-08'], (fx) => ({
    claims: { nbf: fx.now() + 3600, exp: fx.now() + 7200 },
  })),
  refusal('jwt-foreign-audience', 'A token for another audience', ['JWT-04', 'AT-08', 'BCP-06'], () => ({
    claims: { aud: 'https://spp-kit.invalid/another-resource-server' },
  })),
  refusal('jwt-foreign-issuer', 'A token from another issuer', ['BCP-05'], () => ({ claims: { iss: 'https://spp-kit.invalid/another-issuer' } })),
  refusal('jwt-wrong-type', 'A JWT that is not typed as an access token (typ JWT)', ['AT-06', 'BCP-09'], () => ({ header: { typ: 'JWT' } })),
  refusal('jwt-same-key-other-alg', 'The HMAC key under another algorithm (HS512)', ['BCP-02', 'BCP-01'], () => ({ alg: 'HS512' }), 'INVALID_TOKEN', true),
  {
    id: 'jwt-leeway',
    title: 'The leeway the server allows past exp is small (measured by minting)',
    suite: 'jwt',
    verifies: ['JWT-02', 'AT-10'],
    needs: { clients: ['full'], key: true },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const fx = await fixture(ctx);
      // From far to near: the first accepted offset bounds the leeway from below, the last refused from above.
      const offsets = [600, 300, 120, 60, 30, 15, 5, 1];
      let acceptedAt: number | undefined;
      let refusedAt: number | undefined;
      const evidence: HttpResult[] = [];
      for (const s of offsets) {
        const r = await send(ctx, fx, { iat: fx.now() - 3600, nbf: fx.now() - 3600, exp: fx.now() - s });
        evidence.push(r);
        if (r.status === 200) {
          acceptedAt = s;
          break;
        }
        refusedAt = s;
      }
      const leeway = acceptedAt === undefined ? `< ${offsets.at(-1)} s` : `between ${acceptedAt} and ${refusedAt ?? '∞'} s`;
      ctx.measure('leeway', leeway);
      const ok = acceptedAt === undefined || acceptedAt < 300;
      ctx.assert(
        'JWT-02',
        ok,
        `tokens expired ${refusedAt ?? '?'} s ago are refused, ${acceptedAt !== undefined ? `${acceptedAt} s ago accepted` : `even ${offsets.at(-1)} s ago refused`}: leeway ${leeway} (RFC 7519: no more than a few minutes)`,
        evidence,
      );
      ctx.assert('AT-10', ok, `leeway ${leeway}`, evidence);
    },
  },
];
