/** The shared RFC mechanics: one definition each of the character sets, Basic credentials, Retry-After and masking. */
import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryAfterSeconds } from '../../src/rfc/http.js';
import { basicAuthorization, isErrorUri, isOAuthText, isScopeToken, isScopeValue, parseBasicAuthorization, toOAuthText } from '../../src/rfc/oauth.js';
import { containsFullJwt, maskToken, redact } from '../../src/rfc/secrets.js';

describe('RFC 6749 character sets', () => {
  it('error_description allows printable ASCII but " and \\', () => {
    expect(isOAuthText('Invalid client credentials.')).toBe(true);
    expect(isOAuthText('say "hi"')).toBe(false);
    expect(isOAuthText('a\\b')).toBe(false);
    expect(isOAuthText('naïve')).toBe(false);
    expect(toOAuthText('say "hi" \\ naïve\n')).toBe("say 'hi' ' na've'");
  });
  it('scope tokens exclude space, " and \\; a scope value is tokens joined by single spaces', () => {
    expect(isScopeToken('individual:read')).toBe(true);
    expect(isScopeToken('a b')).toBe(false);
    expect(isScopeValue('individual:read group:read')).toBe(true);
    expect(isScopeValue('')).toBe(true);
    expect(isScopeValue('a  b')).toBe(false);
    expect(isErrorUri('https://example.org/e')).toBe(true);
    expect(isErrorUri('https://example.org/a b')).toBe(false);
  });
});

describe('HTTP Basic client credentials (RFC 6749 §2.3.1)', () => {
  it('form-encodes id and secret before base64, and parses back what it built', () => {
    const header = basicAuthorization('id:1', 'a b+c%:ü');
    expect(header).toBe(`Basic ${Buffer.from('id%3A1:a+b%2Bc%25%3A%C3%BC').toString('base64')}`);
    expect(parseBasicAuthorization(header)).toEqual({ id: 'id:1', secret: 'a b+c%:ü' });
  });
  it('refuses what is not Basic, has no colon, or is not UTF-8', () => {
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from([0xff, 0x3a, 0x41]).toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('a:%zz').toString('base64')}`)).toBeUndefined();
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const T0 = Date.parse('2026-11-29T12:00:00Z');
  it('reads delay-seconds and HTTP-dates, nothing else', () => {
    expect(retryAfterMs('17', T0)).toBe(17_000);
    expect(retryAfterSeconds('Sun, 29 Nov 2026 12:00:30 GMT', T0)).toBe(30);
    expect(retryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', T0)).toBe(0);
    expect(retryAfterMs('soon', T0)).toBeUndefined();
    expect(retryAfterMs('2026-11-29T12:00:30Z', T0)).toBeUndefined();
    expect(retryAfterMs('-3', T0)).toBeUndefined();
    expect(retryAfterMs(null, T0)).toBeUndefined();
  });
});

describe('masking', () => {
  const jwt = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"x","n":12345}').toString('base64url')}.c2lnbmF0dXJlc2lnbmF0dXJl`;
  it('shows a token as 8 characters and its length', () => {
    expect(maskToken(jwt)).toBe(`${jwt.slice(0, 8)}…[${jwt.length} chars]`);
    expect(maskToken('short')).toBe('…');
  });
  it('removes every wire form of a secret and every JWT from a text', () => {
    const secret = 'p@ss word+/="x"';
    const text = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret), jwt].join(' | ');
    const out = redact(text, [secret]);
    expect(out).not.toContain('p@ss');
    expect(out).not.toContain('p%40ss');
    expect(containsFullJwt(out)).toBe(false);
    expect(containsFullJwt(jwt)).toBe(true);
  });
});
