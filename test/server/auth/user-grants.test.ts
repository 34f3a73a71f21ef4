/**
 * The token endpoint's user grants: the code exchange (one-time, bound to its client, redirect URI and PKCE
 * challenge; reuse revokes what it issued) and refresh tokens (rotation, reuse ends the family, scope never
 * widened). Requirement ids as in conformance/requirements.yaml.
 */
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { setScopes } from '../../../src/server/clients/repository.js';
import { demo, type Harness } from './harness.js';
import { bearer, codeFor, exchange, pkcePair, spa, tokenRequest, userFlowHarness, userTokens, webApp, maria } from './user-flow-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await userFlowHarness();
});

const api = (token: string) => h.request('/Individual?_count=1', bearer(token));

describe('authorization_code', () => {
  it('AZ-02: the confidential app exchanges its code: a JWT naming the user and the client, and a refresh token, never cached', async () => {
    const { code, verifier } = await codeFor(h, webApp, { scope: 'individual:read individual:search' });
    const { res, body } = await exchange(h, webApp, code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.scope).toBe('individual:read individual:search');
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: maria.username, client_id: webApp.clientId, scope: 'individual:read individual:search' });
    expect(typeof claims.grant_id).toBe('string');
    expect((await api(body.access_token)).status).toBe(200);
    // The registry sees the client: its organization and legal basis decide what the user's token may read.
    expect(h.seen.at(-1)?.principal).toMatchObject({ clientId: webApp.clientId, legalBasis: 'public_task' });
  });

  it('the public app exchanges its code with its client_id alone (PKCE proves it is the same app)', async () => {
    const { code, verifier } = await codeFor(h, spa);
    const { res, body } = await exchange(h, spa, code, verifier);
    expect(res.status).toBe(200);
    expect(h.seen.length).toBe(0);
    expect((await api(body.access_token)).status).toBe(200);
    expect(h.seen.at(-1)?.principal).toMatchObject({ clientId: spa.clientId, legalBasis: 'consent' });
  });

  it('AZ-04, AZ-05: a code used twice is refused, and the tokens issued from it are revoked', async () => {
    const { code, verifier } = await codeFor(h);
    const first = await exchange(h, webApp, code, verifier);
    const second = await exchange(h, webApp, code, verifier);
    expect(second.res.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await api(first.body.access_token)).status).toBe(401);
    const refreshed = await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('AZ-06: another redirect URI than the request named is refused, and the code stays usable (a wrong request ends nothing)', async () => {
    const { code, verifier } = await codeFor(h);
    const wrong = await exchange(h, webApp, code, verifier, 'http://127.0.0.1:8765/other');
    expect(wrong.body.error).toBe('invalid_grant');
    expect((await exchange(h, webApp, code, verifier)).res.status).toBe(200);
  });

  it('PKCE-01, PKCE-02: a wrong verifier and a missing verifier are refused', async () => {
    const { code } = await codeFor(h);
    expect((await exchange(h, webApp, code, pkcePair().verifier)).body.error).toBe('invalid_grant');
    expect((await exchange(h, webApp, code, undefined)).body.error).toBe('invalid_grant');
  });

  it('PKCE-03: a verifier for a code issued without a challenge is refused (downgrade, RFC 9700 §4.8.2)', async () => {
    const { code } = await codeFor(h, webApp, { pkce: false });
    expect((await exchange(h, webApp, code, pkcePair().verifier)).body.error).toBe('invalid_grant');
    expect((await exchange(h, webApp, code, undefined)).res.status).toBe(200);
  });

  it("another client's code is refused", async () => {
    const { code, verifier } = await codeFor(h, spa);
    expect((await exchange(h, webApp, code, verifier, spa.redirectUris[0])).body.error).toBe('invalid_grant');
  });

  it('a code lives 60 seconds', async () => {
    const { code, verifier } = await codeFor(h);
    h.clock.now = new Date(h.clock.now.getTime() + 61_000);
    const late = await exchange(h, webApp, code, verifier);
    expect(late.body).toMatchObject({ error: 'invalid_grant', error_description: 'The authorization code expired.' });
  });

  it('a public client may not use client credentials (unauthorized_client), nor can a confidential one skip its secret', async () => {
    expect((await tokenRequest(h, spa, { grant_type: 'client_credentials' })).body.error).toBe('unauthorized_client');
    const { code, verifier } = await codeFor(h);
    const res = await h.request('/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: webApp.clientId,
        code,
        code_verifier: verifier,
        redirect_uri: webApp.redirectUris[0]!,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('refresh_token', () => {
  it('RT-01, RT-02: a refresh gives a new access token and a new refresh token', async () => {
    const first = await userTokens(h);
    const { res, body } = await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.status).toBe(200);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(body.access_token).sub).toBe(maria.username);
    expect((await api(body.access_token)).status).toBe(200);
  });

  it('RT-03, RT-04: the old refresh token is refused, and presenting it ends the whole family', async () => {
    const first = await userTokens(h, spa);
    const second = (await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: first.refresh_token })).body;
    const replay = await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(replay.body.error).toBe('invalid_grant');
    expect((await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: second.refresh_token })).body.error).toBe('invalid_grant');
    expect((await api(second.access_token)).status).toBe(401);
    expect((await api(first.access_token)).status).toBe(401);
  });

  it('RT-05: a narrower scope is granted; a wider one is refused (invalid_scope)', async () => {
    const first = await userTokens(h);
    const narrow = await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'individual:read' });
    expect(narrow.body.scope).toBe('individual:read');
    const wide = await tokenRequest(h, webApp, {
      grant_type: 'refresh_token',
      refresh_token: narrow.body.refresh_token,
      scope: 'individual:read individual:create',
    });
    expect(wide.body.error).toBe('invalid_scope');
  });

  it("RT-06: another client's refresh token is refused, and the owner's family is untouched", async () => {
    const tokens = await userTokens(h, spa);
    expect((await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    expect((await tokenRequest(h, spa, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).res.status).toBe(200);
  });

  it("a scope the client loses is gone from its users' tokens at once, and from what a refresh grants", async () => {
    const tokens = await userTokens(h);
    setScopes(h.db, webApp.clientId, ['individual:read']);
    expect((await api(tokens.access_token)).status).toBe(403);
    const refreshed = await tokenRequest(h, webApp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.body.scope).toBe('individual:read');
  });
});

describe('client-credentials tokens are unchanged', () => {
  it('sub is the client, no grant_id, no refresh token', async () => {
    const token = await h.token('full');
    const claims = decodeJwt(token);
    expect(claims.sub).toBe(demo.full.clientId);
    expect(claims.grant_id).toBeUndefined();
  });
});
