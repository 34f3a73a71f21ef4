/**
 * The client as an integrator installs it: `npm pack` of packages/client, `npm install` of the tarball into an
 * empty project (dependencies from the npm cache or registry), then TypeScript (tsc, strict, NodeNext) and plain
 * ESM use of it against the reference server on 127.0.0.1. Light: at most 5 MB and 5 packages.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInto, pack, packList, type Installed } from '../../scripts/packages.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';
import { consumerOptions, typecheck } from '../tsc.js';

const run = promisify(execFile);
const reader = readDemoFixture().clients.find((c) => c.role === 'reader')!;
let work: string;
let installed: Installed;
let server: RunningServer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'spp-client-package-'));
  const tarball = await pack('client', work);
  installed = await installInto(join(work, 'project'), [tarball]);
  server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:' }));
}, 180_000);
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('@spp-api-kit/client, packed and installed into an empty project', () => {
  it('ships compiled JavaScript and type declarations only', async () => {
    const files = await packList('client');
    expect(files).toContain('dist/client/index.js');
    expect(files).toContain('dist/client/index.d.ts');
    expect(files).toContain('dist/contract/generated/types.d.ts');
    for (const f of files) expect(f, f).toMatch(/^(dist\/.*\.(js|d\.ts)|package\.json|README\.md)$/);
  });

  it('installs light: at most 5 MB and 5 packages, and no install script to approve', () => {
    expect(installed.packages.sort()).toEqual(['@spp-api-kit/client', 'openapi-fetch', 'openapi-typescript-helpers']);
    expect(installed.packages.length).toBeLessThanOrEqual(5);
    expect(installed.diskBytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(installed.scriptWarnings).toEqual([]);
  });

  it('type-checks from TypeScript (strict, NodeNext) — and refuses a misspelt parameter', async () => {
    const dir = installed.dir;
    await writeFile(
      join(dir, 'search.ts'),
      [
        "import { createSppClient, unwrap, type components } from '@spp-api-kit/client';",
        "const [baseUrl = '', clientId = '', clientSecret = ''] = process.argv.slice(2);",
        'const spp = createSppClient({ baseUrl, clientId, clientSecret });',
        "const bundle = unwrap(await spp.GET('/Individual', { params: { query: { name: 'santos', _count: 2 } } }));",
        "const first: components['schemas']['Individual'] | undefined = bundle.entry[0]?.resource;",
        'console.log(JSON.stringify({ total: bundle.total, first: first?.identifier[0]?.system, tokenRequests: spp.tokens.requestCount }));',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'misspelt.ts'),
      "import { createSppClient } from '@spp-api-kit/client';\nconst spp = createSppClient({ baseUrl: 'http://127.0.0.1:1', clientId: 'a', clientSecret: 'b' });\nawait spp.GET('/Individual', { params: { query: { nmae: 'santos' } } });\n",
    );
    const options = consumerOptions({ noEmit: false, skipLibCheck: false, outDir: 'out' });
    expect(await typecheck(dir, ['search.ts'], options)).toBe('');
    const refused = await typecheck(dir, ['misspelt.ts'], { ...options, noEmit: true }, 'tsconfig.misspelt.json');
    expect(refused).toMatch(/misspelt\.ts.*error TS\d+:.*'nmae'/);
    // …and the compiled program runs against the reference server.
    const { stdout } = await run(process.execPath, ['out/search.js', server.baseUrl, reader.clientId, reader.clientSecret], { cwd: dir });
    expect(JSON.parse(stdout)).toMatchObject({ first: 'urn:gov:ph:psa:national-id', tokenRequests: 1 });
    expect(JSON.parse(stdout).total).toBeGreaterThan(0);
  }, 60_000);

  it('imports from plain ESM JavaScript', async () => {
    await writeFile(
      join(installed.dir, 'metadata.mjs'),
      [
        "import { createSppClient, SppApiError } from '@spp-api-kit/client';",
        'const [baseUrl, clientId, clientSecret] = process.argv.slice(2);',
        "const meta = await createSppClient({ baseUrl, clientId, clientSecret }).GET('/metadata');",
        "const refused = await createSppClient({ baseUrl, clientId, clientSecret: 'wrong-secret' }).GET('/Group').catch((e) => e.name);",
        'console.log(JSON.stringify({ status: meta.response.status, refused, SppApiError: typeof SppApiError }));',
        '',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['metadata.mjs', server.baseUrl, reader.clientId, reader.clientSecret], { cwd: installed.dir });
    expect(JSON.parse(stdout)).toEqual({ status: 200, refused: 'OAuthTokenError', SppApiError: 'function' });
  });
});
