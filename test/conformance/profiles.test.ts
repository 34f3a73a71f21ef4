/**
 * Profiles change which requirements apply and how requests are made: the token-only profiles against the
 * reference server and against a third-party authorization server (oidc-provider), and an OpenCRVS-style target
 * whose declared deviations are "not applicable" under the opencrvs profile but failures under rfc6749.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type RunOutcome } from '../../src/conformance/runner.js';
import { parseTarget, type Target } from '../../src/conformance/target.js';
import type { RunningServer } from '../../src/server/serve.js';
import { keyFile } from '../server/auth/harness.js';
import { RAISED, referenceTarget, startReference } from './harness.js';
import { header, isTokenEndpoint, json, setHeader, startProxy, withJson, without, type RunningProxy } from './mutants/proxy.js';
import { freePort, PEER_CLIENT, startOidcProvider } from './peers.js';

const LIMITS = { token: { perMinute: 40, perDay: 100_000 }, api: { perMinute: 400, perDay: 1_000_000 } };

/** The reference server's limits (harness RAISED) must be declared as they are, or the probes rightly fail. */
function tokenOnlyTarget(
  baseUrl: string,
  profile: string,
  full: { clientId: string; clientSecret: string },
  extra: Record<string, unknown> = {},
  limits: unknown = RAISED,
): Target {
  return parseTarget({ baseUrl, profile, clients: { full }, rateLimits: limits, ...extra }, { env: {} });
}

const verdicts = (o: RunOutcome) => new Map(o.report!.requirements.map((r) => [r.id, r.verdict]));
const ran = (o: RunOutcome) => o.report!.checks.filter((c) => c.verdict !== 'na' && c.verdict !== 'skip');

describe('token-only profiles against the reference server', () => {
  for (const profile of ['rfc6749', 'oauth21']) {
    it(`${profile}: discovers the token endpoint (RFC 8414), checks only it, and passes`, async () => {
      // A fresh server each: the rate-limit probe spends the token window.
      const server = await startReference();
      const o = await runConformance({
        target: tokenOnlyTarget(server.baseUrl, profile, referenceTarget(server.baseUrl).clients.full!),
        out: () => {},
      }).finally(() => server.close());
      expect(o.report!.checks.filter((c) => c.verdict === 'fail').map((c) => `${c.checkId}: ${c.reason}`)).toEqual([]);
      expect(o.exitCode).toBe(0);
      expect(o.report!.target.tokenEndpoint).toBe(`${server.baseUrl}/oauth/token`);
      expect(ran(o).every((c) => ['token', 'discovery', 'rate-limits'].includes(c.suite))).toBe(true);
      expect(ran(o).length).toBeGreaterThan(12);
      const v = verdicts(o);
      expect(v.get('OSPP-CT-01')).toBe('na');
      expect(v.get('RS-05')).toBe('na');
      expect(v.get('RL-04')).toBe('pass');
      expect(v.get('TR-07')).toBe(profile === 'oauth21' ? 'na' : 'pass');
      expect(v.get('O21-01')).toBe(profile === 'oauth21' ? 'pass' : 'na');
    }, 60_000);
  }
});

describe('a third-party authorization server (oidc-provider)', () => {
  it('rfc6749 reports its real deviations (no Pragma, no throttling, invalid_request without credentials); oauth21 drops Pragma', async () => {
    const basic = await startOidcProvider('client_secret_basic');
    try {
      const o = await runConformance({ target: tokenOnlyTarget(basic.issuer, 'rfc6749', PEER_CLIENT, {}, LIMITS), out: () => {} });
      expect(o.error).toBeUndefined();
      expect(o.report!.target.tokenEndpoint).toBe(`${basic.issuer}/token`);
      const v = verdicts(o);
      for (const id of ['CA-01', 'TR-01', 'TR-02', 'TR-03', 'TR-06', 'TE-06', 'CA-05', 'TERR-02', 'CC-02', 'MD-04']) expect(v.get(id), id).toBe('pass');
      for (const id of ['TR-07', 'RL-04', 'CA-07', 'CA-08']) expect(v.get(id), id).toBe('fail');
      expect(o.exitCode).toBe(1);
    } finally {
      await basic.close();
    }
    const post = await startOidcProvider('client_secret_post');
    try {
      const o = await runConformance({ target: tokenOnlyTarget(post.issuer, 'oauth21', PEER_CLIENT, {}, LIMITS), out: () => {} });
      const v = verdicts(o);
      expect(v.get('O21-01')).toBe('pass');
      expect(v.get('TR-07')).toBe('na');
      expect(v.get('O21-02')).toBe('pass');
    } finally {
      await post.close();
    }
  }, 90_000);
});

