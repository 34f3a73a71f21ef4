/**
 * Faulty authorization servers for the user-flow checks: proxies in front of the reference server, each making it
 * break one rule of the authorization code grant, PKCE, refresh tokens, revocation or introspection — the faults
 * a real server could have (a code accepted twice, PKCE ignored, a redirect URI prefix-matched, a reused refresh
 * token accepted...). Each names the check to run and the requirement whose failure must name the fault.
 * Mutations keep state (codes, tokens seen), so each mutant is made fresh for its run.
 */
import { createHash } from 'node:crypto';
import { readDemoUsers } from '../../../src/server/demo-users.js';
import { basicAuthorization } from '../../../src/rfc/oauth.js';
import { header, json, setHeader, withJson, type Mutation, type ProxyRequest, type ProxyResponse, type Upstream } from './proxy.js';

export interface UserFlowMutant {
  name: string;
  description: string;
  mutation: () => Mutation;
  only: string[];
  expect: string;
}

const apps = readDemoUsers().clients;
const webApp = apps.find((c) => c.type === 'confidential')!;
const REGISTERED = apps.flatMap((c) => c.redirectUris);

const pathOf = (req: ProxyRequest) => req.url.split('?')[0]!;
const isAuthorize = (req: ProxyRequest) => pathOf(req).endsWith('/oauth/authorize');
const isToken = (req: ProxyRequest) => pathOf(req).endsWith('/oauth/token');
const isRevoke = (req: ProxyRequest) => pathOf(req).endsWith('/oauth/revoke');
const isIntrospect = (req: ProxyRequest) => pathOf(req).endsWith('/oauth/introspect');

/** The authorization request's parameters: the query of the page, the form of the decision. */
function authorizeParams(req: ProxyRequest): URLSearchParams {
  return req.method === 'POST' ? new URLSearchParams(req.body) : new URLSearchParams(req.url.split('?')[1] ?? '');
}

function withAuthorizeParams(req: ProxyRequest, params: URLSearchParams): ProxyRequest {
  return req.method === 'POST' ? { ...req, body: params.toString() } : { ...req, url: `${pathOf(req)}?${params}` };
}

/** A token, revocation or introspection request's fields, form or JSON. */
function fieldsOf(req: ProxyRequest): Record<string, string> {
  if (/json/.test(header(req.headers, 'content-type') ?? '')) return JSON.parse(req.body || '{}') as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(req.body));
}

function withFields(req: ProxyRequest, fields: Record<string, string>): ProxyRequest {
  if (/json/.test(header(req.headers, 'content-type') ?? '')) return { ...req, body: JSON.stringify(fields) };
  return { ...req, body: new URLSearchParams(fields).toString() };
}

function without<T extends Record<string, string>>(fields: T, ...names: string[]): T {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !names.includes(k))) as T;
}

/** The redirect of an authorization answer, when it is one. */
function locationOf(res: ProxyResponse): URL | undefined {
  const l = header(res.headers, 'location');
  return res.status >= 300 && res.status < 400 && l ? new URL(l) : undefined;
}

const withLocation = (res: ProxyResponse, url: URL): ProxyResponse => ({ ...res, headers: setHeader(res.headers, 'location', url.href) });

const invalidGrant = (text: string): ProxyResponse => ({
  status: 400,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', 'x-api-version': '2.0.0' },
  body: JSON.stringify({ error: 'invalid_grant', error_description: text }),
});

/** Who authenticated a request: its Basic header or its client_id and client_secret. */
function clientAuthOf(req: ProxyRequest, fields: Record<string, string>): { basic?: string; clientId?: string; clientSecret?: string } {
  const basic = header(req.headers, 'authorization');
  if (basic) return { basic };
  return { ...(fields.client_id ? { clientId: fields.client_id } : {}), ...(fields.client_secret ? { clientSecret: fields.client_secret } : {}) };
}

const sameClient = (a: ReturnType<typeof clientAuthOf>, b: ReturnType<typeof clientAuthOf>) => a.basic === b.basic && a.clientId === b.clientId;

/** Adds the demo web app's credentials to a form request that has none. */
function authenticatedAsWebApp(req: ProxyRequest): ProxyRequest {
  const fields = fieldsOf(req);
  if (header(req.headers, 'authorization') || fields.client_id) return req;
  return { ...req, headers: setHeader(req.headers, 'authorization', basicAuthorization(webApp.clientId, webApp.clientSecret!)) };
}

