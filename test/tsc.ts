/** Type-checking code as an integrator would write it (README blocks, request samples, a consumer project) with tsc. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = fileURLToPath(new URL('..', import.meta.url));

/** Strict ESM (NodeNext) options with Node's types from the repository. */
export function consumerOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    ...extra,
  };
}

/** Writes `dir/<config>` for `files` and runs tsc on it; returns tsc's report ('' when it found nothing). */
export async function typecheck(dir: string, files: string[], options: Record<string, unknown>, config = 'tsconfig.json'): Promise<string> {
  await writeFile(join(dir, config), JSON.stringify({ compilerOptions: options, files }));
  return run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, config)], { cwd: dir }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );
}
