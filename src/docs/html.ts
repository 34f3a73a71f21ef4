/**
 * Renders the contract as one self-contained HTML page with Redocly (`build-docs --inlineBundle`: the Redoc
 * scripts are embedded, so the page renders offline).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export const bundledContractPath = fileURLToPath(new URL('../contract/generated/openapi.json', import.meta.url));
export const defaultHtmlPath = 'dist/docs/index.html';

function redoclyBin(): string {
  const pkgPath = require.resolve('@redocly/cli/package.json');
  const pkg = JSON.parse(require('node:fs').readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin.redocly ?? Object.values(pkg.bin)[0]!);
  return join(dirname(pkgPath), bin);
}

/** Writes the documentation page of a bundled contract (the published one by default) and returns its absolute path and size. */
export async function renderHtmlDocs(outFile = defaultHtmlPath, contractPath = bundledContractPath): Promise<{ path: string; bytes: number }> {
  const out = resolve(outFile);
  await mkdir(dirname(out), { recursive: true });
  const title = 'OpenSPP API V2';
  await run(process.execPath, [redoclyBin(), 'build-docs', contractPath, '--output', out, '--inlineBundle', '--title', title, '--lint-config', 'off'], {
    // Redocly otherwise phones home for telemetry and update checks; this machine (and many CI runners) are offline.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const bytes = (await readFile(out)).byteLength;
  return { path: out, bytes };
}
