/**
 * npm run measure:packages — what a user installs: packs the CLI package (spp-api-kit) and the client package
 * (@spp-api-kit/client), installs each tarball into an empty project (npm registry for the dependencies) and
 * prints the installed size and package count of each, the largest packages, and npm's install-script warnings.
 * The CLI install compiles better-sqlite3 (about a minute on two cores).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installInto, mb, pack, type Installed } from './packages.js';

async function largest(installed: Installed, n = 8): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const dirs = installed.packages.filter((p) => !p.includes('/node_modules/')).map((p) => join(installed.dir, 'node_modules', p));
  const { stdout } = await promisify(execFile)('du', ['-sk', ...dirs], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t') as [string, string])
    .sort((a, b) => Number(b[0]) - Number(a[0]))
    .slice(0, n)
    .map(([kb, path]) => `${mb(Number(kb) * 1024).padStart(8)}  ${path.slice(path.indexOf('node_modules/') + 13)}`);
}

const work = await mkdtemp(join(tmpdir(), 'spp-measure-'));
try {
  const results: Record<string, unknown> = {};
  for (const which of ['client', 'cli'] as const) {
    const tarball = await pack(which, work);
    const installed = await installInto(join(work, which), [tarball]);
    results[which] = { tarball, bytes: installed.bytes, diskBytes: installed.diskBytes, packages: installed.packages.length };
    console.log(`${which}: ${tarball.slice(work.length + 1)}`);
    console.log(`  installed: ${mb(installed.diskBytes)} on disk (du -sk), ${mb(installed.bytes)} of files; ${installed.packages.length} packages`);
    for (const line of await largest(installed)) console.log(`  ${line}`);
    for (const w of installed.scriptWarnings) console.log(`  ${w}`);
  }
  console.log(JSON.stringify(results));
} finally {
  await rm(work, { recursive: true, force: true });
}
