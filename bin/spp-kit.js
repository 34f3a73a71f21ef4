#!/usr/bin/env node
// The spp-kit command. The published package runs the compiled dist/ (built by `npm pack`); a checkout of the
// repository has no dist/ to keep current and runs the TypeScript sources through tsx (a devDependency), so
// `npm start` and `npx spp-kit` always run what is in src/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
