/** examples/search-read-update.ts against the fake server: in-process and as a script over 127.0.0.1. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runExample } from '../../examples/search-read-update.js';
import { SppApiError } from '../../src/client/index.js';
import { BASE_URL } from './fake-spp.js';
import { CLIENT_ID, SECRET, setup } from './setup.js';

describe('examples/search-read-update.ts', () => {
  it('searches by name, reads the first match and replaces it with If-Match', async () => {
    const { fake } = setup();
    const summary = await runExample({ baseUrl: BASE_URL, clientId: CLIENT_ID, clientSecret: SECRET, fetch: fake.fetch, mobile: '+639171111111' });
    expect(summary).toEqual({
      search: { name: 'santos', total: 2, identifier: 'urn:gov:ph:psa:national-id|PH-123456789' },
      read: { etag: '"3"', versionId: '3' },
      update: { etag: '"4"', versionId: '4', mobile: '+639171111111' },
      tokenRequests: 1,
    });
    expect(fake.apiAttempts.map((a) => `${a.method} ${a.status}`)).toEqual(['GET 200', 'GET 200', 'PUT 200']);
    expect(fake.tokenRequests[0]!.body).toBe('grant_type=client_credentials&scope=individual%3Asearch+individual%3Aread+individual%3Aupdate');
  });

  it('a concurrent change between read and write surfaces as 409 VERSION_CONFLICT', async () => {
    const { fake } = setup();
    // Someone else writes between our read and our PUT: the fake bumps the version when it sees our PUT coming.
    const racing = async (request: Request) => {
      if (request.method === 'PUT') {
        const other = new Request(request.url, {
          method: 'PUT',
          headers: { authorization: request.headers.get('authorization')!, 'content-type': 'application/json' },
          body: await request.clone().text(),
        });
        await fake.fetch(other);
      }
      return fake.fetch(request);
    };
    const error = await runExample({ baseUrl: BASE_URL, clientId: CLIENT_ID, clientSecret: SECRET, fetch: racing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SppApiError);
    expect(error).toMatchObject({ status: 409, code: 'VERSION_CONFLICT', method: 'PUT', path: '/Individual/{identifier}' });
  });

  it('runs as a script from the environment and prints what it did, without the secret or the token', async () => {
    const { fake } = setup();
    const server = await fake.listen();
    try {
      const script = fileURLToPath(new URL('../../examples/search-read-update.ts', import.meta.url));
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const { stdout, stderr } = await promisify(execFile)(tsx, [script, 'santos'], {
        env: { ...process.env, SPP_BASE_URL: server.baseUrl, SPP_CLIENT_ID: CLIENT_ID, SPP_CLIENT_SECRET: SECRET },
        timeout: 20_000,
      });
      expect(stdout).toContain("Searched name 'santos': 2 match(es); first is urn:gov:ph:psa:national-id|PH-123456789.");
      expect(stdout).toContain('Replaced it with If-Match "3" (mobile +639170000000): now version 4, ETag "4".');
      expect(stderr).toBe('');
      for (const s of [SECRET, ...fake.issued.keys()]) expect(stdout + stderr).not.toContain(s);
    } finally {
      await server.close();
    }
  });
});
