/**
 * Regenerates the artefacts derived from the contract: the bundled document (one JSON file, loaded by the
 * server, the validators and the kit) and the TypeScript types (openapi-typescript).
 *
 *   npm run gen            write src/contract/generated/{openapi,deployed}.json and {types,deployed-types}.ts
 *   npm run gen -- --check exit 1 if the committed files differ from what the contract generates
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateContractArtefacts } from './contract-artefacts.js';

const outDir = new URL('../src/contract/generated/', import.meta.url);
const check = process.argv.includes('--check');
const artefacts = await generateContractArtefacts();
let stale = 0;
for (const [name, text] of Object.entries(artefacts)) {
  const target = new URL(name, outDir);
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current === text) continue;
  if (check) {
    console.error(`stale: ${fileURLToPath(target)} (run npm run gen)`);
    stale++;
  } else {
    await writeFile(target, text);
    console.log(`wrote ${fileURLToPath(target)}`);
  }
}
process.exitCode = stale ? 1 : 0;
