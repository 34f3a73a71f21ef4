/**
 * The kit's own package (spp-api-kit: the spp-kit command, the server, the kit, the docs builders): what it ships,
 * what it depends on, and that it works installed — `import 'spp-api-kit'`, the subpath exports and the bin, in an
 * empty project, from the packed tarball.
 *
 * The install runs with --ignore-scripts and takes the repository's compiled better-sqlite3 instead of compiling
 * it again (a minute on two cores; `npm run measure:packages` does the full install). Everything else is as a
 * user gets it.
 */
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInto, pack, packList, root, type Installed } from '../../scripts/packages.js';
import { defaultHtmlPath } from '../../src/docs/html.js';
import { defaultPostmanPath } from '../../src/docs/postman.js';

const run = promisify(execFile);
interface Manifest {
  version: string;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
const clientManifest = JSON.parse(await readFile(join(root, 'packages/client/package.json'), 'utf8')) as Manifest;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

/** Package names the shipped code loads at run time (type-only imports left out). */
async function runtimeImports(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const file of await sourceFiles(join(root, 'src'))) {
    const text = (await readFile(file, 'utf8')).replace(/^(import|export) type [^;]*;/gms, '');
    const specifiers = [
      // Statements only (a line that starts an import/export or closes its braces), not examples in comments.
      ...text.matchAll(/^(?:import|export|\})[^\n]*\bfrom '([^'.][^']*)';$/gm),
      ...text.matchAll(/\bimport\('([^'.][^']*)'\)/g),
      ...text.matchAll(/\brequire(?:\.resolve)?\('([^'.][^']*)'\)/g),
    ].map((m) => m[1]!);
    for (const s of specifiers) {
      if (s.startsWith('node:') || builtinModules.includes(s)) continue;
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      found.set(name, [...(found.get(name) ?? []), relative(root, file)]);
    }
  }
  return found;
}

describe('what spp-api-kit ships', () => {
  it('the package files: no sources, tests, built docs or the client workspace', async () => {
    const files = await packList('cli');
    for (const f of ['bin/spp-kit.js', 'fixtures/demo-clients.json', 'conformance/requirements.yaml', 'openapi/openapi.yaml', 'README.md'])
      expect(files, f).toContain(f);
    for (const f of files) expect(f, f).not.toMatch(/^(src|test|site|packages|scripts|bench|examples)\//);
  });

  it('builds the docs outside every published folder (npm run docs cannot change a package)', () => {
    for (const out of [defaultHtmlPath, defaultPostmanPath]) {
      for (const entry of [...manifest.files, ...clientManifest.files.map((f) => `packages/client/${f}`)]) {
        expect(out === entry || out.startsWith(`${entry.replace(/\/$/, '')}/`), `${out} inside ${entry}`).toBe(false);
      }
    }
  });

  it('depends on exactly what its code loads at run time, pinned', async () => {
    const imports = await runtimeImports();
    const dependencies = Object.keys(manifest.dependencies).sort();
    // Loaded by the code, not listed: would fail for a user.
    expect([...imports.keys()].filter((name) => !dependencies.includes(name)).map((n) => `${n} (${imports.get(n)!.join(', ')})`)).toEqual([]);
    // Listed, not loaded: would weigh on every install for nothing.
    expect(dependencies.filter((name) => !imports.has(name))).toEqual([]);
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the client package is the same version, with the same pinned dependency', () => {
    expect(clientManifest.version).toBe(manifest.version);
    for (const [name, version] of Object.entries(clientManifest.dependencies)) expect(manifest.dependencies[name], name).toBe(version);
  });

  it('every install script of the repository is declared (npm 11 allowScripts)', async () => {
    const { stdout } = await run('npm', ['install-scripts', 'ls'], { cwd: root });
    expect(stdout.trim()).toBe('No packages with unreviewed install scripts.');
  });
});

describe('spp-api-kit, packed and installed into an empty project', () => {
  let work: string;
  let installed: Installed;
  const node = (script: string) => run(process.execPath, ['--input-type=module', '-e', script], { cwd: installed.dir }).then((r) => r.stdout);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'spp-cli-package-'));
    const tarball = await pack('cli', work);
    installed = await installInto(join(work, 'project'), [tarball], ['--ignore-scripts']);
    // The native module's build, as its install script would have made it (see the module comment).
    await cp(
      join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
      join(installed.dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    );
  }, 240_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("has none of the development tools among its packages (Postman's converter, newman, playwright, the TypeScript toolchain)", () => {
    for (const name of ['openapi-to-postmanv2', '@faker-js/faker', 'newman', 'playwright-core', 'typescript', 'tsx', 'eslint', 'autocannon', 'oidc-provider'])
      expect(installed.packages, name).not.toContain(name);
  });

  it("import 'spp-api-kit' gives the server, the kit and the docs builders; the subpaths give the client and the contract", async () => {
    const out = await node(
      "const root = await import('spp-api-kit'); const client = await import('spp-api-kit/client'); const contract = await import('spp-api-kit/contract');" +
        'console.log(JSON.stringify({ root: Object.keys(root).sort(), client: typeof client.createSppClient, contract: contract.publishedContract.operations.size }));',
    );
    const parsed = JSON.parse(out) as { root: string[]; client: string; contract: number };
    expect(parsed.root).toEqual(
      expect.arrayContaining([
        'startReferenceServer',
        'loadConfig',
        'runConformance',
        'renderHtmlDocs',
        'buildPostmanCollection',
        'publishedContract',
        'demoCredentials',
      ]),
    );
    expect(parsed.client).toBe('function');
    expect(parsed.contract).toBeGreaterThan(20);
  });

  it('starts the reference server from code and from the bin, with the demo credentials in the banner', async () => {
    const out = await node(
      "import { startReferenceServer, loadConfig, demoCredentials } from 'spp-api-kit';" +
        "const server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:' }));" +
        "const res = await fetch(server.baseUrl + '/metadata'); console.log(JSON.stringify({ status: res.status, demo: demoCredentials(server.db).length })); await server.close();",
    );
    expect(JSON.parse(out)).toEqual({ status: 200, demo: 5 });
    const { stdout } = await run(join(installed.dir, 'node_modules/.bin/spp-kit'), ['--db', join(work, 'bin.db'), 'clients', 'demo'], { cwd: installed.dir });
    expect(stdout).toMatch(/^demo-full\s+demo-secret-full-do-not-deploy-\S+\s+DSWD integration, every scope$/m);
  });
});
