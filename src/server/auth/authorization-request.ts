/**
 * Checking an authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1), the same on the page's GET and on its
 * form's POST, as named steps:
 *
 *   client → redirect URI (exact string match) → response type → PKCE → scope
 *
 * The first two decide whether the client may be told anything: when either fails the request is untrusted and the
 * user gets an error page, never a redirect (RFC 6749 §4.1.2.1, §10.15 — an open redirector otherwise). Once both
 * pass, every other refusal is sent back to the client by redirect, with the state and the issuer.
 */
import type { ApiClient } from '../clients/repository.js';
import { findClient } from '../clients/repository.js';
import type { Db } from '../store/db.js';

/** The parameters of an authorization request, from the query (GET) or the form (POST). */
export interface AuthorizationParameters {
  response_type?: string | undefined;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export interface AuthorizationRequest {
  client: ApiClient;
  redirectUri: string;
  /** Whether the request named the redirect URI (then the token request must repeat it). */
  redirectUriSent: boolean;
  state: string | undefined;
  /** The scopes the user is asked to approve. */
  scopes: string[];
  codeChallenge: string | null;
}

/** The client or its redirect URI cannot be trusted: an error page for the user, nothing for the client. */
export class UntrustedAuthorizationRequest extends Error {}

/** A refusal the client hears about: a redirect with `error` (RFC 6749 §4.1.2.1). */
export class AuthorizationRefused extends Error {
  constructor(
    readonly error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied' | 'unauthorized_client',
    description: string,
  ) {
    super(description);
  }
}

/** RFC 7636 §4.2: BASE64URL(SHA-256(verifier)) is 43 characters; the ABNF allows 43 to 128 unreserved ones. */
const CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

const present = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** Step 1: a known, active client that registered redirect URIs (without them it cannot use this grant). */
function clientOf(db: Db, params: AuthorizationParameters): ApiClient {
  const id = present(params.client_id);
  if (id === undefined) throw new UntrustedAuthorizationRequest('The request names no application (client_id is missing).');
  const client = findClient(db, id);
  if (!client || !client.active) throw new UntrustedAuthorizationRequest('The application is unknown or disabled.');
  if (client.redirectUris.length === 0)
    throw new UntrustedAuthorizationRequest('This application is not registered for signing users in (it has no redirect URI).');
  return client;
}

/** Step 2: one of the client's registered redirect URIs, compared as strings — no prefixes, no patterns (RFC 9700 §2.1). */
function redirectUriOf(client: ApiClient, params: AuthorizationParameters): { redirectUri: string; sent: boolean } {
  const given = present(params.redirect_uri);
  if (given === undefined) {
    if (client.redirectUris.length === 1) return { redirectUri: client.redirectUris[0]!, sent: false };
    throw new UntrustedAuthorizationRequest('The request names no redirect URI, and the application registered several.');
  }
  if (!client.redirectUris.includes(given)) throw new UntrustedAuthorizationRequest('The redirect URI is not registered for this application.');
  return { redirectUri: given, sent: true };
}

/** Step 3: the authorization code grant is the only one this endpoint serves (no implicit grant, OAuth 2.1 §10.1). */
function responseType(params: AuthorizationParameters): void {
  const type = present(params.response_type);
  if (type === undefined) throw new AuthorizationRefused('invalid_request', 'The response_type parameter is required (code).');
  if (type !== 'code') throw new AuthorizationRefused('unsupported_response_type', 'Only response_type=code is supported.');
}

/**
 * Step 4: PKCE with S256 (RFC 7636; OAuth 2.1 §4.1.1 prohibits `plain`, and a challenge without a method would
 * mean `plain`). Public clients must use it; a confidential client may do without (it authenticates when it
 * exchanges the code), but then may not send a verifier later.
 */
function proofKey(client: ApiClient, params: AuthorizationParameters): string | null {
  const challenge = present(params.code_challenge);
  const method = present(params.code_challenge_method);
  if (method !== undefined && method !== 'S256')
    throw new AuthorizationRefused('invalid_request', `code_challenge_method ${method === 'plain' ? 'plain' : 'given'} is not supported: use S256.`);
  if (challenge === undefined) {
    if (method !== undefined) throw new AuthorizationRefused('invalid_request', 'code_challenge_method was sent without a code_challenge.');
    if (client.clientType === 'public')
      throw new AuthorizationRefused('invalid_request', 'A public client must use PKCE: send code_challenge and code_challenge_method=S256.');
    return null;
  }
  if (method === undefined) throw new AuthorizationRefused('invalid_request', 'code_challenge_method is required and must be S256 (plain is not accepted).');
  if (!CHALLENGE.test(challenge)) throw new AuthorizationRefused('invalid_request', 'code_challenge must be 43 to 128 characters A-Z a-z 0-9 - . _ ~.');
  return challenge;
}

/** Step 5: the scopes the user is asked to approve — some of the client's, or by default all of them. */
function scopesOf(client: ApiClient, params: AuthorizationParameters): string[] {
  const scope = present(params.scope);
  if (scope === undefined) return client.scopes;
  const requested = [...new Set(scope.split(' ').filter(Boolean))].sort();
  if (requested.length === 0) throw new AuthorizationRefused('invalid_scope', 'The scope parameter names no scope.');
  if (requested.some((s) => !client.scopes.includes(s)))
    throw new AuthorizationRefused('invalid_scope', 'The application may not ask for some of these scopes.');
  return requested;
}

/**
 * The checked request, or: an UntrustedAuthorizationRequest (error page), or an AuthorizationRefused carrying the
 * redirect target (the client and its redirect URI were trusted).
 */
export function checkAuthorizationRequest(db: Db, params: AuthorizationParameters): AuthorizationRequest {
  const client = clientOf(db, params);
  const { redirectUri, sent } = redirectUriOf(client, params);
  const state = present(params.state);
  try {
    responseType(params);
    const codeChallenge = proofKey(client, params);
    const scopes = scopesOf(client, params);
    return { client, redirectUri, redirectUriSent: sent, state, scopes, codeChallenge };
  } catch (e) {
    if (e instanceof AuthorizationRefused) throw new RedirectedRefusal(e, redirectUri, state);
    throw e;
  }
}

/** An AuthorizationRefused with where to send it. */
export class RedirectedRefusal extends Error {
  constructor(
    readonly refusal: AuthorizationRefused,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(refusal.message);
  }
}

/** The redirect URI with the authorization response added to its query (RFC 6749 §4.1.2; `iss`, RFC 9207). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.append(k, v);
  return u.href;
}
