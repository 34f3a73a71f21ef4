/**
 * A Postman collection (format v2.1) generated from the operation index: one folder per tag, one request per
 * operation, everything relative to `{{baseUrl}}`, OAuth 2.0 client credentials with `{{clientId}}` and
 * `{{clientSecret}}` (token URL from the contract), optional parameters present but disabled with the contract's
 * example values, bodies from the contract's examples. Nothing to hand-edit: set the three variables.
 *
 * Tokens: the collection's auth is Postman's OAuth 2.0 helper (client credentials), and a collection-level
 * pre-request script fetches a token when there is none or it is about to expire — so that a collection run
 * (Postman's runner, newman) works without clicking "Get New Access Token" first.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { publishedContract, type Contract } from '../contract/contract.js';
import { isPublic, type OperationSpec } from '../contract/operations.js';
import { encodePathValue, exampleRequest, operationObject, tokenPath, type ExampleParameter } from './examples.js';

/** Where `npm run docs` puts the collection: a build folder of its own, never inside a published package. */
export const defaultPostmanPath = 'site/openspp-api-v2.postman_collection.json';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

interface KeyValue {
  key: string;
  value: string;
  type?: string;
  disabled?: boolean;
  description?: string;
}
export interface PostmanUrl {
  raw: string;
  host: string[];
  path: string[];
  query?: KeyValue[];
  variable?: KeyValue[];
}
export interface PostmanRequest {
  method: string;
  description?: string;
  auth?: { type: string; [key: string]: unknown };
  header: KeyValue[];
  url: PostmanUrl;
  body?: { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } } | { mode: 'urlencoded'; urlencoded: KeyValue[] };
}
export interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { type: 'text/javascript'; exec: string[] };
}
export interface PostmanItem {
  name: string;
  description?: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  event?: PostmanEvent[];
  /** Postman's per-request settings: redirects stay unfollowed where the answer is the redirect itself. */
  protocolProfileBehavior?: { followRedirects: boolean };
}
export interface PostmanCollection {
  info: { name: string; description: string; schema: string };
  auth: { type: 'oauth2'; oauth2: KeyValue[] };
  event: PostmanEvent[];
  variable: KeyValue[];
  item: PostmanItem[];
}

export interface PostmanOptions {
  /** Initial values of `{{clientId}}` and `{{clientSecret}}` (the CLI passes the public demo credentials). */
  credentials?: { clientId: string; clientSecret: string } | undefined;
}

/** Builds the collection of a contract (by default the published one). */
export function buildPostmanCollection(contract: Contract = publishedContract, options: PostmanOptions = {}): PostmanCollection {
  const doc = contract.document;
  const token = tokenPath(contract);
  const tokenUrl = token ? (token.relative ? `{{baseUrl}}${token.url}` : token.url) : '{{baseUrl}}/oauth/token';
  const tags = ((doc.tags as Array<{ name: string; description?: string }> | undefined) ?? []).slice();
  const byTag = new Map<string, PostmanItem[]>(tags.map((t) => [t.name, []]));
  for (const op of contract.operations.values()) {
    const tag = op.tags[0] ?? 'Other';
    if (!byTag.has(tag)) {
      byTag.set(tag, []);
      tags.push({ name: tag });
    }
    byTag.get(tag)!.push(requestItem(contract, op));
  }
  const demo = options.credentials;
  return {
    info: {
      name: doc.info.title,
      description: [
        typeof doc.info.summary === 'string' ? doc.info.summary : '',
        '',
        `Generated from the OpenAPI contract (version ${doc.info.version}). Set \`baseUrl\`, \`clientId\` and \`clientSecret\` (collection variables); a token is fetched before the first secured request and again shortly before it expires.`,
        demo ? `The initial credentials are the public, demo-only ones of the reference server (\`npm start\`): replace them for any other deployment.` : '',
      ]
        .filter((l, i, all) => l || (i > 0 && all[i - 1]))
        .join('\n')
        .trim(),
      schema: SCHEMA,
    },
    auth: {
      type: 'oauth2',
      oauth2: [
        { key: 'grant_type', value: 'client_credentials', type: 'string' },
        { key: 'accessTokenUrl', value: tokenUrl, type: 'string' },
        { key: 'clientId', value: '{{clientId}}', type: 'string' },
        { key: 'clientSecret', value: '{{clientSecret}}', type: 'string' },
        { key: 'client_authentication', value: 'header', type: 'string' },
        { key: 'tokenName', value: doc.info.title, type: 'string' },
        { key: 'accessToken', value: '{{accessToken}}', type: 'string' },
        { key: 'addTokenTo', value: 'header', type: 'string' },
        { key: 'headerPrefix', value: 'Bearer', type: 'string' },
      ],
    },
    event: [{ listen: 'prerequest', script: { type: 'text/javascript', exec: tokenScript(tokenUrl) } }],
    variable: [
      {
        key: 'baseUrl',
        value: doc.servers?.[0]?.url ?? 'http://127.0.0.1:8069',
        description: 'The API base URL, e.g. https://registry.example.gov/api/v2/spp.',
      },
      { key: 'clientId', value: demo?.clientId ?? '', description: 'Your client_id.' },
      { key: 'clientSecret', value: demo?.clientSecret ?? '', description: 'Your client_secret (keep it out of shared workspaces).' },
      { key: 'accessToken', value: '', description: 'Set by the collection: the current access token.' },
      { key: 'accessTokenExpiry', value: '', description: 'Set by the collection: when to fetch the next token (epoch ms).' },
      { key: 'origin', value: '', description: 'Set by the collection from baseUrl: for the few endpoints outside the base path.' },
    ],
    item: tags
      .filter((t) => byTag.get(t.name)!.length)
      .map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), item: byTag.get(t.name)! })),
  };
}

