/**
 * Masking in the kit: no client secret and no complete token ever reaches a report, a log line or a curl
 * command. Applied when an exchange is recorded, so nothing unmasked leaves the check that made the request.
 * The mechanics (what a masked token looks like, the wire forms of a secret) are src/rfc/secrets.ts.
 */
import { maskToken, redact } from '../rfc/secrets.js';

export { containsFullJwt } from '../rfc/secrets.js';

/** The target's secrets, applied to every text, header and curl line the kit records. */
export class Masker {
  constructor(private readonly secrets: readonly string[]) {}

  text(value: string): string {
    return redact(value, this.secrets);
  }

  header(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const [scheme, ...rest] = value.split(' ');
      const credential = rest.join(' ');
      if (/^basic$/i.test(scheme ?? '')) return `${scheme} ***`;
      return credential ? `${scheme} ${maskToken(this.text(credential))}` : this.text(value);
    }
    return this.text(value);
  }

  headers(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, this.header(k, v)]));
  }
}
