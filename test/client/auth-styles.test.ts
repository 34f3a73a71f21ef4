/** What each client authentication style puts on the wire (RFC 6749 §2.3.1 and Appendix B), read back by the fake. */
import { describe, expect, it } from 'vitest';
import { basicAuthorization, createSppClient, formEncode } from '../../src/client/index.js';
import { CLIENT_ID, MARIA, SECRET, setup } from './setup.js';

const read = { params: { path: { identifier: MARIA } } };

describe('client authentication at the token endpoint', () => {
  it('basic (default): id and secret form-encoded, then base64; the body carries only grant_type', async () => {
    const { fake, client } = setup();
    expect((await client().GET('/Individual/{identifier}', read)).response.status).toBe(200);
    const [sent] = fake.tokenRequests;
    expect(sent!.authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    const decoded = Buffer.from(sent!.authorization!.slice(6), 'base64').toString('utf8');
    // ':' '+' '%' ' ' '/' and non-ASCII are all encoded, so the first ':' is the separator.
    expect(decoded).toBe('ministry-of-agriculture:p%3Ass%2Bw%25rd+2026%2F%C3%9Cn%C3%AF');
    expect(sent!.parsed).toMatchObject({ style: 'basic', clientId: CLIENT_ID, clientSecret: SECRET });
    expect(sent!.contentType).toBe('application/x-www-form-urlencoded');
    expect(sent!.body).toBe('grant_type=client_credentials');
    expect(sent!.query).toBe('');
  });

  it('basic with a scope: scope is a form field', async () => {
    const { fake, client } = setup();
    await client({ scope: 'individual:read individual:search' }).GET('/Individual/{identifier}', read);
    expect(fake.tokenRequests[0]!.body).toBe('grant_type=client_credentials&scope=individual%3Aread+individual%3Asearch');
  });

  it('post: credentials in the form body, no Authorization header', async () => {
    const { fake, client } = setup();
    expect((await client({ auth: 'post' }).GET('/Individual/{identifier}', read)).response.status).toBe(200);
    const [sent] = fake.tokenRequests;
    expect(sent!.authorization).toBeNull();
    expect(sent!.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent!.body))).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET });
    expect(sent!.query).toBe('');
  });

  it('json: the body OpenSPP’s guide shows, no Authorization header', async () => {
    const { fake, client } = setup();
    expect((await client({ auth: 'json', scope: 'individual:read' }).GET('/Individual/{identifier}', read)).response.status).toBe(200);
    const [sent] = fake.tokenRequests;
    expect(sent!.authorization).toBeNull();
    expect(sent!.contentType).toBe('application/json');
    expect(JSON.parse(sent!.body)).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: 'individual:read' });
  });

  it('the API calls carry the bearer token and never the client credentials', async () => {
    const { fake, client } = setup();
    await client().GET('/Individual', { params: { query: { name: 'santos' } } });
    expect(fake.apiAttempts[0]!.token).toBe([...fake.issued.keys()][0]);
  });

  it('a custom tokenUrl is used as given', async () => {
    const { fake, client } = setup();
    await client({ tokenUrl: 'http://127.0.0.1:8069/api/v2/spp/oauth/token' }).GET('/Individual/{identifier}', read);
    expect(fake.tokenRequestCount).toBe(1);
  });

  it('formEncode follows Appendix B (space as +, only ALPHA / DIGIT / "*-._" unescaped)', () => {
    expect(formEncode('a b+c:d%e/f*g-h.i_j~k')).toBe('a+b%2Bc%3Ad%25e%2Ff*g-h.i_j%7Ek');
    expect(basicAuthorization('id', 'se:cret')).toBe(`Basic ${Buffer.from('id:se%3Acret').toString('base64')}`);
  });

  it('works over a real socket on 127.0.0.1 as well', async () => {
    const { fake, clock } = setup();
    const server = await fake.listen();
    try {
      const spp = createSppClient({ baseUrl: server.baseUrl, clientId: CLIENT_ID, clientSecret: SECRET, clock });
      const [a, b] = await Promise.all([spp.GET('/Individual/{identifier}', read), spp.GET('/Individual', { params: { query: { name: 'santos' } } })]);
      expect(a.data?.identifier[0]?.value).toBe('PH-123456789');
      expect(b.data?.total).toBe(2);
      expect(fake.tokenRequestCount).toBe(1);
      expect(fake.tokenRequests[0]!.parsed).toMatchObject({ style: 'basic', clientSecret: SECRET });
    } finally {
      await server.close();
    }
  });
});
