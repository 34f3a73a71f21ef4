/**
 * Client authentication at the OAuth endpoints (token, revocation, introspection), RFC 6749 §2.3: exactly one
 * method — HTTP Basic, or `client_id` and `client_secret` in the body — or, for a public client, its `client_id`
 * alone (it has no secret; §3.2.1). Refusals are OAuthErrors; one sent with Basic is a 401 with a challenge.
 */
import { OAuthError } from '../../contract/errors.js';
import { parseBasicAuthorization } from '../../rfc/oauth.js';
import { authenticateClient, findClient, type ApiClient } from '../clients/repository.js';
import type { Db } from '../store/db.js';

/** What the request presented: a client id, its secret (none for a public client) and whether Basic carried them. */
export interface PresentedClient {
  clientId: string | undefined;
  secret: string | undefined;
  basic: boolean;
}

/** The credentials of a request, from the Authorization header and the body's client_id/client_secret. */
export function presentedClient(authorization: string | null, body: { client_id?: string | undefined; client_secret?: string | undefined }): PresentedClient {
  let clientId = body.client_id;
  let secret = body.client_secret;
  const basic = authorization !== null;
  if (basic) {
    const pair = parseBasicAuthorization(authorization);
    if (!pair) throw new OAuthError('invalid_client', 'The Authorization header must be HTTP Basic with the url-encoded client id and secret.', { basic });
    if (secret !== undefined) throw new OAuthError('invalid_request', 'The client authenticated in more than one way (HTTP Basic and client_secret); use one.');
    if (clientId !== undefined && clientId !== pair.id)
      throw new OAuthError('invalid_request', 'The client_id parameter does not match the HTTP Basic credentials.');
    clientId = pair.id;
    secret = pair.secret;
  }
  return { clientId, secret, basic };
}

export interface AuthenticateOptions {
  /** Whether a public client (client_id alone) is acceptable here: not at introspection, which needs a secret. */
  allowPublic: boolean;
  /**
   * The status of a failed client authentication sent in the body, or of none at all: 400 at the token endpoint
   * (RFC 6749 §5.2 allows it, and it always was), 401 at introspection (RFC 7662 §2.3) and revocation (alike).
   * A failure with HTTP Basic is a 401 everywhere.
   */
  failureStatus: 400 | 401;
}

/** The client the request authenticated as; an OAuthError (invalid_client) otherwise. Same work whether or not the client exists. */
export function authenticatePresented(db: Db, presented: PresentedClient, options: AuthenticateOptions): ApiClient {
  const { clientId, secret, basic } = presented;
  if (clientId === undefined) {
    throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret in the body.', {
      basic: basic || options.failureStatus === 401,
    });
  }
  if (secret !== undefined) {
    const client = authenticateClient(db, clientId, secret);
    if (!client) throw new OAuthError('invalid_client', 'Invalid client credentials.', { basic: basic || options.failureStatus === 401 });
    return client;
  }
  // A client id alone identifies a public client; a confidential one must prove who it is.
  const client = findClient(db, clientId);
  if (!options.allowPublic || !client || !client.active || client.clientType !== 'public') {
    throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret in the body.', {
      basic: options.failureStatus === 401,
    });
  }
  return client;
}
