/**
 * How the client authenticates at the token endpoint. The three styles the contract accepts
 * (`x-token-endpoint-auth-methods`): exactly one per request, never the query string (RFC 6749 §2.3).
 */
import { basicAuthorization } from '../rfc/oauth.js';
import type { TokenRequest } from './contract-types.js';

export { basicAuthorization, formEncode } from '../rfc/oauth.js';

/**
 * `basic` = `client_secret_basic` (RFC 6749 §2.3.1, recommended); `post` = `client_secret_post` (form body);
 * `json` = the JSON body OpenSPP's own guide shows.
 */
export type ClientAuthStyle = 'basic' | 'post' | 'json';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Space-separated subset of the client's scopes; omitted = all of them. */
  scope?: string | undefined;
}

/**
 * Headers and body of a client-credentials token request in the given style. `basicFormEncoded: false` sends
 * Basic credentials verbatim (the deployed module's reading, see TOKEN_ENDPOINT in dialects.ts).
 */
export function tokenRequestInit(
  style: ClientAuthStyle,
  credentials: ClientCredentials,
  { basicFormEncoded = true }: { basicFormEncoded?: boolean } = {},
): { headers: Record<string, string>; body: string } {
  const { clientId, clientSecret } = credentials;
  // RFC 6749 §3.2: an empty parameter counts as absent, so an empty scope is simply not sent.
  const scope = credentials.scope?.trim() ? { scope: credentials.scope.trim() } : {};
  const accept = { Accept: 'application/json' };
  switch (style) {
    case 'basic': {
      const body: TokenRequest = { grant_type: 'client_credentials', ...scope };
      return {
        headers: {
          ...accept,
          Authorization: basicAuthorization(clientId, clientSecret, { formEncoded: basicFormEncoded }),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: form(body),
      };
    }
    case 'post': {
      const body: TokenRequest = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...scope };
      return { headers: { ...accept, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(body) };
    }
    case 'json': {
      const body: TokenRequest = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...scope };
      return { headers: { ...accept, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
    }
  }
}

function form(body: TokenRequest): string {
  const entries = Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string');
  return new URLSearchParams(entries).toString();
}
