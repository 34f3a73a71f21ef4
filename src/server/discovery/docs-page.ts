/**
 * The documentation page served at GET /docs: the page `npm run docs` built (site/index.html, in a checkout), or,
 * when there is none, one rendered on first request (a few seconds) and kept in memory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHtmlPath, renderHtmlDocs } from '../../docs/html.js';

let page: Promise<string> | undefined;

async function load(): Promise<string> {
  const built = new URL(`../../../${defaultHtmlPath}`, import.meta.url);
  try {
    return await readFile(built, 'utf8');
  } catch {
    const dir = await mkdtemp(join(tmpdir(), 'spp-docs-'));
    try {
      const { path } = await renderHtmlDocs(join(dir, 'index.html'));
      return await readFile(path, 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export function docsPage(): Promise<string> {
  page ??= load().catch((e: unknown) => {
    page = undefined; // let the next request try again
    throw e;
  });
  return page;
}
