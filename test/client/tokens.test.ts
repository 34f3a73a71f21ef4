/** Token lifecycle through the client: single flight, proactive refresh, recovery after a 401, and no loops. */
import { describe, expect, it } from 'vitest';
import { defaultRefreshMargin, OAuthTokenError, SppApiError, unwrap } from '../../src/client/index.js';
import { MARIA, setup } from './setup.js';

const read = { params: { path: { identifier: MARIA } } };

describe('single flight', () => {
  it('50 concurrent calls with a cold cache make exactly one token request', async () => {
    const { fake, client } = setup();
    const spp = client();
    // Hold the token endpoint until the first token request has arrived, so all 50 calls are waiting on it.
    let release!: () => void;
    fake.tokenGate = new Promise((resolve) => (release = resolve));
    const arrived = fake.nextTokenRequest();
    const calls = Array.from({ length: 50 }, () => spp.GET('/Individual/{identifier}', read));
    await arrived;
    release();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.response.status)).toEqual(Array(50).fill(200));
    expect(fake.tokenRequestCount).toBe(1);
    expect(spp.tokens.requestCount).toBe(1);
    expect(new Set(fake.apiAttempts.map((a) => a.token)).size).toBe(1);

    // Later calls reuse the cached token.
    await Promise.all(Array.from({ length: 10 }, () => spp.GET('/Individual', { params: { query: { name: 'santos' } } })));
    expect(fake.tokenRequestCount).toBe(1);
  });

  it('a failed token request is shared by its waiters and not cached: the next call asks again', async () => {
    const { fake, client } = setup();
    const spp = client({ clientSecret: 'wrong' });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => spp.GET('/Individual/{identifier}', read)));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof OAuthTokenError)).toBe(true);
    expect(fake.tokenRequestCount).toBe(1);
    await expect(spp.GET('/Individual/{identifier}', read)).rejects.toBeInstanceOf(OAuthTokenError);
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts).toHaveLength(0);
  });
});

describe('proactive refresh', () => {
  it('a token reaching its refresh point mid-run is replaced before use; no call fails', async () => {
    const { fake, clock, client } = setup({ expiresIn: 600 });
    const spp = client();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await spp.GET('/Individual/{identifier}', read)).response.status);
    const first = spp.tokens.info()!;
    // 600 s lifetime → 60 s margin: the token is handed out until 540 s after it was requested, not after.
    expect(first.refreshAt - first.expiresAt).toBe(-60_000);
    clock.advance(539_999);
    statuses.push((await spp.GET('/Individual/{identifier}', read)).response.status);
    expect(fake.tokenRequestCount).toBe(1);
    clock.advance(1);
    const burst = await Promise.all(Array.from({ length: 20 }, () => spp.GET('/Individual/{identifier}', read)));
    statuses.push(...burst.map((r) => r.response.status));
    expect(fake.tokenRequestCount).toBe(2);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Every API call was answered without a 401: the stale token was never sent after its refresh point.
    expect(fake.apiAttempts.every((a) => a.status === 200)).toBe(true);
    const [t1, t2] = [...fake.issued.keys()];
    expect(fake.apiAttempts.slice(0, 11).every((a) => a.token === t1)).toBe(true);
    expect(fake.apiAttempts.slice(11).every((a) => a.token === t2)).toBe(true);
  });

  it('a token that expires earlier than announced (server clock skew) is recovered by one refresh + retry', async () => {
    const { fake, clock, client } = setup({ expiresIn: 3600, actualLifetimeSeconds: 1800 });
    const spp = client();
    expect((await spp.GET('/Individual/{identifier}', read)).response.status).toBe(200);
    clock.advance(1800_000);
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(200);
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts.map((a) => a.status)).toEqual([200, 401, 200]);
  });

  it('the default margin is 10 % of the lifetime within [5 s, 5 min], and never more than half of it', () => {
    expect(defaultRefreshMargin(3600)).toBe(300);
    expect(defaultRefreshMargin(600)).toBe(60);
    expect(defaultRefreshMargin(300)).toBe(30);
    expect(defaultRefreshMargin(20)).toBe(5);
  });

  it('a short-lived token (6 s) stays usable for half its life instead of looking expired on arrival', async () => {
    const { fake, clock, client } = setup({ expiresIn: 6 });
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    clock.advance(2_999);
    await spp.GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(1);
    clock.advance(1);
    await spp.GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(2);
  });

  it('refreshMargin can be a fixed number of seconds', async () => {
    const { fake, clock, client } = setup({ expiresIn: 600 });
    const spp = client({ refreshMargin: 100 });
    await spp.GET('/Individual/{identifier}', read);
    clock.advance(499_999);
    await spp.GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(1);
    clock.advance(1);
    await spp.GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(2);
  });
});

