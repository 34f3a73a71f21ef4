/** Errors: typed from the contract, specific, and never carrying a client secret or a whole token. */
import { describe, expect, it } from 'vitest';
import { maskToken, OAuthTokenError, SppApiError, unwrap } from '../../src/client/index.js';
import { example } from './fake-spp.js';
import { leaks, MARIA, SECRET, setup } from './setup.js';

const read = { params: { path: { identifier: MARIA } } };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('SppApiError', () => {
  it('carries status, OperationOutcome, first urn:openspp:error code, details.text and the operation', async () => {
    const { client } = setup();
    const result = await client().GET('/Individual/{identifier}', { params: { path: { identifier: 'urn:gov:ph:psa:national-id|PH-999999999' } } });
    // openapi-fetch style: `error` is the contract's OperationOutcome, typed.
    expect(result.error?.issue[0]?.details.coding[0]?.code).toBe('RESOURCE_NOT_FOUND');
    const error = thrown(() => unwrap(result)) as SppApiError;
    expect(error).toBeInstanceOf(SppApiError);
    expect(error).toMatchObject({
      name: 'SppApiError',
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      text: 'No Individual has the identifier urn:gov:ph:psa:national-id|PH-999999999.',
      method: 'GET',
      path: '/Individual/{identifier}',
    });
    expect(error.outcome?.resourceType).toBe('OperationOutcome');
    expect(error.message).toBe(
      'GET /Individual/{identifier} answered 404 RESOURCE_NOT_FOUND: No Individual has the identifier urn:gov:ph:psa:national-id|PH-999999999.',
    );
  });

  it('a stale If-Match gives VERSION_CONFLICT on PUT', async () => {
    const { client } = setup();
    const spp = client();
    const current = unwrap(await spp.GET('/Individual/{identifier}', read));
    const result = await spp.PUT('/Individual/{identifier}', {
      params: { path: { identifier: MARIA }, header: { 'If-Match': '"2"' } },
      body: current as never,
    });
    expect(thrown(() => unwrap(result))).toMatchObject({ status: 409, code: 'VERSION_CONFLICT', method: 'PUT', path: '/Individual/{identifier}' });
  });

  it('builds from the contract’s own 409 example, and says so plainly when a body is not an OperationOutcome', () => {
    const conflict = new SppApiError({
      status: 409,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'conflict',
            details: { coding: [{ system: 'urn:openspp:error', code: 'VERSION_CONFLICT' }], text: 'Resource version mismatch. Expected: 3, current: 5.' },
          },
        ],
      },
    });
    expect(conflict.message).toBe('API request answered 409 VERSION_CONFLICT: Resource version mismatch. Expected: 3, current: 5.');
    const proxy = thrown(() =>
      unwrap({ error: '<html>bad gateway</html>', response: new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }) }),
    );
    expect(proxy).toMatchObject({ status: 502, code: undefined, outcome: undefined, detail: undefined });
    expect((proxy as Error).message).toBe('API request answered 502: HTTP 502 Bad Gateway; the body is neither an OperationOutcome nor a {"detail"} body');
  });

  it('reads the deployed dialect’s {"detail"} bodies: a text, a FastAPI 422 list, an OperationOutcome of a failed $batch', () => {
    const text = new SppApiError({ status: 404, body: { detail: 'Individual not found' }, method: 'GET', path: '/Individual/{identifier}' });
    expect(text).toMatchObject({ status: 404, code: undefined, outcome: undefined, detail: 'Individual not found', text: 'Individual not found' });
    expect(text.message).toBe('GET /Individual/{identifier} answered 404: Individual not found');
    const problems = [
      { loc: ['query', '_count'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal' },
      { loc: ['body', 'identifier', 0, 'value'], msg: 'Field required', type: 'missing' },
    ];
    const list = new SppApiError({ status: 422, body: { detail: problems } });
    expect(list.detail).toEqual(problems);
    expect(list.text).toBe('query._count: Input should be less than or equal to 100; body.identifier.0.value: Field required');
    const batch = new SppApiError({
      status: 422,
      body: {
        detail: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Transaction failed at entry 1 (unknown): identifier in use' }],
        },
      },
    });
    expect(batch.text).toBe('Transaction failed at entry 1 (unknown): identifier in use');
    expect(batch.outcome).toBeUndefined();
    expect(batch.detail).toMatchObject({ resourceType: 'OperationOutcome' });
    // A `detail` of another shape is no error body of either dialect.
    expect(new SppApiError({ status: 500, body: { detail: 42 } }).text).toMatch(/neither an OperationOutcome nor a \{"detail"\} body$/);
  });

  it('redacts a token a server echoes in a {"detail"} text or list', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLWZ1bGwiLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
    const text = new SppApiError({ status: 401, body: { detail: `Invalid token ${jwt}` } });
    const list = new SppApiError({ status: 422, body: { detail: [{ loc: ['header', 'authorization'], msg: `bad ${jwt}`, type: 'x' }] } });
    for (const e of [text, list]) {
      expect(JSON.stringify([e.message, e.text, e.detail])).not.toContain(jwt);
      expect(e.message).toContain(maskToken(jwt));
    }
  });

  it('unwrap returns data on success', async () => {
    const { client } = setup();
    const bundle = unwrap(await client().GET('/Individual', { params: { query: { name: 'santos', _count: 1 } } }));
    expect(bundle.total).toBe(2);
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry[0]!.resource).toEqual(example('individual'));
  });
});

