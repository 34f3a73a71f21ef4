/** Bearer protection of every secured operation: RFC 6750, RFC 7519/8725 and RFC 9068 checks, and the attacks. */
import { createHmac, createSecretKey } from 'node:crypto';
import { signHs256 } from '../../../src/server/auth/hs256.js';
import { SignJWT, decodeJwt, importJWK, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { isPublic, operationIndex } from '../../../src/contract/index.js';
import { contractValidator } from '../../../src/contract/index.js';
import { rotateSecret, setActive, setScopes } from '../../../src/server/clients/repository.js';
import { demo, keyFile, makeHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

const READ = '/Individual/urn:gov:ph:psa:national-id|PH-123456789';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function get(path: string, token?: string, extra: Record<string, string> = {}) {
  const res = await h.request(path, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra } });
  const body = (await res.json()) as Record<string, any>;
  return { res, body, code: body.issue?.[0]?.details?.coding?.[0]?.code as string | undefined };
}

/** A token signed with the server's own HS256 key, with claims overridden. */
async function mint(overrides: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const secret = (h.db.prepare("SELECT value FROM settings WHERE key = 'jwt_secret'").get() as { value: string }).value;
  const now = Math.floor(h.clock.now.getTime() / 1000);
  const claims = {
    iss: h.config.issuer,
    aud: h.config.audience,
    sub: demo.full.clientId,
    client_id: demo.full.clientId,
    scope: 'individual:read',
    sver: 1,
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: 'x',
    ...overrides,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header }).sign(Buffer.from(secret));
}

describe('401 for every secured operation without a valid token (generated from the contract)', () => {
  const secured = [...operationIndex.values()].filter((op) => !isPublic(op));
  it.each(secured.map((op) => [op.id, op] as const))(
    'RS-05/RS-07: %s without a token → 401 AUTHENTICATION_REQUIRED, Bearer challenge without error',
    async (_id, op) => {
      const path = op.fullPath.replace('{identifier}', 'urn:a:b|c');
      const res = await h.app.request(`http://127.0.0.1:8069${path}`, {
        method: op.method,
        headers: { 'content-type': 'application/json' },
        ...(op.method === 'GET' ? {} : { body: '{}' }),
      });
      const body = await res.json();
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="openspp"');
      expect(contractValidator.validateResponse(op, { status: 401, headers: res.headers, contentType: res.headers.get('content-type'), body })).toEqual([]);
      expect((body as any).issue[0].details.coding[0].code).toBe('AUTHENTICATION_REQUIRED');
    },
  );
});

describe('valid tokens', () => {
  it('RS-01/RS-02: a valid token is accepted, with the scheme in any case, and the handler sees the client', async () => {
    const token = await h.token('reader');
    expect((await get(READ, token)).res.status).toBe(200);
    const lower = await h.request(READ, { headers: { authorization: `bearer ${token}` } });
    expect(lower.status).toBe(200);
    expect(h.seen.at(-1)!.principal).toMatchObject({ clientId: demo.reader.clientId, legalBasis: 'public_task', organizationCode: 'dswd' });
  });

  it('JWT-02: a token expired by less than the leeway is still accepted', async () => {
    h.clock.now = new Date(h.clock.now.getTime() - 3600_000 - 5_000);
    const token = await h.token('full');
    h.clock.now = new Date(h.clock.now.getTime() + 3600_000 + 5_000);
    expect((await get(READ, token)).res.status).toBe(200);
  });
});

describe('invalid tokens → 401 with error="invalid_token"', () => {
  const expectInvalid = async (token: string, code = 'INVALID_TOKEN') => {
    const r = await get(READ, token);
    expect(r.res.status).toBe(401);
    expect(r.code).toBe(code);
    expect(r.res.headers.get('www-authenticate')).toMatch(/^Bearer realm="openspp", error="invalid_token", error_description="[^"]+"$/);
    expect(h.seen).toHaveLength(0);
  };

  it('JWT-01: garbage', () => expectInvalid('not-a-jwt'));
  it('JWT-01: a truncated token', async () => expectInvalid((await h.token('full')).slice(0, -10)));
  it('JWT-01: a flipped signature bit', async () => {
    const t = await h.token('full');
    const [head, payload, sig] = t.split('.');
    const bytes = Buffer.from(sig!, 'base64url');
    bytes[0]! ^= 1;
    await expectInvalid(`${head}.${payload}.${bytes.toString('base64url')}`);
  });
  it('BCP-01/AT-09: alg none (signature stripped)', async () => {
    const [, payload] = (await h.token('full')).split('.');
    await expectInvalid(`${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`);
    await expectInvalid(`${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.c2ln`);
  });
  it('a tampered payload (more scopes) with the old signature', async () => {
    const [head, payload, sig] = (await h.token('reader')).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    await expectInvalid(`${head}.${b64({ ...claims, scope: 'individual:all group:all' })}.${sig}`);
  });
  it('JWT-02: expired beyond the leeway → TOKEN_EXPIRED', async () => {
    const now = Math.floor(h.clock.now.getTime() / 1000);
    await expectInvalid(await mint({ iat: now - 100, nbf: now - 100, exp: now - 60 }), 'TOKEN_EXPIRED');
  });
  it('JWT-03: nbf in the future beyond the leeway', async () => {
    const now = Math.floor(h.clock.now.getTime() / 1000);
    await expectInvalid(await mint({ nbf: now + 120 }));
  });
  it('JWT-04/AT-08: another audience', async () => expectInvalid(await mint({ aud: 'https://other.example/api' })));
  it('AT-07/BCP-05: another issuer', async () => expectInvalid(await mint({ iss: 'https://evil.example' })));
  it('AT-06: typ other than at+jwt', async () => expectInvalid(await mint({}, { typ: 'JWT' })));
  it('a token without client_id', async () => expectInvalid(await mint({ client_id: undefined })));
  it('a validly signed token with a crit header the server does not understand (RFC 7515 §4.1.11)', async () => {
    const secret = (h.db.prepare("SELECT value FROM settings WHERE key = 'jwt_secret'").get() as { value: string }).value;
    const valid = decodeJwt(await h.token('full'));
    await expectInvalid(signHs256({ typ: 'at+jwt', crit: ['x-unknown'], 'x-unknown': 1 }, valid, createSecretKey(Buffer.from(secret))));
  });
  it('a token signed with another HS256 key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ client_id: demo.full.clientId, scope: 'individual:read', sver: 1 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(h.config.issuer)
      .setAudience(h.config.audience)
      .setSubject(demo.full.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti('y')
      .sign(Buffer.from('x'.repeat(48)));
    await expectInvalid(forged);
  });
  it('a token of a client disabled after it was issued', async () => {
    const token = await h.token('full');
    setActive(h.db, demo.full.clientId, false);
    await expectInvalid(token);
  });
  it('a token issued before the client secret was rotated', async () => {
    const token = await h.token('full');
    rotateSecret(h.db, demo.full.clientId);
    await expectInvalid(token);
  });
  it('a token whose client no longer exists', async () => expectInvalid(await mint({ client_id: 'ghost', sub: 'ghost' })));
  it('a non-Bearer scheme', async () => {
    const r = await h.request(READ, { headers: { authorization: 'Basic YTpi' } });
    expect(r.status).toBe(401);
  });
});

