/**
 * The request samples of the documentation page run as shown: every TypeScript sample type-checks against the
 * client and the contract (tsc, strict), and every curl sample, run by bash against the reference server on
 * 127.0.0.1, gets an answer the contract declares. The only substitutions: the server's origin (a free port
 * instead of 8069), the variables the samples name ($TOKEN, $CLIENT_ID, $CLIENT_SECRET), and a `-w` that
 * prints the status.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerOptions, root, typecheck } from '../tsc.js';
import { publishedContract } from '../../src/contract/contract.js';
import { renderingDocument } from '../../src/docs/html.js';
import { clientSample, curlSample } from '../../src/docs/samples.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

const run = promisify(execFile);
const operations = [...publishedContract.operations.values()];

describe('x-codeSamples', () => {
  it('every operation of the rendered document has a curl and a typed-client sample; the contract itself is untouched', () => {
    const doc = renderingDocument(publishedContract);
    for (const op of operations) {
      const samples = (doc.paths[op.pathTemplate] as Record<string, { 'x-codeSamples'?: Array<{ label: string }> }>)[op.method.toLowerCase()]!['x-codeSamples'];
      expect(
        samples?.map((s) => s.label),
        op.id,
      ).toEqual(['curl', 'typed client']);
    }
    expect(JSON.stringify(publishedContract.document)).not.toContain('x-codeSamples');
  });

  it('secured operations send the bearer token, the token endpoint the client credentials; no secret is written into a sample', () => {
    for (const op of operations) {
      const curl = curlSample(publishedContract, op);
      if (op.errorStyle === 'oauth2') expect(curl).toContain('-u "$CLIENT_ID:$CLIENT_SECRET"');
      else expect(curl.includes('Authorization: Bearer $TOKEN'), op.id).toBe(op.security.length > 0);
      for (const c of readDemoFixture().clients) expect(curl + clientSample(publishedContract, op)).not.toContain(c.clientSecret);
    }
  });
});

describe('the typed-client samples', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spp-samples-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('type-check against @spp-api-kit/client and the contract (tsc --strict)', async () => {
    const files = operations.map((op) => `${op.id}.mts`);
    await Promise.all(operations.map((op, i) => writeFile(join(dir, files[i]!), `${clientSample(publishedContract, op)}\n`)));
    // What an integrator's `npm install @spp-api-kit/client` gives, here from the sources.
    const options = consumerOptions({ noUncheckedIndexedAccess: true, paths: { '@spp-api-kit/client': [join(root, 'src/client/index.ts')] } });
    const result = await typecheck(dir, files, options);
    expect(result).toBe('');
  }, 90_000);
});

describe('the curl samples, against the reference server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:' }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('each gets an answer its operation declares; with a token from the token sample, none is refused', async () => {
    const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
    const origin = new URL(server.baseUrl).origin;
    const env = { ...process.env, CLIENT_ID: full.clientId, CLIENT_SECRET: full.clientSecret, TOKEN: '' };
    const sh = async (sample: string) => {
      const command = `${sample.replaceAll('http://127.0.0.1:8069', origin)} -w '\\n%{http_code}'`;
      const { stdout } = await run('bash', ['-c', command], { env, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
      const lines = stdout.trimEnd().split('\n');
      return { status: Number(lines.pop()), body: lines.join('\n') };
    };
    const tokenOp = operations.find((op) => op.errorStyle === 'oauth2')!;
    const token = await sh(curlSample(publishedContract, tokenOp));
    expect(token.status).toBe(200);
    env.TOKEN = (JSON.parse(token.body) as { access_token: string }).access_token;
    const status = new Map<string, number>();
    for (const op of operations.filter((o) => o !== tokenOp)) {
      const { status: code, body } = await sh(curlSample(publishedContract, op));
      expect([...op.responses.keys()], `${op.id} answered ${code}: ${body.slice(0, 300)}`).toContain(code);
      status.set(op.id, code);
    }
    for (const [id, code] of status) expect(code, id).not.toBe(401);
    for (const id of ['getMetadata', 'searchIndividuals', 'readIndividual', 'searchGroups', 'searchPrograms', 'searchProgramMemberships'])
      expect(status.get(id), id).toBe(200);
  }, 90_000);
});
