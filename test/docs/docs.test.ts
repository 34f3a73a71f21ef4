import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, publishedContract } from '../../src/contract/contract.js';
import { operationIndex } from '../../src/contract/index.js';
import { contract } from '../../src/contract/index.js';
import { renderHtmlDocs } from '../../src/docs/html.js';
import { curlSample } from '../../src/docs/samples.js';
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
  it("loads no script, style or image from the network (not even Redoc's badge)", async () => {
    const html = await readFile(htmlFile, 'utf8');
    expect(html.length).toBeGreaterThan(500_000);
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:[^>]+stylesheet/i);
    expect(html).not.toContain('cdn.redoc.ly');
  });

  it('carries request samples for every operation and plain-text server descriptions', async () => {
    const html = await readFile(htmlFile, 'utf8');
    // Redoc embeds the rendered document in the page as JSON.
    expect(html.match(/"x-codeSamples":/g)?.length).toBeGreaterThanOrEqual(operationIndex.size);
    expect(html).toContain('Local reference server (npm start)');
    expect(html).not.toContain('Local reference server (`npm start`)');
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
          // Each operation shows its request samples (curl first; the typed client one tab further).
          // Each operation shows its curl sample beside it (Redoc renders what is near the screen: go to each one).
          for (const op of ops) {
            await page.locator(`a[href$="/${op.id.toLowerCase()}"]`).first().click();
            const firstLine = curlSample(publishedContract, publishedContract.operation(op.id)).split('\n')[0]!;
            const shown = await page
              .locator('[data-testid="source-code"]', { hasText: firstLine })
              .first()
              .waitFor({ timeout: 10_000 })
              .then(
                () => true,
                () => false,
              );
            if (!shown) missing.push(`${tag}: no curl sample for ${op.id}`);
          }
          const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
          for (const op of ops) if (!hrefs.some((h) => h.endsWith(`/${op.id.toLowerCase()}`))) missing.push(`${tag}: no link to ${op.id}`);
        }
        expect(missing).toEqual([]);
        // The sample switch of an operation offers the typed client, which shows the call with the client.
        await page.locator('[data-testid="right-panel"]').getByRole('button', { name: 'curl', exact: true }).first().click();
        await page.getByText('typed client', { exact: true }).first().click();
        await page.getByText("import { createSppClient } from '@spp-api-kit/client';").first().waitFor({ timeout: 15_000 });
        expect(tags.flatMap((t) => [...operationIndex.values()].filter((op) => op.tags.includes(t))).length).toBe(operationIndex.size);
        expect(requested).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});

describe('npm run docs with a second dialect', () => {
  it('writes one page per document and one of their differences, each linking to the others', async () => {
    const deployed = structuredClone(publishedContract.document);
    deployed.info.title = 'OpenSPP API V2 (as deployed)';
    delete deployed.paths['/Group/{identifier}/member/{member}'];
    const out = join(dir, 'two', 'index.html');
    const { pages } = await renderHtmlDocs(out, [
      { contract: publishedContract, label: 'Contract' },
      { contract: new Contract(deployed), label: 'As deployed' },
    ]);
    expect(pages.map((p) => p.path)).toEqual([out, join(dir, 'two', 'as-deployed.html'), join(dir, 'two', 'differences.html')]);
    const [first, second, differences] = await Promise.all(pages.map((p) => readFile(p.path, 'utf8')));
    expect(first).toContain('<a href="as-deployed.html">As deployed</a>');
    expect(first).toContain('<a href="differences.html">Differences</a>');
    expect(second).toContain('<a href="index.html">Contract</a>');
    expect(second).toContain('OpenSPP API V2 (as deployed)');
    // The one operation the copy lacks is its one difference.
    expect(differences).toContain(': 1 difference<');
    expect(differences).toContain('PATCH /Group/{identifier}/member/{member}');
  }, 120_000);
});