describe('RS-03/O21-03: tokens in the URL are never accepted', () => {
  it('a query token alone is treated as no token, with a hint', async () => {
    const token = await h.token('full');
    const r = await get(`${READ}?access_token=${token}`);
    expect(r.res.status).toBe(401);
    expect(r.code).toBe('AUTHENTICATION_REQUIRED');
    expect(r.body.issue[0].details.text).toMatch(/not accepted in the URL/);
  });
  it('RS-04: a query token next to a header token is a malformed request', async () => {
    const token = await h.token('full');
    const r = await get(`${READ}?access_token=${token}`, token);
    expect(r.res.status).toBe(400);
  });
});

describe('RS-11: scopes (403 SCOPE_INSUFFICIENT)', () => {
  it('names the required and the granted scopes, with error="insufficient_scope" and scope=', async () => {
    const token = await h.token('reader');
    const res = await h.request('/Individual', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as any;
    expect(res.status).toBe(403);
    expect(body.issue[0].details.coding[0].code).toBe('SCOPE_INSUFFICIENT');
    expect(body.issue[0].details.text).toMatch(
      /^Required scope: individual:create or individual:all\. Granted: consent:read, group:read, group:search, individual:read/,
    );
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="openspp", error="insufficient_scope", scope="individual:create"');
  });
  it('resource:all covers every action of that resource and nothing else', async () => {
    const token = await h.token('full', 'group:all');
    expect((await get('/Group/urn:a:b|c', token)).res.status).toBe(200);
    expect((await get('/Group', token)).res.status).toBe(200);
    expect((await get(READ, token)).res.status).toBe(403);
  });
  it('a scope asked for at the token endpoint limits the token even if the client holds more', async () => {
    const token = await h.token('full', 'individual:search');
    expect((await get(READ, token)).res.status).toBe(403);
    expect((await get('/Individual', token)).res.status).toBe(200);
  });
  it('a scope removed from the client stops working at once for tokens already issued', async () => {
    const token = await h.token('reader');
    setScopes(h.db, demo.reader.clientId, ['group:read']);
    expect((await get(READ, token)).res.status).toBe(403);
  });
  it('conditional update needs update and create together', async () => {
    const token = await h.token('full', 'individual:update');
    const res = await h.request('/Individual?identifier=urn:a:b|c', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });
  it('authentication comes before validation: a malformed request without a token learns nothing', async () => {
    expect((await get('/Individual?nonsense=1')).res.status).toBe(401);
  });
});

describe('asymmetric keys', () => {
  it('BCP-01: HS256 signed with the published RS256 public key (algorithm confusion) is refused', async () => {
    const { path, publicKeyPem } = keyFile('RS256');
    h = await makeHarness({ SPP_JWT_ALG: 'RS256', SPP_JWT_KEY_FILE: path });
    const genuine = await h.token('full');
    expect((await get(READ, genuine)).res.status).toBe(200);
    const claims = decodeJwt(genuine);
    const head = b64({ alg: 'HS256', typ: 'at+jwt' });
    const payload = b64(claims);
    const sig = createHmac('sha256', publicKeyPem).update(`${head}.${payload}`).digest('base64url');
    expect((await get(READ, `${head}.${payload}.${sig}`)).res.status).toBe(401);
  });

  it('ES256 tokens verify, carry a kid, and the JWKS publishes exactly the public key', async () => {
    const { path } = keyFile('ES256');
    h = await makeHarness({ SPP_JWT_ALG: 'ES256', SPP_JWT_KEY_FILE: path });
    const token = await h.token('full');
    expect((await get(READ, token)).res.status).toBe(200);
    const jwks = (await (await h.request('/.well-known/jwks.json')).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig', crv: 'P-256' });
    expect(jwks.keys[0]!.d).toBeUndefined();
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header.kid).toBe(jwks.keys[0]!.kid);
    // The key really is the one in the key file: it verifies what the server signed.
    await expect(jwtVerify(token, await importJWK(jwks.keys[0]!, 'ES256'))).resolves.toBeDefined();
  });

  it('HS256 mode publishes an empty key set', async () => {
    const jwks = await (await h.request('/.well-known/jwks.json')).json();
    expect(jwks).toEqual({ keys: [] });
  });
});
