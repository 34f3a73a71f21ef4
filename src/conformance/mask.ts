/**
 * Masking: no client secret and no complete token ever reaches a report, a log line or a curl command. Applied
 * when an exchange is recorded, so nothing unmasked leaves the check that made the request.
 */

/** Three base64url segments (the last may be empty: `alg: none`). Long enough to skip dotted words. */
const JWT_LIKE = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** A token shortened so it can be recognised but not replayed. */
export function maskToken(token: string): string {
  if (token.length <= 12) return token;
  return `${token.slice(0, 8)}…[masked ${token.length} chars]`;
}

export class Masker {
  private readonly secrets: string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so that a secret containing another is masked whole; encoded forms too (form bodies, URLs).
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s.length < 4) continue;
      forms.add(s);
      forms.add(encodeURIComponent(s));
      forms.add(new URLSearchParams({ x: s }).toString().slice(2));
      forms.add(JSON.stringify(s).slice(1, -1));
    }
    this.secrets = [...forms].sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    let out = value;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out.replace(JWT_LIKE, (m) => maskToken(m));
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

/** True when the text still holds a complete JWT (used by the kit's own tests on every report). */
export function containsFullJwt(text: string): boolean {
  return /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(text);
}
