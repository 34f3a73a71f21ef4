/** POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662). */
import { beforeEach, describe, expect, it } from 'vitest';
import { basic, demo, form, type Harness } from './harness.js';
import { bearer, conforms, spa, tokenRequest, userFlowHarness, userTokens, webApp } from './user-flow-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await userFlowHarness();
});

const api = (token: string) => h.request('/Individual?_count=1', bearer(token));
const revoke = (fields: Record<string, string>, app = webApp) => tokenRequest(h, app, fields, '/oauth/revoke');
const introspect = (token: string, app = webApp) => tokenRequest(h, app, { token }, '/oauth/introspect');

describe('revocation', () => {
  it('REV-02: revoking a refresh token ends its grant: refresh refused, its access tokens refused (§2.1)', async () => {
    const tokens = await userTokens(h);
    const { res, body } = await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    expect(res.status).toBe(200);
    expect(body).toBeUndefined();
    expect((await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    expect((await api(tokens.access_token)).status).toBe(401);
  });

  it('REV-06: revoking an access token refuses that token only; the refresh token still works', async () => {
    const tokens = await userTokens(h, spa);
    expect((await revoke({ token: tokens.access_token }, spa)).res.status).toBe(200);
    expect((await api(tokens.access_token)).status).toBe(401);
    expect((await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).res.status).toBe(200);
  });

  it('a client-credentials token can be revoked by its client', async () => {
    const token = await h.token('full');
    const res = await h.request('/oauth/revoke', form({ token }, { authorization: basic(demo.full.clientId, demo.full.clientSecret) }));
    await conforms('revokeToken', res);
    expect(res.status).toBe(200);
    expect((await api(token)).status).toBe(401);
  });

  it('REV-03: an unknown or malformed token is answered 200 all the same', async () => {
    for (const token of ['not-a-token-at-all', 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln']) expect((await revoke({ token })).res.status).toBe(200);
  });

  it('a token of another client is refused (unauthorized_client) and stays valid', async () => {
    const tokens = await userTokens(h, spa);
    expect((await revoke({ token: tokens.refresh_token })).body.error).toBe('unauthorized_client');
    expect((await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).res.status).toBe(200);
  });

  it('REV-01: without client authentication: 401 invalid_client with a Basic challenge', async () => {
    const tokens = await userTokens(h);
    const res = await h.request('/oauth/revoke', form({ token: tokens.refresh_token }));
    await conforms('revokeToken', res);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).res.status).toBe(200);
  });
});

describe('introspection', () => {
  it('INT-03, INT-06: an active user token: active, with its scope, client, user and lifetime', async () => {
    const tokens = await userTokens(h);
    const { body } = await introspect(tokens.access_token);
    expect(body).toMatchObject({
      active: true,
      scope: tokens.scope,
      client_id: webApp.clientId,
      username: 'maria.demo',
      sub: 'maria.demo',
      token_type: 'Bearer',
    });
    const refresh = (await introspect(tokens.refresh_token)).body;
    expect(refresh).toMatchObject({ active: true, token_type: 'refresh_token', client_id: webApp.clientId, username: 'maria.demo' });
  });

  it("INT-04: unknown, revoked, used-up and other clients' tokens are active:false and nothing else", async () => {
    const tokens = await userTokens(h);
    const rotated = (await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body;
    expect((await introspect('garbage')).body).toEqual({ active: false });
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    await revoke({ token: rotated.access_token });
    expect((await introspect(rotated.access_token)).body).toEqual({ active: false });
    const other = await h.token('full');
    expect((await introspect(other)).body).toEqual({ active: false });
  });

  it('INT-02, INT-05: a caller that does not authenticate gets 401; a public client cannot introspect', async () => {
    const tokens = await userTokens(h);
    const res = await h.request('/oauth/introspect', form({ token: tokens.access_token }));
    await conforms('introspectToken', res);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await introspect(tokens.access_token, spa)).res.status).toBe(401);
  });
});