describe('an OpenCRVS-style token endpoint', () => {
  let server: RunningServer;
  let proxy: RunningProxy;
  beforeAll(async () => {
    // The reference server in compatibility mode (RS256, 600 s tokens, query credentials) behind a proxy that
    // answers the way OpenCRVS does: no expires_in/scope/Pragma, invalid_client as 401 without a challenge,
    // and every query parameter read like a body parameter.
    proxy = await startProxy({
      request: (req) => {
        if (!isTokenEndpoint(req) || !req.url.includes('?')) return req;
        const [path, query] = req.url.split('?');
        return { ...req, url: path!, headers: setHeader(req.headers, 'content-type', 'application/x-www-form-urlencoded'), body: query! };
      },
      response: (res, req) => {
        if (!isTokenEndpoint(req)) return res;
        const b = json(res);
        let out = without(res, 'pragma');
        if (res.status === 200 && b) out = withJson(out, { access_token: b.access_token, token_type: b.token_type });
        if (b?.error === 'invalid_client') out = { ...without(out, 'www-authenticate'), status: 401 };
        return header(out.headers, 'content-type') ? out : { ...out, headers: setHeader(out.headers, 'content-type', 'application/json') };
      },
    });
    server = await startReference({
      PORT: String(await freePort()),
      SPP_PUBLIC_URL: proxy.origin,
      SPP_JWT_ALG: 'RS256',
      SPP_JWT_KEY_FILE: keyFile('RS256').path,
      SPP_ALLOW_QUERY_CREDENTIALS: 'true',
      SPP_TOKEN_LIFETIME: '600',
    });
    proxy.setUpstream(`http://127.0.0.1:${server.port}`);
  });
  afterAll(async () => Promise.all([proxy.close(), server.close()]));

  const target = (profile: string) =>
    tokenOnlyTarget(`${proxy.origin}/api/v2/spp`, profile, referenceTarget(server.baseUrl).clients.full!, {
      tokenEndpoint: `${proxy.origin}/api/v2/spp/oauth/token`,
    });

  it('fails the rfc6749 profile on exactly those deviations', async () => {
    // Token checks only: the opencrvs run below needs the token window the probe would spend.
    const o = await runConformance({ target: target('rfc6749'), only: ['token-*'], out: () => {} });
    expect(o.exitCode).toBe(1);
    const failed = o.report!.summary.mustFailures;
    for (const id of ['CA-04', 'TR-07', 'TERR-02', 'HTTP-01']) expect(failed, id).toContain(id);
  }, 60_000);
  it('passes the opencrvs profile: its declared deviations are not applicable, RS256 and the 600 s lifetime are checked', async () => {
    const o = await runConformance({ target: target('opencrvs'), out: () => {} });
    expect(o.report!.checks.filter((c) => c.verdict === 'fail').map((c) => `${c.checkId}: ${c.reason}`)).toEqual([]);
    expect(o.exitCode).toBe(0);
    const v = verdicts(o);
    for (const id of ['OCRVS-01', 'OCRVS-02', 'OCRVS-03', 'CA-08', 'TR-06']) expect(v.get(id), id).toBe('pass');
    for (const id of ['CA-04', 'TR-04', 'TR-07', 'HTTP-01', 'CA-01']) expect(v.get(id), id).toBe('na');
  }, 60_000);
});
