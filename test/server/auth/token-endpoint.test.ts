/** POST /oauth/token against RFC 6749 §2.3, §3.2, §4.4 and §5 (requirement ids from notes/conformance-anchors-and-rfcs.md). */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClient, rotateSecret, setActive } from '../../../src/server/clients/repository.js';
import { contractValidator, scopeCatalogue } from '../../../src/contract/index.js';
import { operationIndex } from '../../../src/contract/index.js';
import { basic, demo, form, makeHarness, type Harness } from './harness.js';

const tokenOp = operationIndex.get('issueToken')!;
let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

async function post(init: RequestInit, query = '') {
  const res = await h.request(`/oauth/token${query}`, init);
  const body = (await res.json()) as Record<string, any>;
  // Every answer of the token endpoint conforms to the contract (status, headers, body).
  expect(contractValidator.validateResponse(tokenOp, { status: res.status, headers: res.headers, contentType: res.headers.get('content-type'), body })).toEqual(
    [],
  );
  return { res, body };
}

const full = { grant_type: 'client_credentials', client_id: demo.full.clientId, client_secret: demo.full.clientSecret };

describe('token issuance', () => {
  it('TE-07/CA-03: a form body with client_secret_post gets a token with no-store and no-cache (TR-01..07)', async () => {
    const { res, body } = await post(form(full));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(body.scope.split(' ')).toContain('individual:read');
  });

  it('CA-01: HTTP Basic with a form grant_type', async () => {
    const { res } = await post(form({ grant_type: 'client_credentials' }, { authorization: basic(demo.reader.clientId, demo.reader.clientSecret) }));
    expect(res.status).toBe(200);
  });

  it('CA-02: Basic credentials are form-urlencoded before base64 (a secret with : + % and a space)', async () => {
    createClient(h.db, {
      name: 'odd secret',
      organization: 'dswd',
      legalBasis: 'public_task',
      scopes: ['individual:read'],
      fixedCredentials: { clientId: 'odd:client', clientSecret: 'a:b+c%d e' },
    });
    const { res, body } = await post(form({ grant_type: 'client_credentials' }, { authorization: basic('odd:client', 'a:b+c%d e') }));
    expect(res.status).toBe(200);
    expect(decodeJwt(body.access_token).client_id).toBe('odd:client');
  });

  it('accepts the JSON body the OpenSPP guide shows', async () => {
    const { res } = await post({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(full) });
    expect(res.status).toBe(200);
  });

  it('AT-01/AT-03/AT-04: the token is an at+jwt with iss, sub, aud, exp, iat, nbf, jti, client_id and a space-separated scope', async () => {
    const { body } = await post(form(full));
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ iss: h.config.issuer, sub: demo.full.clientId, aud: h.config.audience, client_id: demo.full.clientId, scope: body.scope });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(body.expires_in);
    expect(claims.nbf).toBe(claims.iat);
  });

  it('SC-02/SC-05: scope asks for a subset; the token and the answer carry exactly that', async () => {
    const { body } = await post(form({ ...full, scope: 'group:read individual:read' }));
    expect(body.scope).toBe('group:read individual:read');
    expect(decodeJwt(body.access_token).scope).toBe('group:read individual:read');
  });

  it('TE-04: a parameter sent empty counts as omitted (scope= gives every scope of the client)', async () => {
    const { body } = await post(form({ ...full, scope: '' }));
    expect(body.scope.split(' ').length).toBe(scopeCatalogue.size);
  });

  it('SC-05: a scope the client does not hold is invalid_scope', async () => {
    const { res, body } = await post(
      form({
        grant_type: 'client_credentials',
        client_id: demo.reader.clientId,
        client_secret: demo.reader.clientSecret,
        scope: 'individual:read individual:create',
      }),
    );
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toContain('individual:create');
  });

  it('TE-05: unknown parameters are ignored', async () => {
    const { res } = await post(form({ ...full, audience: 'x', foo: 'bar' }));
    expect(res.status).toBe(200);
  });

  it('uses the per-client token lifetime', async () => {
    const { body } = await post(form({ grant_type: 'client_credentials', client_id: demo.shortLived.clientId, client_secret: demo.shortLived.clientSecret }));
    expect(body.expires_in).toBe(5);
  });
});

