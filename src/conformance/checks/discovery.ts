/**
 * Discovery: the capability statement, RFC 8414 metadata, the JWK Set, TLS of the token endpoint, 405 + Allow.
 * No token is needed for any of them. RFC 8414 metadata and a JWK Set are optional features: absent, they are
 * judged only when the target file (`features`) or its capability statement claims them.
 */
import { contractFor } from '../../contract/contract.js';
import { fieldsOf } from '../../docs/dialect-diff.js';
import { kitContract, kitHasOperation, kitOperation } from '../kit-contract.js';
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { decodeJwt } from '../jwt.js';
import { ERROR_BODY_IDS, errorBodyName, errorBodyProblem, errorCodeOf, errorRequirement, expectedFor } from './helpers.js';

const isLoopback = (u: URL) => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(u.hostname) || u.hostname.startsWith('127.');

/** The RFC 8414 §3 metadata URL for an issuer: the well-known segment goes between host and path. */
export function authorizationServerMetadataUrl(issuer: string): string {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Whether an RFC 8414 issuer is acceptable (https, no query or fragment; plain http for loopback only), and why. */
function issuerJudgement(iss: string | undefined): [boolean, string] {
  if (!iss) return [false, 'no issuer member'];
  let u: URL;
  try {
    u = new URL(iss);
  } catch {
    return [false, `issuer ${iss} is not a URL`];
  }
  if (u.search || u.hash) return [false, `issuer ${iss} has a query or fragment`];
  if (u.protocol !== 'https:' && !isLoopback(u)) return [false, `issuer ${iss} is not https`];
  if (u.protocol !== 'https:') return [true, `issuer ${iss} (plain http accepted for a loopback target only)`];
  return [true, `issuer ${iss}`];
}

/** Statuses that say a document is not published. */
const ABSENT = new Set([404, 405, 410, 501]);

/**
 * Who claims an optional feature: the target file (`features.<name>: true`) or the capability statement (the
 * URL it gives under `authentication`). Undefined when nobody does.
 */
export function featureClaim(ctx: CheckContext, feature: 'authorizationServerMetadata' | 'jwks'): string | undefined {
  if (ctx.target.features[feature]) return `the target file claims it (features.${feature})`;
  const key = feature === 'jwks' ? 'jwksUri' : 'authorizationServerMetadata';
  const url = ctx.metadata?.authentication?.[key];
  if (typeof url === 'string' && url) return `GET /metadata names it (authentication.${key}: ${url})`;
  return undefined;
}

/** An unclaimed optional document the target does not publish: every requirement of the check is not applicable. */
function absentUnclaimed(ctx: CheckContext, ids: readonly string[], r: HttpResult, what: string, feature: string): boolean {
  const absent = ABSENT.has(r.status) || (r.status !== 200 && !r.json);
  if (!absent) return false;
  const reason = `the target publishes no ${what} (${r.status}) and claims none (neither the target file's features.${feature} nor GET /metadata): an optional feature it does not offer`;
  for (const id of ids) ctx.notApplicable(id, reason);
  return true;
}

/** RFC 8414 metadata names the client-authentication methods the profile expects (json and query have no registered name). */
function assertAuthMethods(ctx: CheckContext, body: Record<string, any>, r: HttpResult): void {
  const methods = (body.token_endpoint_auth_methods_supported as string[] | undefined) ?? ['client_secret_basic'];
  const names: Record<string, string> = { basic: 'client_secret_basic', post: 'client_secret_post', json: 'client_secret_json', query: 'client_secret_query' };
  const missing = ctx.profile.clientAuth.expected.filter((m) => m !== 'json' && m !== 'query' && !methods.includes(names[m]!));
  ctx.assert(
    'MD-07',
    missing.length === 0,
    missing.length ? `token_endpoint_auth_methods_supported lacks ${missing.map((m) => names[m]).join(', ')}` : `advertises ${methods.join(', ')}`,
    r,
  );
}

export const discoveryChecks: Check[] = [
  {
    id: 'discovery-metadata',
    title: 'GET /metadata is public and describes authentication, scopes and rate limits',
    suite: 'discovery',
    verifies: ['OSPP-MD-01', 'SC-04', 'OSPP-MD-02', 'OSPP-CT-01'],
    async run(ctx: CheckContext) {
      const op = kitOperation('getMetadata');
      const r = await ctx.api(op);
      const body = r.json as Record<string, any> | undefined;
      // The capability statement's parts that the run's contract describes (the deployed one advertises no rate limits).
      const described = fieldsOf(op.responses.get(200)?.content['application/json'], kitContract().document).properties;
      const parts = ['authentication', 'rateLimits', 'resources'].filter((k) => described.has(k));
      ctx.assert(
        'OSPP-MD-01',
        r.status === 200 && parts.every((k) => !!body?.[k]),
        `GET /metadata without a token answered ${r.status}${body ? ` with ${Object.keys(body).join(', ')}` : ''}`,
        r,
      );
      const scopes = Array.isArray(body?.scopes) ? body.scopes.length : 0;
      ctx.assert('SC-04', scopes > 0, `the capability statement lists ${scopes} scopes`, r);
      const declared = ctx.target.rateLimits;
      const advertised = body?.rateLimits as Record<string, { perMinute: number; perDay: number }> | undefined;
      if (!declared || !advertised)
        ctx.notApplicable('OSPP-MD-02', declared ? 'the deployment advertises no rate limits' : 'the target file declares no rate limits');
      else {
        for (const kind of ['token', 'api'] as const) {
          const d = declared[kind];
          const a = advertised[kind];
          if (!d) continue;
          ctx.assert(
            'OSPP-MD-02',
            !!a && a.perMinute === d.perMinute && a.perDay === d.perDay,
            `${kind} limits: declared ${d.perMinute}/min ${d.perDay}/day, advertised ${a ? `${a.perMinute}/min ${a.perDay}/day` : 'none'}`,
            r,
          );
        }
      }
    },
  },
  {
    id: 'discovery-as-metadata',
    title: 'RFC 8414 authorization server metadata names the issuer and the token endpoint',
    suite: 'discovery',
    verifies: ['MD-01', 'MD-02', 'MD-03', 'MD-04', 'MD-05', 'MD-06', 'MD-07', 'MD-08', 'AT-07', 'OSPP-CT-01'],
    async run(ctx: CheckContext) {
      const issuer = String(ctx.metadata?.authentication?.issuer ?? ctx.target.baseUrl);
      // Judged against the contract where it declares the document (the deployed one does not: an optional feature then).
      const op = ctx.profile.contract && kitHasOperation('getAuthorizationServerMetadata') ? kitOperation('getAuthorizationServerMetadata') : undefined;
      const claim = featureClaim(ctx, 'authorizationServerMetadata');
      const r = await ctx.request({
        method: 'GET',
        url: authorizationServerMetadataUrl(issuer),
        headers: { accept: 'application/json' },
        ...(op ? { operation: op, optional: !claim } : {}),
      });
      if (!claim && absentUnclaimed(ctx, this.verifies, r, 'RFC 8414 authorization server metadata', 'authorizationServerMetadata')) return;
      const body = r.json as Record<string, any> | undefined;
      ctx.assert('MD-01', r.status === 200, `metadata at ${new URL(r.exchange.request.url).pathname} answered ${r.status}`, r);
      ctx.assert(
        'MD-02',
        r.status === 200 && /^application\/json/i.test(r.contentType ?? '') && !!body,
        `status ${r.status}, content type ${r.contentType ?? 'none'}`,
        r,
      );
      if (!body) return;
      const iss = typeof body.issuer === 'string' ? body.issuer : undefined;
      const [issuerOk, why] = issuerJudgement(iss);
      ctx.assert('MD-03', issuerOk, why, r);
      ctx.assert('MD-04', iss === issuer, `metadata built from issuer ${issuer} names issuer ${iss ?? '(none)'}`, r);
      ctx.assert('MD-05', typeof body.token_endpoint === 'string', `token_endpoint ${body.token_endpoint ?? 'missing'}`, r);
      const grants = body.grant_types_supported as string[] | undefined;
      ctx.assert('MD-06', Array.isArray(grants) && grants.includes('client_credentials'), `grant_types_supported ${JSON.stringify(grants)}`, r);
      assertAuthMethods(ctx, body, r);
      ctx.assert(
        'MD-08',
        Array.isArray(body.scopes_supported) && body.scopes_supported.length > 0,
        `scopes_supported ${Array.isArray(body.scopes_supported) ? `lists ${body.scopes_supported.length}` : 'missing'}`,
        r,
      );
      // AT-07: the tokens' iss is this issuer (compared with a real token).
      const full = ctx.target.clients.full ? await ctx.token('full') : undefined;
      const claimed = full ? decodeJwt(full.accessToken)?.payload.iss : undefined;
      const tokenIss = typeof claimed === 'string' ? claimed : undefined;
      if (tokenIss === undefined) ctx.notApplicable('AT-07', 'no JWT access token to compare');
      else ctx.assert('AT-07', tokenIss === iss, `token iss ${tokenIss}, metadata issuer ${iss}`, r);
    },
    uses: ['full'],
  },
  {
    id: 'discovery-jwks',
    title: 'The JWK Set is well formed and exposes no private key material',
    suite: 'discovery',
    verifies: ['JWKS-01', 'JWKS-02', 'JWKS-03', 'JWKS-05', 'JWKS-06', 'OSPP-CT-01'],
    notApplicable: (p) =>
      !p.contract
        ? `the JWKS location comes from the OpenSPP contract (not used by the ${p.name} profile)`
        : contractFor(p.dialect).operations.has('getJwks')
          ? undefined
          : `the ${p.dialect} contract publishes no JWK Set (HS256 tokens)`,
    async run(ctx: CheckContext) {
      const claim = featureClaim(ctx, 'jwks');
      const r = await ctx.api(kitOperation('getJwks'), { optional: !claim });
      if (!claim && absentUnclaimed(ctx, this.verifies, r, 'JWK Set', 'jwks')) return;
      const body = r.json as { keys?: Array<Record<string, unknown>> } | undefined;
      const keys = Array.isArray(body?.keys) ? body.keys : undefined;
      ctx.assert('JWKS-01', r.status === 200 && !!keys, `status ${r.status}, keys ${keys ? `array of ${keys.length}` : 'missing'}`, r);
      if (!keys) return;
      if (keys.length === 0) {
        for (const id of ['JWKS-02', 'JWKS-03', 'JWKS-05', 'JWKS-06'])
          ctx.notApplicable(id, 'the set is empty (a shared-secret HS256 deployment publishes no key)');
        return;
      }
      ctx.assert(
        'JWKS-02',
        keys.every((k) => typeof k.kty === 'string'),
        `kty on every key: ${keys.map((k) => k.kty).join(', ')}`,
        r,
      );
      const kids = keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string');
      ctx.assert('JWKS-03', new Set(kids).size === kids.length, `kid values ${kids.join(', ') || '(none)'}`, r);
      ctx.assert(
        'JWKS-05',
        keys.every((k) => !(k.use !== undefined && k.key_ops !== undefined)),
        'use and key_ops are not both present',
        r,
      );
      const leaked = keys.flatMap((k, i) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].filter((m) => m in k).map((m) => `keys[${i}].${m}`));
      ctx.assert('JWKS-06', leaked.length === 0, leaked.length ? `private members published: ${leaked.join(', ')}` : 'no private members', r);
    },
  },
  {
    id: 'discovery-tls',
    title: 'The token endpoint is https and has no fragment',
    suite: 'discovery',
    verifies: ['CA-06', 'TE-02', 'TE-03'],
    async run(ctx: CheckContext) {
      const u = new URL(ctx.tokenEndpoint);
      ctx.assert('TE-03', u.hash === '', `token endpoint ${u.origin}${u.pathname}${u.hash ? ' has a fragment' : ''}`);
      if (u.protocol !== 'https:' && isLoopback(u)) {
        for (const id of ['CA-06', 'TE-02'])
          ctx.notApplicable(id, `the target is a loopback address over plain HTTP (${u.origin}); TLS can only be checked on a deployment`);
        return;
      }
      for (const id of ['CA-06', 'TE-02']) ctx.assert(id, u.protocol === 'https:', `token endpoint scheme ${u.protocol}`);
    },
  },
  {
    id: 'discovery-method-not-allowed',
    title: 'A method the contract does not declare for a path gets 405 with Allow',
    suite: 'discovery',
    verifies: ['HTTP-02', 'OSPP-CT-01', ...ERROR_BODY_IDS],
    notApplicable: (p) => (p.contract ? undefined : `needs the OpenSPP contract's paths (the ${p.name} profile checks the token endpoint only)`),
    async run(ctx: CheckContext) {
      // A path of the contract and a method none of its operations use.
      const byPath = new Map<string, string[]>();
      for (const op of kitContract().operations.values())
        if (!op.pathTemplate.startsWith('/.well-known') && op.basePath === kitOperation('getMetadata').basePath)
          byPath.set(op.pathTemplate, [...(byPath.get(op.pathTemplate) ?? []), op.method]);
      const [path, methods] = [...byPath].find(([p]) => p.includes('{')) ?? [...byPath][0]!;
      const method = ['DELETE', 'PATCH', 'POST', 'PUT'].find((m) => !methods.includes(m))!;
      const url = ctx.target.baseUrl + path.replace(/\{[^}]+\}/g, `${ctx.target.writeIdentifier.system}|absent-${ctx.runId}`);
      const r = await ctx.request({ method, url, headers: { accept: 'application/json' } });
      const allow = r.headers.get('allow');
      const listed = (allow ?? '').split(',').map((s) => s.trim().toUpperCase());
      ctx.assert(
        'HTTP-02',
        r.status === expectedFor('METHOD_NOT_ALLOWED').status && !!allow,
        `${method} ${path} → ${r.status}, Allow: ${allow ?? '(none)'}`,
        r,
      );
      // Which methods Allow lists is the contract's business: those the target serves are RFC 9110's.
      if (r.status === 405 && allow) {
        const unlisted = methods.filter((m) => !listed.includes(m));
        ctx.assert('OSPP-CT-01', unlisted.length === 0, `${method} ${path} → 405, Allow: ${allow} (the contract declares ${methods.join(', ')})`, r, {
          cause: `a path does not allow every method the contract declares for it (${unlisted.join(', ')} missing)`,
        });
      }
      const problem = errorBodyProblem(r.json, r.status);
      ctx.assert(errorRequirement('OO-01')!, !problem, problem ?? `${errorBodyName()} ${errorCodeOf(r.json) ?? ''}`, r);
    },
  },
];
