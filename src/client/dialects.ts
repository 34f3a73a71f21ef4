/**
 * The two dialects of API V2 the client speaks: `published` (OpenSPP's published developer guide, the default) and
 * `deployed` (what the `spp_api_v2` module of an OpenSPP deployment serves). The dialect picks the contract the
 * client is typed by, and the few rules of the token endpoint that differ at run time; everything else (bearer
 * tokens, the retry after a 401, waiting on 429, reading error bodies) is the same code for both.
 */
import type { paths as DeployedPaths } from '../contract/generated/deployed-types.js';
import type { paths as PublishedPaths } from '../contract/generated/types.js';
import type { ClientAuthStyle } from './credentials.js';

/** A dialect of API V2. */
export type SppDialect = 'published' | 'deployed';

/** The contract's `paths` of each dialect, as openapi-typescript generated them. */
export interface DialectPaths {
  published: PublishedPaths;
  deployed: DeployedPaths;
}

/** The `paths` a client of dialect `D` is typed by. */
export type PathsOf<D extends SppDialect> = DialectPaths[D];

/** How a dialect's token endpoint takes client credentials. */
export interface TokenEndpointRules {
  /** The authentication style used unless the caller picks one. */
  defaultAuth: ClientAuthStyle;
  /** Whether HTTP Basic credentials are form-encoded before base64 (RFC 6749 §2.3.1) or sent verbatim. */
  basicFormEncoded: boolean;
  /** Whether a `scope` parameter narrows the token (RFC 6749 §3.3), or is ignored. */
  honoursScope: boolean;
}

/**
 * Published: RFC 6749 as written — HTTP Basic, form-encoded, `scope` honoured. Deployed: the module reads Basic
 * verbatim and ignores `scope` (every token carries all of the client's scopes), so the default is the JSON body its
 * own documentation and Postman collection send, which carries any secret unchanged.
 * test/client/deployed-client.test.ts holds these against the two contracts and the reference server.
 */
export const TOKEN_ENDPOINT: Readonly<Record<SppDialect, TokenEndpointRules>> = {
  published: { defaultAuth: 'basic', basicFormEncoded: true, honoursScope: true },
  deployed: { defaultAuth: 'json', basicFormEncoded: false, honoursScope: false },
};

/** The dialect named by an option, or a TypeError naming the ones there are (the option often comes from config). */
export function dialectOf(value: unknown): SppDialect {
  if (value === undefined) return 'published';
  if (value === 'published' || value === 'deployed') return value;
  throw new TypeError(`dialect must be 'published' or 'deployed', not ${JSON.stringify(value)}.`);
}