describe('token errors (RFC 6749 §5.2)', () => {
  it('TERR-01/03: a wrong secret in the body is 400 invalid_client', async () => {
    const { res, body } = await post(form({ ...full, client_secret: 'wrong' }));
    expect([res.status, body.error]).toEqual([400, 'invalid_client']);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('TERR-02: a wrong secret with HTTP Basic is 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const { res, body } = await post(form({ grant_type: 'client_credentials' }, { authorization: basic(demo.full.clientId, 'wrong') }));
    expect([res.status, body.error]).toEqual([401, 'invalid_client']);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('an unknown client and a disabled client get the same invalid_client as a wrong secret', async () => {
    const unknown = await post(form({ ...full, client_id: 'nobody' }));
    const disabled = await post(form({ grant_type: 'client_credentials', client_id: demo.disabled.clientId, client_secret: demo.disabled.clientSecret }));
    expect(unknown.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client credentials.' });
    expect(disabled.body).toEqual(unknown.body);
  });

  it('a rotated secret stops working at once', async () => {
    const { clientSecret } = rotateSecret(h.db, demo.full.clientId);
    expect((await post(form(full))).body.error).toBe('invalid_client');
    expect((await post(form({ ...full, client_secret: clientSecret }))).res.status).toBe(200);
  });

  it('CA-05: two authentication methods at once is invalid_request', async () => {
    const { res, body } = await post(form(full, { authorization: basic(demo.full.clientId, demo.full.clientSecret) }));
    expect([res.status, body.error]).toEqual([400, 'invalid_request']);
    expect(body.error_description).toMatch(/more than one way/);
  });

  it('CA-04: credentials in the query string are refused with a clear invalid_request', async () => {
    const q = `?client_id=${demo.full.clientId}&client_secret=${demo.full.clientSecret}&grant_type=client_credentials`;
    const { res, body } = await post({ method: 'POST' }, q);
    expect([res.status, body.error]).toEqual([400, 'invalid_request']);
    expect(body.error_description).toMatch(/URL query/);
  });

  it('CA-04 compat: with SPP_ALLOW_QUERY_CREDENTIALS the OpenCRVS style works', async () => {
    h = await makeHarness({ SPP_ALLOW_QUERY_CREDENTIALS: 'true' });
    const q = `?client_id=${demo.full.clientId}&client_secret=${demo.full.clientSecret}&grant_type=client_credentials`;
    expect((await post({ method: 'POST' }, q)).res.status).toBe(200);
  });

  it('TE-06: a repeated parameter is invalid_request', async () => {
    const { res, body } = await post({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&grant_type=client_credentials&client_id=${demo.full.clientId}&client_secret=${demo.full.clientSecret}`,
    });
    expect([res.status, body.error]).toEqual([400, 'invalid_request']);
  });

  it('CC-02: a missing grant_type is invalid_request; another grant type is unsupported_grant_type', async () => {
    const { grant_type: _g, ...noGrant } = full;
    expect((await post(form(noGrant))).body.error).toBe('invalid_request');
    expect((await post(form({ ...full, grant_type: 'password' }))).body.error).toBe('unsupported_grant_type');
  });

  it('CA-08: no client authentication at all is invalid_client', async () => {
    const { res, body } = await post(form({ grant_type: 'client_credentials' }));
    expect([res.status, body.error]).toEqual([400, 'invalid_client']);
  });

  it('TERR-04: error_description never holds a quote or a backslash', async () => {
    const { body } = await post(form({ ...full, scope: 'a"b\\c' }));
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
  });

  it('TE-01/HTTP-02: GET is 405 with Allow: POST', async () => {
    const res = await h.request('/oauth/token');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('a disabled client cannot get a token after being disabled', async () => {
    setActive(h.db, demo.full.clientId, false);
    expect((await post(form(full))).body.error).toBe('invalid_client');
  });
});
