/** 429 handling: honour Retry-After (or RateLimit t=), retry a bounded number of times, never wait too long. */
import { describe, expect, it } from 'vitest';
import { OAuthTokenError, rateLimitDelayMs, SppApiError, unwrap } from '../../src/client/index.js';
import { FakeClock } from './fake-spp.js';
import { MARIA, setup } from './setup.js';

const read = { params: { path: { identifier: MARIA } } };

describe('429 from the API', () => {
  it('waits Retry-After seconds and retries; the caller sees only the success', async () => {
    const { fake, clock, client } = setup();
    const spp = client();
    fake.queueRateLimited(2, { retryAfter: '3' });
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(200);
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(fake.apiAttempts.map((a) => a.status)).toEqual([429, 429, 200]);
  });

  it('gives up after maxRateLimitRetries and surfaces the 429 as an SppApiError', async () => {
    const { fake, clock, client } = setup();
    const spp = client({ maxRateLimitRetries: 2 });
    fake.queueRateLimited(10, { retryAfter: '1' });
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(fake.apiAttempts).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(() => unwrap(r)).toThrow(SppApiError);
    expect(() => unwrap(r)).toThrow(/^GET \/Individual\/\{identifier\} answered 429 RATE_LIMIT_EXCEEDED: Rate limit exceeded/);
    try {
      unwrap(r);
    } catch (e) {
      expect(e).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 1 });
    }
  });

  it('a Retry-After above the cap is not waited for: the 429 surfaces immediately', async () => {
    const { fake, clock, client } = setup();
    const spp = client({ maxRetryAfterSeconds: 60 });
    fake.queueRateLimited(1, { retryAfter: '3600' });
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(429);
    expect(clock.sleeps).toEqual([]);
    expect(fake.apiAttempts).toHaveLength(1);
  });

  it('maxRateLimitRetries: 0 surfaces the first 429', async () => {
    const { fake, clock, client } = setup();
    const spp = client({ maxRateLimitRetries: 0 });
    fake.queueRateLimited(1);
    expect((await spp.GET('/Individual/{identifier}', read)).response.status).toBe(429);
    expect(clock.sleeps).toEqual([]);
  });

  it('without Retry-After, the exhausted RateLimit policy’s t= is used', async () => {
    const { fake, clock, client } = setup();
    const spp = client();
    fake.queueRateLimited(1, { rateLimit: '"day";r=9000;t=40000, "minute";r=0;t=17' });
    expect((await spp.GET('/Individual/{identifier}', read)).response.status).toBe(200);
    expect(clock.sleeps).toEqual([17_000]);
  });

  it('a wait that crosses the token’s refresh point re-sends with a fresh token, not the stale one', async () => {
    const { fake, clock, client } = setup({ expiresIn: 300 });
    const spp = client();
    await spp.GET('/Individual/{identifier}', read);
    // 300 s lifetime → 30 s margin → refresh at 270 s. Call at 260 s, get told to wait 45 s.
    clock.advance(260_000);
    fake.queueRateLimited(1, { retryAfter: '45' });
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(200);
    const [t1, t2] = [...fake.issued.keys()];
    expect(fake.apiAttempts.map((a) => [a.status, a.token === t1 ? 't1' : a.token === t2 ? 't2' : '?'])).toEqual([
      [200, 't1'],
      [429, 't1'],
      [200, 't2'],
    ]);
    expect(fake.tokenRequestCount).toBe(2);
  });

  it('a PUT retried after a 429 re-sends its body', async () => {
    const { fake, client } = setup();
    const spp = client();
    const current = unwrap(await spp.GET('/Individual/{identifier}', read));
    fake.queueRateLimited(1, { retryAfter: '1' });
    const r = await spp.PUT('/Individual/{identifier}', { params: { path: { identifier: MARIA } }, body: { ...current, birthDate: '1985-03-17' } as never });
    expect(r.data?.birthDate).toBe('1985-03-17');
  });

  it('a retry after a 401 that meets a 429 is also rate-limit handled, and the loop stays bounded', async () => {
    const { fake, clock, client } = setup();
    const spp = client({ maxRateLimitRetries: 1 });
    await spp.GET('/Individual/{identifier}', read);
    fake.revokeIssuedTokens();
    // The fake checks the bearer before the rate limit: the revoked token gets 401, the fresh one meets the 429s.
    fake.queueRateLimited(5, { retryAfter: '1' });
    const before = fake.apiAttempts.length;
    const r = await spp.GET('/Individual/{identifier}', read);
    expect(r.response.status).toBe(429);
    expect(fake.apiAttempts.slice(before).map((a) => a.status)).toEqual([401, 429, 429]);
    expect(clock.sleeps).toEqual([1000]);
    expect(fake.tokenRequestCount).toBe(2);
  });
});

describe('429 from the token endpoint', () => {
  it('is waited out like an API 429, within the same bounds', async () => {
    const { fake, clock, client } = setup();
    const spp = client();
    fake.queueTokenRateLimited(1);
    expect((await spp.GET('/Individual/{identifier}', read)).response.status).toBe(200);
    expect(fake.tokenRequestCount).toBe(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('past the retry limit it surfaces as an OAuthTokenError carrying RATE_LIMIT_EXCEEDED', async () => {
    const { fake, client } = setup();
    const spp = client({ maxRateLimitRetries: 1 });
    fake.queueTokenRateLimited(5);
    const error = await spp.GET('/Individual/{identifier}', read).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', error: undefined, retryAfterSeconds: 1 });
    expect(fake.tokenRequestCount).toBe(2);
  });
});

describe('rateLimitDelayMs', () => {
  const clock = new FakeClock(Date.parse('2026-03-02T09:00:00Z'));
  const policy = { maxRetries: 3, maxWaitSeconds: 60, clock };
  const res = (headers: Record<string, string>) => new Response(null, { status: 429, headers });

  it('reads Retry-After as seconds or as an HTTP-date, and Retry-After wins over RateLimit', () => {
    expect(rateLimitDelayMs(res({ 'Retry-After': '5', RateLimit: '"m";r=0;t=30' }), 1, policy)).toBe(5000);
    expect(rateLimitDelayMs(res({ 'Retry-After': 'Mon, 02 Mar 2026 09:00:10 GMT' }), 1, policy)).toBe(10_000);
  });

  it('ignores malformed fields and falls back to 1 s, 2 s, 4 s backoff', () => {
    expect(rateLimitDelayMs(res({ 'Retry-After': 'soon', RateLimit: 'garbage' }), 1, policy)).toBe(1000);
    expect(rateLimitDelayMs(res({}), 2, policy)).toBe(2000);
    expect(rateLimitDelayMs(res({}), 3, policy)).toBe(4000);
  });

  it('stops past maxRetries and past the cap', () => {
    expect(rateLimitDelayMs(res({ 'Retry-After': '1' }), 4, policy)).toBeUndefined();
    expect(rateLimitDelayMs(res({ 'Retry-After': '61' }), 1, policy)).toBeUndefined();
    expect(rateLimitDelayMs(res({ 'Retry-After': '60' }), 1, policy)).toBe(60_000);
  });
});
