/**
 * OAuth 2.0 wire mechanics (RFC 6749, RFC 6750), shared by the server, the client and the kit. Pure functions,
 * no dependencies: the client package ships this file as it is.
 */

/** RFC 6749 §5.2 `error_description` / `error_uri` and RFC 6750 §3 auth-param values: %x20-21 / %x23-5B / %x5D-7E. */
const OAUTH_TEXT = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const NOT_OAUTH_TEXT = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;
/** RFC 6749 §3.3 scope-token: 1*NQCHAR (%x21 / %x23-5B / %x5D-7E). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** True when the text may stand in an OAuth error description or a WWW-Authenticate quoted value. */
export function isOAuthText(text: string): boolean {
  return OAUTH_TEXT.test(text);
}

/** The text with every character RFC 6749 §5.2 does not allow replaced by `'`. */
export function toOAuthText(text: string): string {
  return text.replace(NOT_OAUTH_TEXT, "'");
}

/** One scope-token of RFC 6749 §3.3. */
export function isScopeToken(token: string): boolean {
  return SCOPE_TOKEN.test(token);
}

/** RFC 6749 §5.2 `error_uri`: a URI of %x21 / %x23-5B / %x5D-7E (the scope-token set). */
export function isErrorUri(uri: string): boolean {
  return SCOPE_TOKEN.test(uri);
}

/** A whole `scope` value: scope-tokens separated by single spaces (the empty string is no scope). */
export function isScopeValue(scope: string): boolean {
  return scope === '' || scope.split(' ').every(isScopeToken);
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B: UTF-8, space as `+`). */
export function formEncode(value: string): string {
  // URLSearchParams implements exactly that encoding; the `v=` prefix is ours to strip.
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The `Authorization` value of `client_secret_basic`: id and secret are each form-encoded *before* base64
 * (RFC 6749 §2.3.1), so a secret containing `:` stays unambiguous. `{ formEncoded: false }` sends them verbatim
 * (UTF-8, RFC 7617), as the deployed module reads them: it splits on the first `:` and decodes nothing, so an
 * encoded `+`, `%` or space would reach its secret comparison as written.
 */
export function basicAuthorization(clientId: string, clientSecret: string, options: { formEncoded?: boolean } = {}): string {
  // Form encoding leaves only ASCII, so btoa is safe here (and works outside Node too).
  if (options.formEncoded !== false) return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
  // btoa takes one byte per character: spell the UTF-8 bytes out first.
  const bytes = new TextEncoder().encode(`${clientId}:${clientSecret}`);
  return `Basic ${btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))}`;
}

/**
 * The client id and secret of an HTTP Basic `Authorization` value, or undefined when malformed. RFC 6749 §2.3.1
 * form-encodes both; `{ formEncoded: false }` takes them verbatim, as RFC 7617 and the deployed module do.
 */
export function parseBasicAuthorization(header: string, options: { formEncoded?: boolean } = {}): { id: string; secret: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!m) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  if (options.formEncoded === false) return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * An RFC 6750 §3 `Bearer` challenge: `Bearer realm="x", error="invalid_token", error_description="…"`. Values are
 * cut to the characters a quoted auth-param may hold; absent ones are left out.
 */
export function bearerChallenge(realm: string | undefined, params: { error?: string; error_description?: string; scope?: string } = {}): string {
  const parts = Object.entries({ realm, ...params })
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([k, v]) => `${k}="${toOAuthText(v)}"`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}
