/**
 * The sign-in and consent page of the authorization endpoint, and its error page: plain server-rendered HTML, no
 * script, nothing loaded from elsewhere. Every value from the request is escaped. The form posts the request's
 * parameters back in hidden fields, so the server keeps no state between the page and the decision: the POST is
 * checked again from scratch.
 */
import type { AuthorizationParameters, AuthorizationRequest } from './authorization-request.js';

/** Headers of every page: never cached, never framed (clickjacking, RFC 6749 §10.13), no Referer sent onwards. */
export const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem}' +
  'button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a00}code{background:#f3f3f3;padding:0 .2rem}';

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

/** The request's parameters as hidden fields, exactly as received, so that the POST is the same request. */
function hiddenFields(params: AuthorizationParameters): string {
  const names = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;
  return names
    .filter((n) => params[n] !== undefined && params[n] !== '')
    .map((n) => `<input type="hidden" name="${n}" value="${escape(params[n]!)}">`)
    .join('');
}

/** The sign-in form: who asks, for what, and the two buttons. `problem` says what went wrong with the last try. */
export function signInPage(request: AuthorizationRequest, params: AuthorizationParameters, action: string, problem?: string, username?: string): string {
  const scopes = request.scopes.map((s) => `<li><code>${escape(s)}</code></li>`).join('') || '<li>(no scope)</li>';
  return page(
    'Sign in',
    `<p><strong>${escape(request.client.name)}</strong> (${escape(request.client.organizationName)}) asks to act for you with:</p><ul>${scopes}</ul>` +
      `<p>It will see what its organization may see, no more.</p>` +
      (problem ? `<p class="error" role="alert">${escape(problem)}</p>` : '') +
      `<form method="post" action="${escape(action)}">${hiddenFields(params)}` +
      `<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required value="${escape(username ?? '')}">` +
      `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>` +
      `<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny" formnovalidate>Deny</button></form>`,
  );
}

/** The page for a request that cannot be answered to the client (unknown client, unregistered redirect URI). */
export function errorPage(reason: string): string {
  return page(
    'Authorization request refused',
    `<p>${escape(reason)}</p><p>Nothing was sent to the application. If you followed a link, it was not made for this server; tell the application's makers.</p>`,
  );
}