describe('401 from the API', () => {
  it('tokens revoked server-side: one refresh, one retry, and the call succeeds', async () => {
    const { fake, client } = setup();
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    fake.revokeIssuedTokens();
    const before = fake.apiAttempts.length;
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(200);
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts.slice(before).map((a) => a.status)).toEqual([401, 200]);
  });

  it('a client whose tokens keep being rejected: exactly 2 token requests and 2 API attempts, then a clear error', async () => {
    const { fake, client } = setup();
    const spp = client();
    fake.rejectTokensOf('ministry-of-agriculture');
    const result = await spp.GET('/Individual/{identifier}', read);
    expect(result.response.status).toBe(401);
    expect(result.error?.issue[0]?.details.coding[0]?.code).toBe('INVALID_TOKEN');
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts).toHaveLength(2);
    const error = (() => {
      try {
        unwrap(result);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SppApiError);
    expect(error).toMatchObject({ status: 401, code: 'INVALID_TOKEN', method: 'GET', path: '/Individual/{identifier}' });
    expect((error as Error).message).toBe('GET /Individual/{identifier} answered 401 INVALID_TOKEN: The access token is not valid.');
  });

  it('a disabled client: the refresh itself fails with OAuthTokenError invalid_client after one API attempt', async () => {
    const { fake, client } = setup();
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    fake.disableClient('ministry-of-agriculture');
    const error = await spp.GET('/Individual/{identifier}', read).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client', description: 'Invalid client credentials.' });
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts.map((a) => a.status)).toEqual([200, 401]);
  });

  it('concurrent 401s share one refresh', async () => {
    const { fake, client } = setup();
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    fake.revokeIssuedTokens();
    const results = await Promise.all(Array.from({ length: 20 }, () => spp.GET('/Individual/{identifier}', read)));
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(fake.tokenRequestCount).toBe(2);
    expect(fake.apiAttempts.filter((a) => a.status === 401)).toHaveLength(20);
  });

  it('the retried request carries the same body as the first (the body was cloned before sending)', async () => {
    const { fake, client } = setup();
    const spp = client();
    const current = unwrap(await spp.GET('/Individual/{identifier}', read));
    fake.revokeIssuedTokens();
    const body = { ...current, birthDate: '1985-03-16' } as never;
    const r = await spp.PUT('/Individual/{identifier}', { params: { path: { identifier: MARIA }, header: { 'If-Match': '"3"' } }, body });
    expect(r.response.status).toBe(200);
    expect(r.data?.birthDate).toBe('1985-03-16');
    const [first, retry] = fake.apiAttempts.slice(-2);
    expect([first!.method, first!.status, retry!.method, retry!.status]).toEqual(['PUT', 401, 'PUT', 200]);
    expect(retry!.body).toBe(first!.body);
    expect(JSON.parse(retry!.body)).toMatchObject({ birthDate: '1985-03-16' });
  });

  it('an explicit invalidate() makes the next call fetch a new token', async () => {
    const { fake, client } = setup();
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    spp.tokens.invalidate();
    await spp.GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(2);
    expect(spp.tokens.info()?.token).toMatch(/^.{8}…\[\d+ chars\]$/);
  });
});
