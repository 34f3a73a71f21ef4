/**
 * GET and POST /oauth/authorize: the page, the exact redirect URI rule, errors sent back only to trusted
 * redirect URIs, PKCE (S256 only, required of public clients), the decision and the sign-in.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { authorizationParams, conforms, decide, maria, pkcePair, spa, userFlowHarness, webApp } from './user-flow-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await userFlowHarness();
});

async function page(params: Record<string, string>) {
  const res = await h.request(`/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const text = await conforms('authorize', res);
  const location = res.headers.get('location');
  return { res, text, location: location ? new URL(location) : undefined };
}

describe('the sign-in page', () => {
  it('shows who asks for which scopes, with a form that posts the request back; never cached or framed', async () => {
    const { res, text } = await page(authorizationParams(webApp, { challenge: pkcePair().challenge, scope: 'individual:read' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(text).toContain(webApp.name);
    expect(text).toContain('<code>individual:read</code>');
    expect(text).not.toContain('individual:search');
    expect(text).toMatch(/<form method="post" action="\/api\/v2\/spp\/oauth\/authorize">/);
    expect(text).toContain('<input type="hidden" name="state" value="st-123">');
  });

  it('escapes what the request carries (no markup injected through state)', async () => {
    const { text } = await page(authorizationParams(webApp, { challenge: pkcePair().challenge, state: '"><script>alert(1)</script>' }));
    expect(text).not.toContain('<script>');
    expect(text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('ignores parameters it does not know (RFC 6749 §3.1)', async () => {
    const { res } = await page(authorizationParams(webApp, { challenge: pkcePair().challenge, extra: { nonce: 'n-1', prompt: 'login' } }));
    expect(res.status).toBe(200);
  });

  it('takes the only registered redirect URI when the request names none', async () => {
    const params = authorizationParams(webApp, { challenge: pkcePair().challenge });
    delete (params as Record<string, string>).redirect_uri;
    expect((await page(params)).res.status).toBe(200);
  });
});

describe('untrusted requests get an error page and no redirect (RFC 6749 §4.1.2.1, RFC 9700 §2.1)', () => {
  const registered = webApp.redirectUris[0]!;
  for (const [what, redirectUri] of [
    ['a path added to a registered URI (prefix match)', `${registered}/evil`],
    ['a query added to a registered URI', `${registered}?next=https://evil.example`],
    ['another port', registered.replace(':8765', ':8767')],
    ['another host', 'https://evil.example/callback'],
    ['the registered URI in other letter case', registered.replace('callback', 'Callback')],
  ]) {
    it(`${what}`, async () => {
      const { res, text, location } = await page({ ...authorizationParams(webApp, { challenge: pkcePair().challenge }), redirect_uri: redirectUri! });
      expect(res.status).toBe(400);
      expect(location).toBeUndefined();
      expect(text).toContain('The redirect URI is not registered for this application.');
    });
  }

  it('an unknown client, and a client without redirect URIs (client credentials only)', async () => {
    for (const clientId of ['no-such-app', 'demo-full']) {
      const { res, location } = await page({ ...authorizationParams(webApp, { challenge: pkcePair().challenge }), client_id: clientId });
      expect(res.status).toBe(400);
      expect(location).toBeUndefined();
    }
  });
});

describe('other refusals go back to the client with error, state and iss', () => {
  async function refused(params: Record<string, string>) {
    const { res, location } = await page(params);
    expect(res.status).toBe(302);
    expect(location!.origin + location!.pathname).toBe(params.redirect_uri ?? webApp.redirectUris[0]);
    expect(location!.searchParams.get('state')).toBe('st-123');
    expect(location!.searchParams.get('iss')).toBe(h.config.issuer);
    expect(location!.searchParams.get('code')).toBeNull();
    return location!.searchParams;
  }

  it('unsupported_response_type for the implicit grant (OAuth 2.1 removed it)', async () => {
    expect((await refused({ ...authorizationParams(webApp, { challenge: pkcePair().challenge }), response_type: 'token' })).get('error')).toBe(
      'unsupported_response_type',
    );
  });

  it('invalid_request for a public client without PKCE (OAuth 2.1 §4.1.2.1)', async () => {
    const q = await refused(authorizationParams(spa));
    expect(q.get('error')).toBe('invalid_request');
    expect(q.get('error_description')).toMatch(/public client must use PKCE/);
  });

  it('invalid_request for the plain method and for a challenge without a method (which RFC 7636 reads as plain)', async () => {
    const { verifier } = pkcePair();
    const plain = await refused({ ...authorizationParams(webApp), code_challenge: verifier, code_challenge_method: 'plain' });
    expect(plain.get('error')).toBe('invalid_request');
    const noMethod = await refused({ ...authorizationParams(webApp), code_challenge: verifier });
    expect(noMethod.get('error')).toBe('invalid_request');
  });

  it('invalid_scope for a scope the client does not hold', async () => {
    expect((await refused(authorizationParams(webApp, { challenge: pkcePair().challenge, scope: 'individual:create' }))).get('error')).toBe('invalid_scope');
  });
});

describe('the decision', () => {
  it('allow with the right password: 303 to the redirect URI with a code, the state and iss', async () => {
    const { res, location } = await decide(h, authorizationParams(webApp, { challenge: pkcePair().challenge }));
    expect(res.status).toBe(303);
    expect(location!.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location!.searchParams.get('state')).toBe('st-123');
    expect(location!.searchParams.get('iss')).toBe(h.config.issuer);
  });

  it('deny: access_denied, and the user is not even asked to be right about the password', async () => {
    const { location } = await decide(h, authorizationParams(webApp, { challenge: pkcePair().challenge }), { ...maria, password: 'wrong' }, 'deny');
    expect(location!.searchParams.get('error')).toBe('access_denied');
    expect(location!.searchParams.get('code')).toBeNull();
  });

  it('a wrong password or an unknown user: the page again, saying so, and no redirect', async () => {
    for (const user of [
      { ...maria, password: 'not-her-password' },
      { ...maria, username: 'nobody.demo' },
    ]) {
      const { res, location } = await decide(h, authorizationParams(webApp, { challenge: pkcePair().challenge }), user);
      expect(res.status).toBe(200);
      expect(location).toBeUndefined();
      expect(await res.text()).toContain('Wrong username or password.');
    }
  });

  it('the form is checked again from scratch: a tampered redirect URI gets the error page', async () => {
    const { res, location } = await decide(h, { ...authorizationParams(webApp, { challenge: pkcePair().challenge }), redirect_uri: 'https://evil.example/cb' });
    expect(res.status).toBe(400);
    expect(location).toBeUndefined();
  });

  it('is rate limited per address like the token endpoint', async () => {
    const limited = await userFlowHarness({ SPP_TOKEN_RATE_PER_MINUTE: '2' });
    const params = authorizationParams(webApp, { challenge: pkcePair().challenge });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await decide(limited, params, { ...maria, password: 'guess-number-' + i })).res.status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
