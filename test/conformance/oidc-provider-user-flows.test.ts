/**
 * The kit's verdict on the user flows of a server we did not write: oidc-provider with the authorization code
 * flow enabled, signed in through its development sign-in pages. With its defaults it meets every rule the
 * user-flow checks hold it to (OAuth 2.1: PKCE required of public clients, S256 only, exact redirect URIs, one-time
 * codes, rotating refresh tokens for public clients); the spry profile reports that it is not Spry-shaped, and
 * fails nothing for it; configured laxly (no PKCE required, no rotation) it fails exactly the two rules that
 * breaks. Each failure and warning is pinned with its reason.
 */
import { describe, expect, it } from 'vitest';
import { runConformance, type RunOutcome } from '../../src/conformance/runner.js';
import { parseTarget } from '../../src/conformance/target.js';
import { OIDC_SCOPES, OIDC_SPA, OIDC_WEB, startOidcProviderUserFlows, type OidcSettings } from './oidc-provider-user-flows.js';
import { USER_FLOW_CHECKS, USER_FLOW_RFC_REQUIREMENTS } from './user-flows-harness.js';

/** The discovery checks and the user flows; the token endpoint's own checks are judged in the peers' tests. */
const CHECKS = ['discovery-*', ...USER_FLOW_CHECKS];

async function judge(profile: string, settings: OidcSettings = {}): Promise<RunOutcome> {
  const op = await startOidcProviderUserFlows(settings);
  try {
    const target = parseTarget(
      {
        baseUrl: op.issuer,
        profile,
        clients: { full: { clientId: OIDC_WEB.clientId, clientSecret: OIDC_WEB.clientSecret } },
        // oidc-provider has no throttle: these only pace the kit (the rate-limit probes are not run here).
        rateLimits: { token: { perMinute: 1000, perDay: 100_000 }, api: { perMinute: 1000, perDay: 100_000 } },
        userFlows: {
          scope: OIDC_SCOPES.join(' '),
          clients: { confidential: OIDC_WEB, public: OIDC_SPA },
          user: { username: 'kit-user', password: 'devinteractions-accepts-any-password', form: { username: 'login', password: 'password' } },
        },
      },
      { env: {} },
    );
    return await runConformance({ target, only: CHECKS, out: () => {} });
  } finally {
    await op.close();
  }
}

const verdicts = (o: RunOutcome, prefix: RegExp) =>
  Object.fromEntries(o.report!.requirements.filter((r) => prefix.test(r.id) && r.verdict !== 'untested').map((r) => [r.id, r.verdict]));
const reasonOf = (o: RunOutcome, id: string) => o.report!.requirements.find((r) => r.id === id)!.message;

describe('oidc-provider with the authorization code flow, judged by the kit', () => {
  it('oauth21, defaults: every user-flow rule is met, and the run passes', async () => {
    const o = await judge('oauth21');
    expect(
      o.report!.checks.filter((c) => c.suite === 'user-flows' && c.verdict !== 'pass' && c.verdict !== 'na').map((c) => `${c.checkId}: ${c.reason}`),
    ).toEqual([]);
    expect(verdicts(o, /^(AZ|PKCE|RT|REV|INT)-/)).toEqual(Object.fromEntries(USER_FLOW_RFC_REQUIREMENTS.map((id) => [id, 'pass'])));
    expect(o.report!.summary.mustFailures).toEqual([]);
    expect(o.exitCode).toBe(0);
  }, 120_000);

  it("spry: the user flows pass; that oidc-provider has neither Spry's token members nor its read/write scopes is reported, not failed", async () => {
    const o = await judge('spry');
    expect(o.report!.summary.mustFailures).toEqual([]);
    expect(o.exitCode).toBe(0);
    const warned = Object.fromEntries(o.report!.requirements.filter((r) => r.verdict === 'warn').map((r) => [r.id, r.message]));
    // The reasons: oidc-provider's token response is RFC 6749 §5.1 plus OpenID members only; it knows no scope
    // named read or write, drops unknown scopes from a client-credentials request and then leaves the scope member
    // out — which RFC 6749 §5.1 reads as "granted as asked", so the kit asks introspection what the token holds.
    expect(Object.keys(warned).sort()).toEqual(['SPRY-01', 'SPRY-02']);
    expect(warned['SPRY-01']).toMatch(/organisation_id absent; user_id absent; roles absent; clinic_id_list absent; name absent/);
    expect(warned['SPRY-02']).toMatch(/no scope member, but introspection says the token holds ''/);
  }, 120_000);

  it('oauth21, configured laxly (PKCE not required, refresh tokens not rotated): fails PKCE-05 and RT-02, each saying why', async () => {
    const o = await judge('oauth21', { pkceRequired: () => false, rotateRefreshToken: false });
    expect(o.report!.summary.mustFailures.sort()).toEqual(['PKCE-05', 'RT-02']);
    // OAuth 2.1 §4.1.2.1: a public client's request without code_challenge must be refused — it got a code.
    expect(reasonOf(o, 'PKCE-05')).toMatch(/a public client's request without code_challenge: redirected to http:\/\/127\.0\.0\.1:8766\/callback with a code/);
    // OAuth 2.1 §4.3.1: a public client's refresh tokens must rotate (or be sender-constrained) — the same one came back.
    expect(reasonOf(o, 'RT-02')).toMatch(/the refresh answer carries (the same refresh token|no refresh token)/);
    // Without rotation there is no rotated-away token to replay: those rules do not arise, and are not failed.
    for (const id of ['RT-03', 'RT-04']) {
      expect(verdicts(o, /^RT-0[34]$/)[id]).toBe('na');
      expect(reasonOf(o, id)).toMatch(/does not rotate refresh tokens/);
    }
    expect(o.exitCode).toBe(1);
  }, 120_000);
});
