/**
 * Reading the HTML forms of a sign-in flow, enough to submit them as a browser would: each form's action and
 * method, its inputs with their values, its submit buttons. Pure and tolerant — a page it cannot read yields no
 * form, and the kit then reports the page it stopped at.
 */

export interface FormField {
  name: string;
  value: string;
  type: string;
}

export interface HtmlForm {
  /** As written (may be relative or empty: the page's own URL). */
  action: string;
  method: 'GET' | 'POST';
  /** Inputs other than submit buttons, in order. */
  fields: FormField[];
  /** Named submit buttons (`<button>` or `<input type=submit>`), in order. */
  buttons: FormField[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** The attributes of one tag: names lower-cased, values entity-decoded; a bare attribute has the value ''. */
export function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g;
  const inner = tag.replace(/^<\s*[a-z0-9]+/i, '').replace(/\/?>$/, '');
  for (const [, name, raw] of inner.matchAll(re)) {
    if (!name) continue;
    const value = raw === undefined ? '' : raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
    out[name.toLowerCase()] ??= decodeEntities(value);
  }
  return out;
}

/** Every form of a page, in order. */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form\s*>/gi)) {
    const open = /^<form\b[^>]*>/i.exec(match[0])![0];
    const attrs = attributes(open);
    const form: HtmlForm = { action: attrs.action ?? '', method: (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', fields: [], buttons: [] };
    for (const [tag] of (match[1] ?? '').matchAll(/<(?:input|button)\b[^>]*>/gi)) {
      const a = attributes(tag);
      const isButton = /^<button/i.test(tag);
      const type = (a.type ?? (isButton ? 'submit' : 'text')).toLowerCase();
      if (a.name === undefined || a.disabled !== undefined) continue;
      const field = { name: a.name, value: a.value ?? '', type };
      if (type === 'submit' || type === 'image') form.buttons.push(field);
      else if (type !== 'reset' && type !== 'button' && !((type === 'checkbox' || type === 'radio') && a.checked === undefined)) form.fields.push(field);
    }
    forms.push(form);
  }
  return forms;
}
