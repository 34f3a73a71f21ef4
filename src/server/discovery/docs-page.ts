/**
 * The documentation page served at GET /docs: the page `npm run docs` built, or, when there is none, one
 * rendered on first request (about a second) and kept in memory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../../contract/contract.js';
import { renderHtmlDocs } from '../../docs/html.js';

const pages = new Map<Dialect, Promise<string>>();
const BUILT: Record<Dialect, string> = { published: 'index.html', deployed: 'deployed.html' };
const BUNDLED: Record<Dialect, string> = { published: 'openapi.json', deployed: 'deployed.json' };

async function load(dialect: Dialect): Promise<string> {
  const built = new URL(`../../../dist/docs/${BUILT[dialect]}`, import.meta.url);
  try {
    return await readFile(built, 'utf8');
  } catch {
    const dir = await mkdtemp(join(tmpdir(), 'spp-docs-'));
    try {
      const { path } = await renderHtmlDocs(join(dir, 'index.html'), fileURLToPath(new URL(`../../contract/generated/${BUNDLED[dialect]}`, import.meta.url)));
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
