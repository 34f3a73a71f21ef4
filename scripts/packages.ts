/**
 * Packing and installing the two published packages the way a user gets them: `npm pack`, then `npm install` of
 * the tarball into an empty project. Used by `npm run measure:packages` and by the packaging tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = fileURLToPath(new URL('..', import.meta.url));

/** The published packages: the kit with its CLI (the repository root) and the standalone client. */
export const PACKAGES = {
  cli: { name: 'spp-api-kit', workspace: undefined },
  client: { name: '@spp-api-kit/client', workspace: 'packages/client' },
} as const;

/** `npm pack` (which builds: prepack) into `destination`; returns the tarball's path. */
export async function pack(which: keyof typeof PACKAGES, destination: string, options: { ignoreScripts?: boolean } = {}): Promise<string> {
  const workspace = PACKAGES[which].workspace;
  const args = [
    'pack',
    '--json',
    '--pack-destination',
    destination,
    ...(workspace ? ['--workspace', workspace] : []),
    ...(options.ignoreScripts ? ['--ignore-scripts'] : []),
  ];
  const { stdout } = await run('npm', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const [info] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(destination, info!.filename);
}

/** The files a pack would contain, without building or writing anything. */
export async function packList(which: keyof typeof PACKAGES): Promise<string[]> {
  const workspace = PACKAGES[which].workspace;
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...(workspace ? ['--workspace', workspace] : [])], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return info!.files.map((f) => f.path);
}

export interface Installed {
  dir: string;
  /** Bytes under node_modules (file sizes, as `du --apparent-size` counts them). */
  bytes: number;
  /** Bytes as `du -sk` counts them (disk blocks, what `du -sh` shows). */
  diskBytes: number;
  /** Installed packages, each once (`npm ls --all --parseable`). */
  packages: string[];
  /** npm's warnings about install scripts (npm 11 `allowScripts`). */
  scriptWarnings: string[];
}

async function apparentSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await apparentSize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Installs tarballs into `dir` (an empty project is created there) and measures what landed in node_modules. */
export async function installInto(dir: string, tarballs: string[], extraArgs: string[] = []): Promise<Installed> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const { stderr } = await run('npm', ['install', ...tarballs, '--no-audit', '--no-fund', '--prefer-offline', ...extraArgs], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const { stdout: ls } = await run('npm', ['ls', '--all', '--parseable'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const packages = [...new Set(ls.trim().split('\n').slice(1))].map((p) => p.slice(join(dir, 'node_modules').length + 1));
  const { stdout: du } = await run('du', ['-sk', join(dir, 'node_modules')]);
  return {
    dir,
    bytes: await apparentSize(join(dir, 'node_modules')),
    diskBytes: Number(du.split(/\s/)[0]) * 1024,
    packages,
    scriptWarnings: stderr.split('\n').filter((l) => l.includes('install-scripts')),
  };
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
