import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateContractArtefacts } from '../../scripts/contract-artefacts.js';

describe('generated contract artefacts', () => {
  it('are current: the committed bundle and types equal what openapi/ generates (else run `npm run gen`)', async () => {
    const artefacts = await generateContractArtefacts();
    for (const [name, expected] of Object.entries(artefacts)) {
      const committed = await readFile(new URL(`../../src/contract/generated/${name}`, import.meta.url), 'utf8');
      // Compare as a boolean: a diff of two 200 kB files helps nobody; the message says what to do.
      expect(committed === expected, `src/contract/generated/${name} is stale: run npm run gen`).toBe(true);
    }
  });
});
