/**
 * The authorization endpoint (RFC 6749 §4.1.1–4.1.2, OAuth 2.1 §4.1): GET shows the sign-in and consent page for
 * a checked request; POST (the page's form) checks the request again, then the decision and the user:
 *
 *   GET:  check the request → the page                       (or the error page, or an error redirect)
 *   POST: check the request → decision → user → issue a code → 303 to the client with code, state and iss
 *
 * Nothing is stored before a user allows: the page carries the request in hidden fields and the POST is checked
 * from scratch, so a page left open or forged cannot get more than a fresh request would.
 */
import type { Handler, HandlerRequest } from '../../contract/route-table.js';
import type { ServerContext } from '../context.js';
import { authenticateUser } from '../users/repository.js';
import { PAGE_HEADERS, errorPage, signInPage } from './authorization-page.js';
import {
  checkAuthorizationRequest,
  redirectWith,
  RedirectedRefusal,
  UntrustedAuthorizationRequest,
  type AuthorizationParameters,
  type AuthorizationRequest,
} from './authorization-request.js';
import { issueCode } from './authorization-codes.js';

export interface AuthorizeSettings {
  /** The issuer, sent as `iss` with every authorization response (RFC 9207). */
  issuer: string;
  /** Where the page's form posts (the contract's path of authorizeDecision). */
  formAction: string;
}

type PageAnswer = { status: 200 | 400; body: string; contentType: 'text/html'; headers: Partial<typeof PAGE_HEADERS> };
type RedirectAnswer<R extends 302 | 303> = { status: R; body: undefined; headers: { Location: string; 'Cache-Control': 'no-store' } };
type Answer<R extends 302 | 303> = PageAnswer | RedirectAnswer<R>;

/** A page: the sign-in page with its protective headers, or the error page (never cached). */
const html = (status: 200 | 400, body: string): PageAnswer => ({
  status,
  body,
  contentType: 'text/html',
  headers: status === 200 ? { ...PAGE_HEADERS } : { 'Cache-Control': 'no-store' },
});

function redirect<R extends 302 | 303>(status: R, location: string): RedirectAnswer<R> {
  return { status, body: undefined, headers: { Location: location, 'Cache-Control': 'no-store' } };
}

/** The checked request; or the answer for one that failed: the error page, or the error sent back by redirect. */
function checked<R extends 302 | 303>(
  ctx: ServerContext,
  params: AuthorizationParameters,
  settings: AuthorizeSettings,
  status: R,
): AuthorizationRequest | Answer<R> {
  try {
    return checkAuthorizationRequest(ctx.db, params);
  } catch (e) {
    if (e instanceof UntrustedAuthorizationRequest) return html(400, errorPage(e.message));
    if (e instanceof RedirectedRefusal)
      return redirect(
        status,
        redirectWith(e.redirectUri, { error: e.refusal.error, error_description: e.refusal.message, state: e.state, iss: settings.issuer }),
      );
    throw e;
  }
}

const isAnswer = <R extends 302 | 303>(x: AuthorizationRequest | Answer<R>): x is Answer<R> => 'status' in x;

export function authorizePage(settings: AuthorizeSettings): Handler<'authorize', ServerContext> {
  return (req, ctx) => {
    const params = req.query;
    const request = checked(ctx, params, settings, 302 as const);
    return isAnswer(request) ? request : html(200, signInPage(request, params, settings.formAction));
  };
}

type DecisionRequest = HandlerRequest<'authorizeDecision'>;

export function authorizeDecision(settings: AuthorizeSettings): Handler<'authorizeDecision', ServerContext> {
  return async (req: DecisionRequest, ctx) => {
    const form = req.body as AuthorizationParameters & { username?: string; password?: string; decision?: string };
    const request = checked(ctx, form, settings, 303 as const);
    if (isAnswer(request)) return request;
    const back = (extra: Record<string, string>) => redirect(303, redirectWith(request.redirectUri, { ...extra, state: request.state, iss: settings.issuer }));
    // Step: the decision. A user who denies is never asked who they are.
    if (form.decision === 'deny') return back({ error: 'access_denied', error_description: 'The user denied the request.' });
    if (form.decision !== 'allow') return html(200, signInPage(request, form, settings.formAction, 'Choose Allow or Deny.', form.username));
    // Step: the user.
    const user = form.username && form.password ? await authenticateUser(ctx.db, form.username, form.password) : undefined;
    if (!user) return html(200, signInPage(request, form, settings.formAction, 'Wrong username or password.', form.username));
    // Step: the code, bound to everything the token request must match.
    const code = issueCode(ctx.db, {
      clientRowId: request.client.rowId,
      userId: user.id,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      scope: request.scopes.join(' '),
      codeChallenge: request.codeChallenge,
      now: Math.floor(ctx.now().getTime() / 1000),
    });
    return back({ code });
  };
}
