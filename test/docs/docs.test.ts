import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlDocs } from '../../src/docs/html.js';
import { buildPostmanCollection, postmanRequests } from '../../src/docs/postman.js';
import { operationIndex } from '../../src/contract/index.js';
import { contract } from '../../src/contract/index.js';
import { CHROMIUM_ARGS, chromiumPath } from './browser.js';

const executablePath = chromiumPath();
// CI installs Chromium (.ci/run); there, a missing browser is a failure, not a reason to skip.
if (!executablePath && process.env.CI) throw new Error('Chromium not found (install the Debian package chromium or set CHROMIUM_PATH)');

let dir: string;
let htmlFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spp-docs-'));
  htmlFile = (await renderHtmlDocs(join(dir, 'index.html'))).path;
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run docs: one self-contained HTML page', () => {
  it('loads no script or style from the network', async () => {
    const html = await readFile(htmlFile, 'utf8');
    expect(html.length).toBeGreaterThan(500_000);
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:[^>]+stylesheet/i);
  });

  it.skipIf(!executablePath)(
    'renders every operation of the contract in a browser with the network cut off',
    async () => {
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requested: string[] = [];
        await page.route('**/*', (route) => {
          const url = route.request().url();
          if (/^(file|data|blob):/.test(url)) return route.continue();
          requested.push(url);
          return route.abort();
        });
        await page.goto(pathToFileURL(htmlFile).href);
        await page.getByText('Getting started', { exact: true }).first().waitFor({ timeout: 30_000 });
        const tags = (contract.tags as Array<{ name: string }>).map((t) => t.name);
        const missing: string[] = [];
        // Redoc renders one tag's operations at a time: open each tag from the sidebar and read what is on screen.
        for (const tag of tags) {
          await page.locator('nav, aside, [role="navigation"], body').getByText(tag, { exact: true }).first().click();
          const ops = [...operationIndex.values()].filter((op) => op.tags.includes(tag));
          await page.getByText(ops[0]!.summary, { exact: true }).first().waitFor({ timeout: 15_000 });
          const text = await page.innerText('body');
          for (const op of ops) if (!text.includes(op.summary)) missing.push(`${tag}: ${op.id} (${op.summary})`);
          const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
          for (const op of ops) if (!hrefs.some((h) => h.endsWith(`/${op.id.toLowerCase()}`))) missing.push(`${tag}: no link to ${op.id}`);
        }
        expect(missing).toEqual([]);
        expect(tags.flatMap((t) => [...operationIndex.values()].filter((op) => op.tags.includes(t))).length).toBe(operationIndex.size);
        // The only network request is Redocly's badge image, which the page hides when it cannot load.
        expect(requested.filter((u) => !/^https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg$/.test(u))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});

describe('npm run docs:postman', () => {
  it('has one request per operation, with its method and path', async () => {
    const collection = await buildPostmanCollection();
    const requests = postmanRequests(collection.item);
    expect(requests).toHaveLength(operationIndex.size);
    const signatures = requests.map((r) => {
      const url = r.request!.url as { path?: string[] };
      return `${r.request!.method} /${(url.path ?? []).join('/')}`;
    });
    for (const op of operationIndex.values()) {
      const path = op.pathTemplate.replace(/\{([^}]+)\}/g, ':$1');
      expect(signatures, `${op.method} ${path}`).toContainEqual(expect.stringMatching(new RegExp(`^${op.method} .*${path.replace(/[$.]/g, '\\$&')}$`)));
    }
  });
});
