/**
 * Masking in the kit: no client secret and no complete token ever reaches a report, a log line or a curl
 * command. Applied when an exchange is recorded, so nothing unmasked leaves the check that made the request.
 * The mechanics (what a masked token looks like, the wire forms of a secret) are src/rfc/secrets.ts.
 */
import { maskToken, redact, redactCredentialFields } from '../rfc/secrets.js';

export { containsFullJwt } from '../rfc/secrets.js';

/** Set-Cookie attributes, which are not cookies and stay readable. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'priority']);

/** The target's secrets, applied to every text, header and curl line the kit records. */
export class Masker {
  constructor(private readonly secrets: readonly string[]) {}

  text(value: string): string {
    return redactCredentialFields(redact(value, this.secrets));
  }

  header(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const [scheme, ...rest] = value.split(' ');
      const credential = rest.join(' ');
      if (/^basic$/i.test(scheme ?? '')) return `${scheme} ***`;
      return credential ? `${scheme} ${maskToken(this.text(credential))}` : this.text(value);
    }
    // Session cookies of a sign-in are credentials: names are kept, values are not.
    if (lower === 'cookie' || lower === 'set-cookie')
      return value.replace(/(^|[;,]\s*)([^=;,\s]+)=([^;,]*)/g, (m, sep: string, n: string) => (COOKIE_ATTRIBUTES.has(n.toLowerCase()) ? m : `${sep}${n}=…`));
    return this.text(value);
  }

  headers(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, this.header(k, v)]));
  }
}
