/**
 * The documentation page served at GET /docs: the dialect's page `npm run docs` built (site/, in a checkout), or,
 * when there is none, one rendered on first request (a few seconds) and kept in memory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Dialect } from '../../contract/contract.js';
import { defaultHtmlPath, DIALECT_PAGES, renderHtmlDocs } from '../../docs/html.js';

const pages = new Map<Dialect, Promise<string>>();

async function load(dialect: Dialect): Promise<string> {
  const built = new URL(`../../../${join(dirname(defaultHtmlPath), DIALECT_PAGES[dialect].file!)}`, import.meta.url);
  try {
    return await readFile(built, 'utf8');
  } catch {
    const dir = await mkdtemp(join(tmpdir(), 'spp-docs-'));
    try {
      const { path } = await renderHtmlDocs(join(dir, 'index.html'), [DIALECT_PAGES[dialect]]);
      return await readFile(path, 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The documentation page of a dialect's contract. */
export function docsPage(dialect: Dialect = 'published'): Promise<string> {
  let page = pages.get(dialect);
  if (!page) {
    page = load(dialect).catch((e: unknown) => {
      pages.delete(dialect); // let the next request try again
      throw e;
    });
    pages.set(dialect, page);
  }
  return page;
}
