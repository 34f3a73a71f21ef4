/**
 * The automated user step: a small user agent that walks an authorization request the way a browser would —
 * following the authorization server's redirects with its cookies, filling the sign-in form with the test user
 * (the target file names its fields), posting any further form (a consent page) as it stands — until the server
 * sends it to a client redirect URI. That redirect is never followed: it is the answer (RFC 6749 §4.1.2).
 *
 * Every request goes through the check's context, so it is recorded (masked), counted and paced like any other;
 * form posts count against the token endpoint's budget, as a sign-in is limited like it on many servers.
 */
import type { CheckContext } from '../check.js';
import type { HttpResult, RequestSpec } from '../http.js';
import type { UserFlowsTarget } from './config.js';
import { parseForms, type HtmlForm } from './forms.js';

/** Where an authorization request ended. */
export type AuthorizationOutcome =
  /** The server sent the browser to `location`, one of the client redirect URIs (or the one the request named). */
  | { kind: 'redirect'; location: URL; params: URLSearchParams; answer: HttpResult | undefined }
  /** The walk stopped at a page that sends the browser nowhere: an error page, or a form the kit could not get past. */
  | { kind: 'page'; status: number; reason: string; answer: HttpResult };

/** More than a sign-in, a consent and their redirects need: a server sending the browser in circles. */
const MAX_STEPS = 15;

/** The authorization response's parameters: the query, or the fragment when the query has none (RFC 6749 §4.2.2 style). */
export function responseParameters(location: URL): URLSearchParams {
  if (location.search.length > 1) return new URLSearchParams(location.search);
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

/** True when `url` is the redirect URI `target`, with only a query or fragment added (what a client's endpoint receives). */
export function isRedirectTo(url: URL, target: string): boolean {
  const t = new URL(target);
  return url.origin === t.origin && url.pathname === t.pathname;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** Cookies per origin, with the path rule of RFC 6265 §5.1.4 (enough for a sign-in flow). */
class CookieJar {
  private readonly byOrigin = new Map<string, Cookie[]>();

  store(url: URL, result: HttpResult): void {
    for (const line of result.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attr = (n: string) =>
        attrs
          .map((a) => a.trim())
          .find((a) => a.toLowerCase().startsWith(`${n}=`))
          ?.slice(n.length + 1);
      const path = attr('path') ?? url.pathname.replace(/\/[^/]*$/, '/');
      const expired = attr('max-age') !== undefined ? Number(attr('max-age')) <= 0 : attr('expires') !== undefined && Date.parse(attr('expires')!) < Date.now();
      const list = (this.byOrigin.get(url.origin) ?? []).filter((c) => !(c.name === name && c.path === path));
      if (!expired) list.push({ name, value, path });
      this.byOrigin.set(url.origin, list);
    }
  }

  header(url: URL): string | undefined {
    const list = (this.byOrigin.get(url.origin) ?? []).filter(
      (c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
    );
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

/** The fields a form posts: its inputs, the user's credentials where it asks for them, and a button. */
function submission(form: HtmlForm, user: NonNullable<UserFlowsTarget['user']>): URLSearchParams {
  const body = new URLSearchParams();
  for (const f of form.fields) {
    if (f.name === user.form.username) body.append(f.name, user.username);
    else if (f.name === user.form.password) body.append(f.name, user.password);
    else body.append(f.name, f.value);
  }
  const button = user.form.submit ? undefined : form.buttons[0];
  if (button) body.append(button.name, button.value);
  for (const [k, v] of Object.entries(user.form.submit ?? {})) body.set(k, v);
  return body;
}

export interface WalkOptions {
  /** The redirect URI this request names: reaching it (with anything added) ends the walk. */
  redirectUri: string;
  /** Every redirect URI of the target's clients: never followed, even when the request named another. */
  clientRedirectUris: string[];
  /** The operations the answers stand for, when the profile validates them against the contract. */
  operations?: { page?: RequestSpec['operation']; form?: RequestSpec['operation'] };
}

/** Walks from the authorization URL to the client redirect, signing the user in on the way. */
export async function walkAuthorization(
  ctx: CheckContext,
  authorizationUrl: string,
  user: NonNullable<UserFlowsTarget['user']>,
  options: WalkOptions,
): Promise<AuthorizationOutcome> {
  const jar = new CookieJar();
  let next: RequestSpec = { method: 'GET', url: authorizationUrl, ...(options.operations?.page ? { operation: options.operations.page } : {}) };
  let signedIn = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const url = new URL(next.url);
    const cookie = jar.header(url);
    const answer = await ctx.request({
      ...next,
      headers: { accept: 'text/html,application/xhtml+xml', ...(next.headers ?? {}), ...(cookie ? { cookie } : {}) },
      ...(next.method === 'POST' ? { countsAsToken: true } : {}),
    });
    jar.store(url, answer);
    const location = answer.headers.get('location');
    if (answer.status >= 300 && answer.status < 400 && location) {
      const to = new URL(location, url);
      if (isRedirectTo(to, options.redirectUri) || options.clientRedirectUris.some((r) => isRedirectTo(to, r)))
        return { kind: 'redirect', location: to, params: responseParameters(to), answer };
      if (to.protocol !== 'http:' && to.protocol !== 'https:') return { kind: 'redirect', location: to, params: responseParameters(to), answer };
      // 307/308 repeat the method and body; 301/302/303 become a GET (RFC 9110 §15.4).
      next =
        answer.status === 307 || answer.status === 308
          ? { ...next, url: to.href, operation: undefined }
          : {
              method: 'GET',
              url: to.href,
              ...(options.operations?.page && to.href.split('?')[0] === authorizationUrl.split('?')[0] ? { operation: options.operations.page } : {}),
            };
      continue;
    }
    const forms = answer.status === 200 && /html/i.test(answer.contentType ?? '') ? parseForms(answer.text) : [];
    const login = forms.find((f) => f.fields.some((x) => x.name === user.form.password));
    if (login && signedIn)
      return {
        kind: 'page',
        status: answer.status,
        reason: 'the sign-in form came back after the test user signed in: wrong username or password, or other field names (userFlows.user.form)',
        answer,
      };
    const form = login ?? forms.find((f) => f.method === 'POST');
    if (!form) {
      const reason =
        answer.status >= 400
          ? `the authorization server answered ${answer.status}`
          : `a page without a form to continue (${answer.status} ${answer.contentType ?? ''})`;
      return { kind: 'page', status: answer.status, reason, answer };
    }
    if (login) signedIn = true;
    const action = new URL(form.action || url.href, url);
    const body = submission(form, user);
    next =
      form.method === 'POST'
        ? {
            method: 'POST',
            url: action.href,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: body.toString(),
            ...(options.operations?.form ? { operation: options.operations.form } : {}),
          }
        : { method: 'GET', url: `${action.origin}${action.pathname}?${body}` };
  }
  throw new Error(`the authorization server sent the browser through more than ${MAX_STEPS} pages without reaching the client`);
}
