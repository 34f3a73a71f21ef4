/**
 * The client against the reference server's real auth side (token endpoint, bearer guard; the registry is the
 * auth harness's stand-in), in-process. The fake proves the client's behaviour; this proves the two agree.
 */
import { describe, expect, it } from 'vitest';
import { basicAuthorization, createSppClient, OAuthTokenError, unwrap } from '../../src/client/index.js';
import { parseBasicAuthorization } from '../../src/rfc/oauth.js';
import { setActive } from '../../src/server/clients/repository.js';
import { BASE, demo, makeHarness } from '../server/auth/harness.js';
import { SECRET } from './setup.js';

const identifier = 'urn:gov:ph:psa:national-id|PH-123456789';

describe('client ↔ reference server', () => {
  it.each(['basic', 'post', 'json'] as const)('%s: gets a token and reads an Individual', async (auth) => {
    const h = await makeHarness();
    const spp = createSppClient({
      baseUrl: BASE,
      clientId: demo.full.clientId,
      clientSecret: demo.full.clientSecret,
      auth,
      fetch: (r) => Promise.resolve(h.app.fetch(r)),
    });
    const person = unwrap(await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } }));
    expect(person.resourceType).toBe('Individual');
    expect(spp.tokens.requestCount).toBe(1);
  });

  it('the server decodes the client’s Basic header for a secret with : + % and a space', () => {
    const header = basicAuthorization('ministry-of-agriculture', SECRET);
    expect(parseBasicAuthorization(header)).toEqual({ id: 'ministry-of-agriculture', secret: SECRET });
  });

  it('a client disabled mid-run: one refresh attempt, refused with invalid_client; no loop', async () => {
    const h = await makeHarness();
    const spp = createSppClient({
      baseUrl: BASE,
      clientId: demo.full.clientId,
      clientSecret: demo.full.clientSecret,
      fetch: (r) => Promise.resolve(h.app.fetch(r)),
    });
    await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } });
    setActive(h.db, demo.full.clientId, false);
    const error = await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(spp.tokens.requestCount).toBe(2);
  });

  it('a scope the client lacks surfaces as SppApiError 403 SCOPE_INSUFFICIENT, not a retry', async () => {
    const h = await makeHarness();
    const spp = createSppClient({
      baseUrl: BASE,
      clientId: demo.reader.clientId,
      clientSecret: demo.reader.clientSecret,
      fetch: (r) => Promise.resolve(h.app.fetch(r)),
    });
    const current = unwrap(await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } }));
    const result = await spp.PUT('/Individual/{identifier}', { params: { path: { identifier } }, body: current as never });
    expect(() => unwrap(result)).toThrow(/^PUT \/Individual\/\{identifier\} answered 403 SCOPE_INSUFFICIENT: /);
    expect(spp.tokens.requestCount).toBe(1);
  });
});