/** Token answers of one grant type (by the request's grant_type). */
function onGrant(
  grant: string,
  edit: (res: ProxyResponse, req: ProxyRequest, fields: Record<string, string>) => ProxyResponse | Promise<ProxyResponse>,
): Mutation {
  return {
    response: (res, req) => {
      if (!isToken(req)) return res;
      const fields = fieldsOf(req);
      return fields.grant_type === grant ? edit(res, req, fields) : res;
    },
  };
}

/** A proxy answering some requests itself: `answer` returns a response to send instead of forwarding, or undefined. */
function answering(
  answer: (req: ProxyRequest, upstream: Upstream) => ProxyResponse | undefined | Promise<ProxyResponse | undefined>,
  after?: Mutation['response'],
): Mutation {
  const canned = new WeakMap<ProxyRequest, ProxyResponse>();
  return {
    async request(req, upstream) {
      const r = await answer(req, upstream);
      if (!r) return req;
      // Forward something harmless and answer with the canned response instead.
      const marker = { ...req, method: 'GET', url: '/api/v2/spp/metadata', body: '' };
      canned.set(marker, r);
      return marker;
    },
    response: (res, req, upstream) => canned.get(req) ?? (after ? after(res, req, upstream) : res),
  };
}

/** The redirect URI a request names, when it extends a registered one (a prefix match would take it). */
function extendsRegistered(uri: string | null): string | undefined {
  return uri ? REGISTERED.find((r) => uri !== r && uri.startsWith(r)) : undefined;
}

