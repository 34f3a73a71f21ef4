/**
 * The request samples of both documentation pages (published and deployed dialect) run as shown: every
 * TypeScript sample type-checks against the client and its dialect's contract (tsc, strict) and runs against the
 * reference server in that dialect, and every curl sample, run by bash against the same server on 127.0.0.1,
 * gets an answer the contract declares. The only substitutions: the server's origin (a free port instead of
 * 8069), the variables the samples name ($TOKEN, $CLIENT_ID, $CLIENT_SECRET, and SPP_CLIENT_ID/SPP_CLIENT_SECRET
 * for the client), a `-w` that prints the status, and — to run a TypeScript sample inside the test — the
 * package name `@spp-api-kit/client` pointing at the client's sources.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consumerOptions, root, typecheck } from '../tsc.js';
import { contractFor, DIALECTS, type Dialect } from '../../src/contract/contract.js';
import { renderingDocument } from '../../src/docs/html.js';
import { clientSample, curlSample, isTokenEndpoint, sampleDialect } from '../../src/docs/samples.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

const run = promisify(execFile);
const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
const RAISED = { SPP_TOKEN_RATE_PER_MINUTE: '1000', SPP_TOKEN_RATE_PER_DAY: '100000', SPP_API_RATE_PER_MINUTE: '100000' };
/** Operations each dialect's samples must get a 200 from (reads and searches of the demo registry). */
const MUST_SUCCEED = ['getMetadata', 'searchIndividuals', 'readIndividual', 'searchGroups', 'searchPrograms', 'searchProgramMemberships'];

function startServer(dialect: Dialect): Promise<RunningServer> {
  return startReferenceServer(loadConfig({ SPP_DIALECT: dialect, PORT: '0', SPP_DB: ':memory:', ...RAISED }));
}

describe.each(DIALECTS)('the %s dialect’s page', (dialect) => {
  const contract = contractFor(dialect);
  const operations = [...contract.operations.values()];

  describe('x-codeSamples', () => {
    it('every operation of the rendered document has a curl and a typed-client sample; the contract itself is untouched', () => {
      const doc = renderingDocument(contract);
      for (const op of operations) {
        const samples = (doc.paths[op.pathTemplate] as Record<string, { 'x-codeSamples'?: Array<{ label: string }> }>)[op.method.toLowerCase()]![
          'x-codeSamples'
        ];
        expect(
          samples?.map((s) => s.label),
          op.id,
        ).toEqual(['curl', 'typed client']);
      }
      expect(JSON.stringify(contract.document)).not.toContain('x-codeSamples');
    });

    it('secured operations send the bearer token, the token endpoint the client credentials; no secret is written into a sample', () => {
      expect(operations.filter(isTokenEndpoint)).toHaveLength(1);
      for (const op of operations) {
        const curl = curlSample(contract, op);
        if (isTokenEndpoint(op)) expect(curl).toContain('-u "$CLIENT_ID:$CLIENT_SECRET"');
        else expect(curl.includes('Authorization: Bearer $TOKEN'), op.id).toBe(op.security.length > 0);
        for (const c of readDemoFixture().clients) expect(curl + clientSample(contract, op)).not.toContain(c.clientSecret);
      }
    });

    it(`the typed-client samples create a ${dialect} client`, () => {
      expect(sampleDialect(contract)).toBe(dialect);
      for (const op of operations.filter((o) => o.basePath === contract.basePath)) {
        expect(clientSample(contract, op).includes("  dialect: 'deployed',"), op.id).toBe(dialect === 'deployed');
      }
    });
  });

  describe('the typed-client samples', () => {
    let dir: string;
    let server: RunningServer;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `spp-samples-${dialect}-`));
      server = await startServer(dialect);
    });
    afterAll(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('type-check against @spp-api-kit/client and the contract (tsc --strict)', async () => {
      const files = operations.map((op) => `${op.id}.mts`);
      await Promise.all(operations.map((op, i) => writeFile(join(dir, files[i]!), `${clientSample(contract, op)}\n`)));
      // What an integrator's `npm install @spp-api-kit/client` gives, here from the sources.
      const options = consumerOptions({ noUncheckedIndexedAccess: true, paths: { '@spp-api-kit/client': [join(root, 'src/client/index.ts')] } });
      const result = await typecheck(dir, files, options);
      expect(result).toBe('');
    }, 90_000);

    it('run against the reference server: each answer is one its operation declares; reads and searches succeed', async () => {
      const origin = new URL(server.baseUrl).origin;
      const client = pathToFileURL(join(root, 'src/client/index.ts')).href;
      const runDir = join(dir, 'run');
      await mkdir(runDir);
      const outcome = new Map<string, number | 'ok'>();
      const saved = { id: process.env.SPP_CLIENT_ID, secret: process.env.SPP_CLIENT_SECRET };
      process.env.SPP_CLIENT_ID = full.clientId;
      process.env.SPP_CLIENT_SECRET = full.clientSecret;
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        for (const op of operations) {
          const file = join(runDir, `${op.id}.mts`);
          await writeFile(file, clientSample(contract, op).replaceAll('http://127.0.0.1:8069', origin).replace(`'@spp-api-kit/client'`, `'${client}'`));
          log.mockClear();
          error.mockClear();
          await import(pathToFileURL(file).href);
          // A sample logs the data, or `console.error(response.status, error)`.
          const status = error.mock.calls[0]?.[0];
          outcome.set(op.id, typeof status === 'number' ? status : 'ok');
          expect(log.mock.calls.length + error.mock.calls.length, op.id).toBe(1);
        }
      } finally {
        log.mockRestore();
        error.mockRestore();
        process.env.SPP_CLIENT_ID = saved.id;
        process.env.SPP_CLIENT_SECRET = saved.secret;
      }
      expect(outcome.size).toBe(operations.length);
      for (const [id, result] of outcome) {
        if (result !== 'ok') expect([...contract.operation(id).responses.keys()], `${id} answered ${result}`).toContain(result);
        expect(result, id).not.toBe(401);
      }
      for (const id of MUST_SUCCEED) expect(outcome.get(id), id).toBe('ok');
    }, 120_000);
  });

  describe('the curl samples, against the reference server', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(dialect);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('each gets an answer its operation declares; with a token from the token sample, none is refused', async () => {
      const origin = new URL(server.baseUrl).origin;
      const env = { ...process.env, CLIENT_ID: full.clientId, CLIENT_SECRET: full.clientSecret, TOKEN: '' };
      const sh = async (sample: string) => {
        const command = `${sample.replaceAll('http://127.0.0.1:8069', origin)} -w '\\n%{http_code}'`;
        const { stdout } = await run('bash', ['-c', command], { env, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
        const lines = stdout.trimEnd().split('\n');
        return { status: Number(lines.pop()), body: lines.join('\n') };
      };
      const tokenOp = operations.find(isTokenEndpoint)!;
      const token = await sh(curlSample(contract, tokenOp));
      expect(token.status).toBe(200);
      env.TOKEN = (JSON.parse(token.body) as { access_token: string }).access_token;
      const status = new Map<string, number>();
      for (const op of operations.filter((o) => o !== tokenOp)) {
        const { status: code, body } = await sh(curlSample(contract, op));
        expect([...op.responses.keys()], `${op.id} answered ${code}: ${body.slice(0, 300)}`).toContain(code);
        status.set(op.id, code);
      }
      for (const [id, code] of status) expect(code, id).not.toBe(401);
      for (const id of MUST_SUCCEED) expect(status.get(id), id).toBe(200);
    }, 120_000);
  });
});
