/** The user-flow kit's pure parts: reading sign-in forms, masking what a sign-in flow carries, the target section. */
import { describe, expect, it } from 'vitest';
import { Masker } from '../../src/conformance/mask.js';
import { isRedirectTo, responseParameters } from '../../src/conformance/user-flows/browser.js';
import { userFlowsOf } from '../../src/conformance/user-flows/config.js';
import { parseForms } from '../../src/conformance/user-flows/forms.js';
import { pkcePair, s256 } from '../../src/conformance/user-flows/pkce.js';

describe('sign-in forms', () => {
  it("reads oidc-provider's development login and consent forms", () => {
    const login = `<form autocomplete="off" action="/interaction/Ab3/login" method="post"><input type="hidden" name="prompt" value="login"/><input required type="text" name="login" placeholder="Enter any login" autofocus="on"><input required type="password" name="password" placeholder="and password"><button type="submit" class="login login-submit">Sign-in</button></form>`;
    expect(parseForms(login)).toEqual([
      {
        action: '/interaction/Ab3/login',
        method: 'POST',
        fields: [
          { name: 'prompt', value: 'login', type: 'hidden' },
          { name: 'login', value: '', type: 'text' },
          { name: 'password', value: '', type: 'password' },
        ],
        buttons: [],
      },
    ]);
  });

  it('reads the reference server page: entities decoded, named buttons in order, unchecked boxes left out', () => {
    const html = `<form method="post" action="/api/v2/spp/oauth/authorize"><input type="hidden" name="state" value="a&amp;b &quot;c&#39;"><input type="checkbox" name="remember" value="1"><input type="checkbox" name="terms" value="yes" checked><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></form>`;
    const [form] = parseForms(html);
    expect(form!.fields).toEqual([
      { name: 'state', value: `a&b "c'`, type: 'hidden' },
      { name: 'terms', value: 'yes', type: 'checkbox' },
    ]);
    expect(form!.buttons.map((b) => b.value)).toEqual(['allow', 'deny']);
  });

  it('finds nothing in a page without a form', () => {
    expect(parseForms('<!DOCTYPE html><p>Authorization request refused</p>')).toEqual([]);
  });
});

describe('authorization responses', () => {
  it('reads the query, or the fragment when the query is empty', () => {
    expect(responseParameters(new URL('http://127.0.0.1:1/cb?code=x&state=s')).get('code')).toBe('x');
    expect(responseParameters(new URL('http://127.0.0.1:1/cb#error=access_denied&state=s')).get('error')).toBe('access_denied');
  });

  it('recognises a redirect URI with a query or fragment added, but not a longer path or another port', () => {
    const cb = 'http://127.0.0.1:8765/callback';
    expect(isRedirectTo(new URL(`${cb}?code=1`), cb)).toBe(true);
    expect(isRedirectTo(new URL(`${cb}/evil?code=1`), cb)).toBe(false);
    expect(isRedirectTo(new URL('http://127.0.0.1:8766/callback?code=1'), cb)).toBe(false);
  });
});

describe('PKCE', () => {
  it('makes a 43-character verifier and its S256 challenge (RFC 7636 Appendix B)', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const { verifier, challenge } = pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(s256(verifier));
  });
});

describe('masking what a sign-in flow carries', () => {
  const m = new Masker(['the-users-password-1234']);
  it('codes and tokens in URLs, forms and JSON; cookie values; the password wherever it is', () => {
    expect(m.text('http://127.0.0.1:8765/callback?code=30nepAtBMekmFGAf9xf6aHOKJ36slch-JwGwE_uKm3U&state=xyz')).toBe(
      'http://127.0.0.1:8765/callback?code=30nepAtB…[43 chars]&state=xyz',
    );
    expect(m.text('grant_type=refresh_token&refresh_token=9lwGm0p1tQ2cZ8y3Rk4Hs7Vn5Be6Ux0A&password=the-users-password-1234')).toBe(
      'grant_type=refresh_token&refresh_token=9lwGm0p1…[32 chars]&password=***',
    );
    expect(m.text('{"access_token":"rR5IDx6tq2w9AbCdEf","refresh_token":"zzzzyyyyxxxxwwww","token_type":"Bearer","issue":[{"code":"login"}]}')).toBe(
      '{"access_token":"rR5IDx6t…[18 chars]","refresh_token":"zzzzyyyy…[16 chars]","token_type":"Bearer","issue":[{"code":"login"}]}',
    );
    expect(m.header('set-cookie', '_interaction=abc123; path=/interaction/x; httponly')).toBe('_interaction=…; path=/interaction/x; httponly');
    expect(m.header('cookie', '_session=s3cr3t; _session.sig=zzz')).toBe('_session=…; _session.sig=…');
  });
});

describe('the target file section', () => {
  it('defaults the form field names and the wait; an interactive section needs loopback redirect URIs', () => {
    const problems: string[] = [];
    const flows = userFlowsOf(
      { clients: { public: { clientId: 'p', redirectUri: 'http://127.0.0.1:8766/cb' } }, user: { username: 'u', password: 'pw' } },
      problems,
    );
    expect(flows.user!.form).toEqual({ username: 'username', password: 'password' });
    expect(flows.waitSeconds).toBe(300);
    expect(problems).toEqual([]);
    userFlowsOf({ clients: { public: { clientId: 'p', redirectUri: 'https://app.example/cb' } }, interactive: true }, problems);
    expect(problems).toEqual([expect.stringMatching(/interactive mode listens on the redirect URI, so it must be http:\/\/127\.0\.0\.1:PORT/)]);
  });
});
