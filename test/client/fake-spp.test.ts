/** The fake server answers as the contract says, so the client tests exercise contract-shaped traffic. */
import { describe, expect, it } from 'vitest';
import { operationIndex, type OperationId } from '../../src/contract/index.js';
import { contractValidator } from '../../src/contract/index.js';
import { BASE_URL } from './fake-spp.js';
import { MARIA, setup } from './setup.js';

async function conforms(id: OperationId, response: Response) {
  const body = await response.clone().json();
  return contractValidator.validateResponse(operationIndex.get(id)!, {
    status: response.status,
    headers: response.headers,
    contentType: response.headers.get('content-type'),
    body,
  });
}

describe('fake OpenSPP server', () => {
  it('token, read, search, replace, 401, 404, 409 and 429 answers conform to the contract', async () => {
    const { fake } = setup();
    const tokenRes = await fake.fetch(
      new Request(`${BASE_URL}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ministry-of-agriculture', client_secret: 'wrong' }),
      }),
    );
    expect(tokenRes.status).toBe(400);
    expect(await conforms('issueToken', tokenRes)).toEqual([]);
    const { access_token } = (await (
      await fake.fetch(
        new Request(`${BASE_URL}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'ministry-of-agriculture', client_secret: 'p:ss+w%rd 2026/Ünï' }),
        }),
      )
    ).json()) as { access_token: string };
    const auth = { authorization: `Bearer ${access_token}` };
    const read = await fake.fetch(new Request(`${BASE_URL}/Individual/${encodeURIComponent(MARIA)}`, { headers: auth }));
    expect(read.status).toBe(200);
    expect(await conforms('readIndividual', read)).toEqual([]);
    const search = await fake.fetch(new Request(`${BASE_URL}/Individual?name=santos`, { headers: auth }));
    expect(await conforms('searchIndividuals', search)).toEqual([]);
    expect(((await search.json()) as { total: number }).total).toBe(2);
    const record = await read.json();
    const put = await fake.fetch(
      new Request(`${BASE_URL}/Individual/${encodeURIComponent(MARIA)}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json', 'if-match': '"3"' },
        body: JSON.stringify(record),
      }),
    );
    expect(put.status).toBe(200);
    expect(await conforms('updateIndividual', put)).toEqual([]);
    const stale = await fake.fetch(
      new Request(`${BASE_URL}/Individual/${encodeURIComponent(MARIA)}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json', 'if-match': '"3"' },
        body: JSON.stringify(record),
      }),
    );
    expect(stale.status).toBe(409);
    expect(await conforms('updateIndividual', stale)).toEqual([]);
    const missing = await fake.fetch(new Request(`${BASE_URL}/Individual/urn%3Ax%3Ay%7Cnope`, { headers: auth }));
    expect(missing.status).toBe(404);
    expect(await conforms('readIndividual', missing)).toEqual([]);
    const anonymous = await fake.fetch(new Request(`${BASE_URL}/Individual?name=santos`));
    expect(anonymous.status).toBe(401);
    expect(await conforms('searchIndividuals', anonymous)).toEqual([]);
    fake.queueRateLimited(1);
    const limited = await fake.fetch(new Request(`${BASE_URL}/Individual?name=santos`, { headers: auth }));
    expect(limited.status).toBe(429);
    expect(await conforms('searchIndividuals', limited)).toEqual([]);
  });
});