describe('no secret and no whole token in any error', () => {
  it('holds for token failures in every auth style, even when the server echoes the secret back', async () => {
    for (const auth of ['basic', 'post', 'json'] as const) {
      const { fake, client } = setup();
      fake.echoSecretInErrors = true;
      fake.disableClient('ministry-of-agriculture');
      const error = await client({ auth })
        .GET('/Individual/{identifier}', read)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthTokenError);
      expect(error).toMatchObject({ error: 'invalid_client', status: auth === 'basic' ? 401 : 400 });
      expect((error as Error).message).toContain('***');
      expect(leaks(fake, error)).toEqual([]);
    }
  });

  it('holds for a final 401 whose text echoes the token, for a surfaced 429, and for an unreachable token endpoint', async () => {
    const { fake, client } = setup();
    const spp = client({ maxRateLimitRetries: 0 });
    await spp.GET('/Individual/{identifier}', read);
    fake.echoTokenInErrors = true;
    fake.rejectTokensOf('ministry-of-agriculture');
    const r401 = await spp.GET('/Individual/{identifier}', read);
    const e401 = thrown(() => unwrap(r401)) as SppApiError;
    expect(e401.text).toMatch(/^The access token .{8}…\[\d+ chars\] is not valid\.$/);
    expect(leaks(fake, e401)).toEqual([]);

    const other = setup();
    const limited = other.client({ maxRateLimitRetries: 0 });
    other.fake.queueRateLimited(1, { retryAfter: '5' });
    const r429 = await limited.GET('/Individual/{identifier}', read);
    expect(
      leaks(
        other.fake,
        thrown(() => unwrap(r429)),
      ),
    ).toEqual([]);

    const offline = setup().client({
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      tokenUrl: `http://127.0.0.1:9/oauth/token?client_secret=${encodeURIComponent(SECRET)}`,
    });
    const eNet = await offline.GET('/Individual/{identifier}', read).catch((e: unknown) => e);
    expect(eNet).toBeInstanceOf(OAuthTokenError);
    expect(eNet).toMatchObject({ status: 0 });
    expect((eNet as Error).message).toBe('Token request to http://127.0.0.1:9/oauth/token could not be sent: fetch failed');
    expect(leaks(fake, eNet)).toEqual([]);
  });

  it('a token URL with user info is refused when the client is created, without repeating it', () => {
    const eUrl = thrown(() => setup().client({ tokenUrl: `http://someone:${encodeURIComponent(SECRET)}@127.0.0.1:9/oauth/token` }));
    expect((eUrl as Error).message).toBe('tokenUrl must not contain user info: pass clientId and clientSecret instead.');
    expect(leaks(setup().fake, eUrl)).toEqual([]);
  });

  it('maskToken keeps 8 characters and the length', () => {
    expect(maskToken('eyJhbGciOiJIUzI1NiJ9.payload.signature')).toBe('eyJhbGci…[38 chars]');
  });
});