export const userFlowMutants: UserFlowMutant[] = [
  {
    name: 'state-dropped',
    description: 'the authorization response leaves out the state',
    mutation: () => ({
      response: (res, req) => {
        const to = isAuthorize(req) ? locationOf(res) : undefined;
        if (!to) return res;
        to.searchParams.delete('state');
        return withLocation(res, to);
      },
    }),
    only: ['authcode-state'],
    expect: 'AZ-01',
  },
  {
    name: 'iss-dropped',
    description: 'the authorization response leaves out iss',
    mutation: () => ({
      response: (res, req) => {
        const to = isAuthorize(req) ? locationOf(res) : undefined;
        if (!to) return res;
        to.searchParams.delete('iss');
        return withLocation(res, to);
      },
    }),
    only: ['authcode-iss'],
    expect: 'AZ-08',
  },
  {
    name: 'redirect-uri-prefix-match',
    description: 'a redirect URI that extends a registered one is accepted, and the browser is sent there',
    mutation: () => {
      const asked = new Map<string, string>();
      return {
        request(req) {
          if (!isAuthorize(req)) return req;
          const params = authorizeParams(req);
          const registered = extendsRegistered(params.get('redirect_uri'));
          if (!registered) return req;
          asked.set(params.get('state') ?? '', params.get('redirect_uri')!);
          params.set('redirect_uri', registered);
          return withAuthorizeParams(req, params);
        },
        response(res, req) {
          const to = isAuthorize(req) ? locationOf(res) : undefined;
          const original = to && asked.get(to.searchParams.get('state') ?? '');
          if (!to || !original) return res;
          const sent = new URL(original);
          for (const [k, v] of to.searchParams) sent.searchParams.append(k, v);
          return withLocation(res, sent);
        },
      };
    },
    only: ['authcode-redirect-uri-exact'],
    expect: 'AZ-03',
  },
  {
    name: 'error-page-instead-of-redirect',
    description: 'errors after the client and redirect URI are known are shown as a page, not sent to the client',
    mutation: () => ({
      response: (res, req) =>
        isAuthorize(req) && locationOf(res)?.searchParams.has('error')
          ? {
              status: 400,
              headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-api-version': '2.0.0' },
              body: '<!DOCTYPE html><p>Error</p>',
            }
          : res,
    }),
    only: ['authcode-error-redirect'],
    expect: 'AZ-07',
  },
  {
    name: 'exchange-broken',
    description: 'every code exchange is refused',
    mutation: () => answering((req) => (isToken(req) && fieldsOf(req).grant_type === 'authorization_code' ? invalidGrant('no') : undefined)),
    only: ['authcode-exchange'],
    expect: 'AZ-02',
  },
  {
    name: 'code-accepted-twice',
    description: 'a code exchanged a second time gets the first answer again',
    mutation: () => {
      const answers = new Map<string, ProxyResponse>();
      const seen = new WeakMap<ProxyRequest, string>();
      return answering(
        (req) => {
          if (!isToken(req)) return undefined;
          const f = fieldsOf(req);
          if (f.grant_type !== 'authorization_code' || !f.code) return undefined;
          seen.set(req, f.code);
          return answers.get(f.code);
        },
        (res, req) => {
          const code = seen.get(req);
          if (code && res.status === 200) answers.set(code, res);
          return res;
        },
      );
    },
    only: ['authcode-reuse-refused'],
    expect: 'AZ-04',
  },
  {
    name: 'code-reuse-keeps-tokens',
    description: 'a code exchanged a second time is refused, but what it issued stays valid',
    mutation: () => {
      const used = new Set<string>();
      return answering((req) => {
        if (!isToken(req)) return undefined;
        const f = fieldsOf(req);
        if (f.grant_type !== 'authorization_code' || !f.code) return undefined;
        if (used.has(f.code)) return invalidGrant('used');
        used.add(f.code);
        return undefined;
      });
    },
    only: ['authcode-reuse-revokes'],
    expect: 'OSPP-UF-02',
  },
  {
    name: 'redirect-uri-unchecked-at-token',
    description: 'the token endpoint ignores the redirect_uri of the code exchange',
    mutation: () => {
      const redirectOf = new Map<string, string>();
      return {
        request(req) {
          if (!isToken(req)) return req;
          const f = fieldsOf(req);
          const original = f.code ? redirectOf.get(f.code) : undefined;
          return f.grant_type === 'authorization_code' && original ? withFields(req, { ...f, redirect_uri: original }) : req;
        },
        response(res, req) {
          const to = isAuthorize(req) ? locationOf(res) : undefined;
          const code = to?.searchParams.get('code');
          if (to && code) redirectOf.set(code, `${to.origin}${to.pathname}`);
          return res;
        },
      };
    },
    only: ['authcode-redirect-uri-binding'],
    expect: 'AZ-06',
  },
  {
    name: 'user-token-names-the-client',
    description: "a user's access token names the client in sub",
    mutation: () =>
      onGrant('authorization_code', (res) => {
        const body = json(res);
        if (res.status !== 200 || typeof body?.access_token !== 'string') return res;
        const [h, p, s] = body.access_token.split('.');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
        const forged = Buffer.from(JSON.stringify({ ...claims, sub: claims.client_id })).toString('base64url');
        return withJson(res, { ...body, access_token: `${h}.${forged}.${s}` });
      }),
    only: ['authcode-user-token-claims'],
    expect: 'OSPP-UF-01',
  },
  ...(['pkce-verifier-mismatch', 'pkce-verifier-missing'] as const).map((check) => ({
    name: `pkce-ignored (${check})`,
    description: 'PKCE is ignored: challenges are dropped, verifiers never checked',
    mutation: (): Mutation => ({
      request(req) {
        if (isAuthorize(req)) {
          const p = authorizeParams(req);
          p.delete('code_challenge');
          p.delete('code_challenge_method');
          return withAuthorizeParams(req, p);
        }
        return isToken(req) ? withFields(req, without(fieldsOf(req), 'code_verifier')) : req;
      },
    }),
    only: [check],
    expect: check === 'pkce-verifier-mismatch' ? 'PKCE-01' : 'PKCE-02',
  })),
  {
    name: 'pkce-downgrade-accepted',
    description: 'a verifier sent for a code issued without a challenge is ignored, not refused',
    mutation: () => {
      const noChallenge = new Set<string>();
      const codes = new Set<string>();
      return {
        request(req) {
          if (isAuthorize(req)) {
            const p = authorizeParams(req);
            if (!p.get('code_challenge')) noChallenge.add(p.get('state') ?? '');
            return req;
          }
          if (!isToken(req)) return req;
          const f = fieldsOf(req);
          return f.code && codes.has(f.code) ? withFields(req, without(f, 'code_verifier')) : req;
        },
        response(res, req) {
          const to = isAuthorize(req) ? locationOf(res) : undefined;
          const code = to?.searchParams.get('code');
          if (code && noChallenge.has(to!.searchParams.get('state') ?? '')) codes.add(code);
          return res;
        },
      };
    },
    only: ['pkce-downgrade'],
    expect: 'PKCE-03',
  },
  {
    name: 'pkce-plain-accepted',
    description: 'the plain PKCE method is accepted',
    mutation: () => ({
      request(req) {
        if (!isAuthorize(req)) return req;
        const p = authorizeParams(req);
        if (p.get('code_challenge_method') !== 'plain') return req;
        p.set('code_challenge', createHash('sha256').update(p.get('code_challenge')!).digest('base64url'));
        p.set('code_challenge_method', 'S256');
        return withAuthorizeParams(req, p);
      },
    }),
    only: ['pkce-plain-refused'],
    expect: 'PKCE-04',
  },
  {
    name: 'public-client-without-pkce',
    description: 'a public client gets a code without a PKCE challenge',
    mutation: () => ({
      request(req) {
        if (!isAuthorize(req)) return req;
        const p = authorizeParams(req);
        if (p.get('code_challenge')) return req;
        p.set('code_challenge', createHash('sha256').update('spp-kit-mutant-verifier-0123456789abcdefghijklmnop').digest('base64url'));
        p.set('code_challenge_method', 'S256');
        return withAuthorizeParams(req, p);
      },
    }),
    only: ['pkce-required-public'],
    expect: 'PKCE-05',
  },
  {
    name: 'refresh-broken',
    description: 'every refresh is refused',
    mutation: () => answering((req) => (isToken(req) && fieldsOf(req).grant_type === 'refresh_token' ? invalidGrant('no') : undefined)),
    only: ['refresh-grant'],
    expect: 'RT-01',
  },
  {
    name: 'refresh-not-rotated',
    description: "a public client's refresh answers carry no new refresh token",
    mutation: () =>
      onGrant('refresh_token', (res) => (res.status === 200 ? withJson(res, without(json(res) as Record<string, string>, 'refresh_token')) : res)),
    only: ['refresh-rotation-public'],
    expect: 'RT-02',
  },
  {
    name: 'reused-refresh-accepted',
    description: 'a refresh token presented again gets the first answer again',
    mutation: () => {
      const answers = new Map<string, ProxyResponse>();
      const seen = new WeakMap<ProxyRequest, string>();
      return answering(
        (req) => {
          const f = isToken(req) ? fieldsOf(req) : {};
          if (f.grant_type !== 'refresh_token' || !f.refresh_token) return undefined;
          seen.set(req, f.refresh_token);
          return answers.get(f.refresh_token);
        },
        (res, req) => {
          const token = seen.get(req);
          if (token && res.status === 200) answers.set(token, res);
          return res;
        },
      );
    },
    only: ['refresh-rotated-token-refused'],
    expect: 'RT-03',
  },
  {
    name: 'refresh-reuse-keeps-family',
    description: 'a rotated-away refresh token is refused, but its family lives on',
    mutation: () => {
      const used = new Set<string>();
      return answering((req) => {
        const f = isToken(req) ? fieldsOf(req) : {};
        if (f.grant_type !== 'refresh_token' || !f.refresh_token) return undefined;
        if (used.has(f.refresh_token)) return invalidGrant('used');
        used.add(f.refresh_token);
        return undefined;
      });
    },
    only: ['refresh-reuse-revokes-family'],
    expect: 'RT-04',
  },
  {
    name: 'refresh-widens-scope',
    description: 'a refresh grants a scope the user did not approve',
    mutation: () => {
      const asked = new WeakMap<ProxyRequest, string>();
      return {
        request(req) {
          const f = isToken(req) ? fieldsOf(req) : {};
          if (f.grant_type !== 'refresh_token' || !f.scope) return req;
          const forwarded = withFields(req, without(f, 'scope'));
          asked.set(forwarded, f.scope);
          return forwarded;
        },
        response(res, req) {
          const scope = asked.get(req);
          return scope && res.status === 200 ? withJson(res, { ...json(res), scope }) : res;
        },
      };
    },
    only: ['refresh-scope-not-widened'],
    expect: 'RT-05',
  },
  {
    name: 'refresh-any-client',
    description: "a refresh token works for any client (the proxy presents the owner's credentials)",
    mutation: () => {
      const owner = new Map<string, { auth: ReturnType<typeof clientAuthOf>; req: ProxyRequest; fields: Record<string, string> }>();
      const pending = new WeakMap<ProxyRequest, { auth: ReturnType<typeof clientAuthOf>; req: ProxyRequest; fields: Record<string, string> }>();
      return {
        request(req) {
          if (!isToken(req)) return req;
          const f = fieldsOf(req);
          const auth = clientAuthOf(req, f);
          const o = f.refresh_token ? owner.get(f.refresh_token) : undefined;
          let out = req;
          if (f.grant_type === 'refresh_token' && o && !sameClient(o.auth, auth)) {
            const fields = {
              ...without(f, 'client_id', 'client_secret'),
              ...(o.auth.clientId ? { client_id: o.auth.clientId } : {}),
              ...(o.auth.clientSecret ? { client_secret: o.auth.clientSecret } : {}),
            };
            out = withFields({ ...req, headers: setHeader(req.headers, 'authorization', o.auth.basic) }, fields);
          }
          pending.set(out, { auth: clientAuthOf(out, fieldsOf(out)), req: out, fields: fieldsOf(out) });
          return out;
        },
        response(res, req) {
          const p = pending.get(req);
          const token = json(res)?.refresh_token;
          if (p && res.status === 200 && typeof token === 'string') owner.set(token, p);
          return res;
        },
      };
    },
    only: ['refresh-client-binding'],
    expect: 'RT-06',
  },
  ...(['revocation-refresh-token', 'revocation-access-token'] as const).map((check) => ({
    name: `revocation-does-nothing (${check})`,
    description: 'the revocation endpoint answers 200 and revokes nothing',
    mutation: (): Mutation =>
      answering((req) => (isRevoke(req) ? { status: 200, headers: { 'cache-control': 'no-store', 'x-api-version': '2.0.0' }, body: '' } : undefined)),
    only: [check],
    expect: check === 'revocation-refresh-token' ? 'REV-02' : 'OSPP-UF-03',
  })),
  {
    name: 'revocation-errs-on-unknown-tokens',
    description: 'revoking a token the server does not know is answered with an error',
    mutation: () =>
      answering(async (req, upstream) => {
        if (!isRevoke(req)) return undefined;
        const probe = await upstream.fetch(authenticatedAsWebApp({ ...req, url: req.url.replace('/oauth/revoke', '/oauth/introspect') }));
        return json(probe)?.active === false
          ? {
              status: 400,
              headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-api-version': '2.0.0' },
              body: JSON.stringify({ error: 'invalid_request' }),
            }
          : undefined;
      }),
    only: ['revocation-unknown-token'],
    expect: 'REV-03',
  },
  {
    name: 'revocation-without-client-authentication',
    description: 'the revocation endpoint serves callers that do not authenticate',
    mutation: () => ({ request: (req) => (isRevoke(req) ? authenticatedAsWebApp(req) : req) }),
    only: ['revocation-requires-client-auth'],
    expect: 'REV-01',
  },
  {
    name: 'introspection-without-client-authentication',
    description: 'the introspection endpoint serves callers that do not authenticate',
    mutation: () => ({ request: (req) => (isIntrospect(req) ? authenticatedAsWebApp(req) : req) }),
    only: ['introspection-requires-auth'],
    expect: 'INT-02',
  },
  {
    name: 'introspection-bad-credentials-400',
    description: 'wrong client credentials at introspection get 400 instead of 401',
    mutation: () => ({
      response: (res, req) =>
        isIntrospect(req) && res.status === 401
          ? { ...res, status: 400, headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.toLowerCase() !== 'www-authenticate')) }
          : res,
    }),
    only: ['introspection-bad-credentials'],
    expect: 'INT-05',
  },
  {
    name: 'introspection-says-more-of-inactive-tokens',
    description: 'an inactive token is described with more than active: false',
    mutation: () => ({
      response: (res, req) => (isIntrospect(req) && json(res)?.active === false ? withJson(res, { active: false, token_type: 'Bearer' }) : res),
    }),
    only: ['introspection-unknown-token'],
    expect: 'INT-04',
  },
  {
    name: 'introspection-never-active',
    description: 'introspection says active: false of every token',
    mutation: () => ({ response: (res, req) => (isIntrospect(req) && res.status === 200 ? withJson(res, { active: false }) : res) }),
    only: ['introspection-active-token'],
    expect: 'INT-03',
  },
];