/** The collection-level pre-request script (plain ES5-style JavaScript: it runs in Postman's sandbox). */
function tokenScript(tokenUrl: string): string[] {
  return [
    '(function () {',
    "  // Generated by spp-api-kit. The origin of baseUrl, for endpoints outside the API's base path (RFC 8414 metadata).",
    "  var base = pm.variables.get('baseUrl') || '';",
    "  pm.collectionVariables.set('origin', base.replace(/^(https?:\\/\\/[^\\/]+).*$/, '$1'));",
    "  // Only requests that use the collection's OAuth 2.0 auth need a token (not discovery, not the token endpoint).",
    '  var type = pm.request.auth && pm.request.auth.type;',
    "  if (type && type !== 'oauth2') return;",
    "  var expiry = Number(pm.collectionVariables.get('accessTokenExpiry') || 0);",
    "  if (pm.collectionVariables.get('accessToken') && Date.now() < expiry) return;",
    '  // Client credentials grant (client_secret_post); the token is replaced after 90 % of its lifetime.',
    '  pm.sendRequest({',
    `    url: pm.variables.replaceIn(${JSON.stringify(tokenUrl)}),`,
    "    method: 'POST',",
    "    header: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },",
    '    body: {',
    "      mode: 'urlencoded',",
    '      urlencoded: [',
    "        { key: 'grant_type', value: 'client_credentials' },",
    "        { key: 'client_id', value: pm.variables.get('clientId') },",
    "        { key: 'client_secret', value: pm.variables.get('clientSecret') }",
    '      ]',
    '    }',
    '  }, function (err, res) {',
    "    if (err || res.code !== 200) { console.warn('token request failed: ' + (err ? err.message : res.code + ' ' + res.text())); return; }",
    '    var body = res.json();',
    "    pm.collectionVariables.set('accessToken', body.access_token);",
    "    pm.collectionVariables.set('accessTokenExpiry', String(Date.now() + (Number(body.expires_in) || 60) * 900));",
    '  });',
    '})();',
  ];
}

function describeScopes(op: OperationSpec): string {
  if (isPublic(op)) return 'No token needed.';
  const alternatives = op.security.map((a) => (a.length ? a.map((s) => `\`${s}\``).join(' + ') : 'any valid token'));
  return `Scopes: ${alternatives.join(' or ')}.`;
}

function keyValue(p: ExampleParameter): KeyValue {
  const hint = p.fromContract ? '' : ' (no example in the contract)';
  return {
    key: p.name,
    value: p.value,
    ...(p.required ? {} : { disabled: true }),
    ...(p.description || hint ? { description: `${p.required ? '(Required) ' : ''}${p.description ?? ''}${hint}`.trim() } : {}),
  };
}

