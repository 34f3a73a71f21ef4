/**
 * Keeping credentials out of text meant for people (logs, error messages, reports). Shared by the server, the
 * client and the kit, so that "masked" means one thing everywhere.
 */

/** Three base64url segments (the last may be empty: `alg: none`), long enough to skip host names and versions. */
const JWT_SHAPED = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** A token shortened so it can be recognised but not replayed: its first 8 characters and its length. */
export function maskToken(token: string): string {
  if (token.length <= 12) return '…';
  return `${token.slice(0, 8)}…[${token.length} chars]`;
}

/** The forms a secret takes on the wire: raw, percent-encoded, form-encoded and JSON-escaped. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)])];
}

/**
 * Removes credentials from a text: each given secret (in every wire form, longest first) becomes `***` and
 * anything shaped like a JWT is masked with `maskToken`. Secrets shorter than 4 characters are not searched for.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  const forms = secrets
    .filter((s) => s.length >= 4)
    .flatMap(secretForms)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) out = out.split(form).join('***');
  return out.replace(JWT_SHAPED, (t) => maskToken(t));
}

/** True when the text still holds a complete JWT (tests run it over every report and log). */
export function containsFullJwt(text: string): boolean {
  return /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(text);
}

/** Token members of JSON bodies (RFC 6749 §5.1): masked whatever their form (refresh tokens and codes are opaque). */
const TOKEN_MEMBERS = /("(?:access_token|refresh_token|id_token)"\s*:\s*")([^"\\]{4,})(")/g;
/** Credentials in query strings and forms: an authorization code, tokens, a PKCE verifier, a password, a secret. */
const CREDENTIAL_PARAMETERS = /((?:^|[?&#\s])(?:code|access_token|refresh_token|id_token|token|code_verifier|password|client_secret)=)([^&#\s"'<>]{4,})/g;

/**
 * Masks credentials recognised by where they stand rather than by value: token members of a JSON body, and
 * `code=`, `refresh_token=`, `token=`, `password=`… in a URL or a form. Opaque tokens and codes have no shape a
 * pattern could find elsewhere, and are learnt only after the answer that carries them has been recorded.
 */
export function redactCredentialFields(text: string): string {
  return text
    .replace(TOKEN_MEMBERS, (_m, before: string, value: string, after: string) => `${before}${maskToken(value)}${after}`)
    .replace(CREDENTIAL_PARAMETERS, (_m, name: string, value: string) => `${name}${maskToken(value)}`);
}