function requestItem(contract: Contract, op: OperationSpec): PostmanItem {
  const example = exampleRequest(contract, op);
  const { operation } = operationObject(contract.document, op);
  const token = tokenPath(contract);
  const isTokenEndpoint = op.errorStyle === 'oauth2' && !!token && (token.relative ? op.pathTemplate : op.fullPath) === token.url;
  const underBase = op.basePath === contract.basePath;
  const host = underBase ? '{{baseUrl}}' : '{{origin}}';
  const relative = underBase ? op.pathTemplate : op.fullPath;
  const segments = relative.split('/').filter(Boolean);
  const path = segments.map((s) => s.replace(/^\{([^}]+)\}$/, ':$1'));
  const query = example.query.filter((q) => !q.deprecated).map(keyValue);
  const variable = Object.entries(example.path).map(([key, value]) => ({ key, value: encodePathValue(value) }));
  const queryString = query
    .filter((q) => !q.disabled)
    .map((q) => `${q.key}=${q.value}`)
    .join('&');
  const header: KeyValue[] = example.headers.filter((h) => !h.deprecated).map(keyValue);
  const request: PostmanRequest = {
    method: op.method,
    description: [operation.description?.trim() ?? '', describeScopes(op)].filter(Boolean).join('\n\n'),
    header,
    url: {
      raw: `${host}/${path.join('/')}${queryString ? `?${queryString}` : ''}`,
      host: [host],
      path,
      ...(query.length ? { query } : {}),
      ...(variable.length ? { variable } : {}),
    },
  };
  const basic = {
    type: 'basic',
    basic: [
      { key: 'username', value: '{{clientId}}', type: 'string' },
      { key: 'password', value: '{{clientSecret}}', type: 'string' },
    ],
  };
  if (isTokenEndpoint) {
    // RFC 6749 §2.3.1 (recommended): credentials in HTTP Basic, the grant in a form body.
    request.auth = basic;
    request.header.push({ key: 'Content-Type', value: 'application/x-www-form-urlencoded' });
    request.body = { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] };
  } else {
    // The other OAuth endpoints (revocation, introspection) authenticate the client as the token endpoint does.
    if (op.errorStyle === 'oauth2') request.auth = basic;
    else if (isPublic(op)) request.auth = { type: 'noauth' };
    if (example.body) {
      request.header.push({ key: 'Content-Type', value: example.body.contentType });
      request.body =
        example.body.contentType === 'application/x-www-form-urlencoded' && typeof example.body.value === 'object' && example.body.value
          ? { mode: 'urlencoded', urlencoded: Object.entries(example.body.value).map(([key, value]) => ({ key, value: String(value) })) }
          : { mode: 'raw', raw: JSON.stringify(example.body.value, null, 2), options: { raw: { language: 'json' } } };
    }
  }
  // A redirect is the answer itself (the sign-in's 303 to the application): show it, do not follow it.
  const redirects = [...op.responses.keys()].some((status) => status >= 300 && status < 400);
  return {
    name: op.summary,
    request,
    ...(redirects ? { protocolProfileBehavior: { followRedirects: false } } : {}),
    ...(isTokenEndpoint
      ? {
          event: [
            {
              listen: 'test',
              script: {
                type: 'text/javascript',
                exec: [
                  '// Keeps the token for the requests that follow.',
                  "if (pm.response.code === 200) { var t = pm.response.json(); pm.collectionVariables.set('accessToken', t.access_token); pm.collectionVariables.set('accessTokenExpiry', String(Date.now() + (Number(t.expires_in) || 60) * 900)); }",
                ],
              },
            },
          ],
        }
      : {}),
  };
}

/** Every request of a collection, depth first. */
export function postmanRequests(items: PostmanItem[]): PostmanItem[] {
  return items.flatMap((i) => (i.item ? postmanRequests(i.item) : i.request ? [i] : []));
}

export async function writePostmanCollection(
  outFile = defaultPostmanPath,
  options: PostmanOptions = {},
): Promise<{ path: string; requests: number; bytes: number }> {
  const collection = buildPostmanCollection(publishedContract, options);
  const out = resolve(outFile);
  await mkdir(dirname(out), { recursive: true });
  const text = `${JSON.stringify(collection, null, 2)}\n`;
  await writeFile(out, text);
  return { path: out, requests: postmanRequests(collection.item).length, bytes: Buffer.byteLength(text) };
}
