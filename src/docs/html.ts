/**
 * Renders contracts as self-contained HTML pages with Redocly (`build-docs --inlineBundle`: the Redoc scripts are
 * embedded, so a page renders offline and makes no network request at all).
 *
 * What is rendered is a copy of each contract's document prepared for people: request samples per operation
 * (curl and the typed client, `x-codeSamples`, generated from the contract's examples), server descriptions as
 * plain text (Redoc does not render Markdown there). The contract itself is not changed.
 *
 * Several documents (dialects of the API, e.g. the contract and what a deployment actually serves) give one page
 * each — the first at the given path, the others beside it — with links between them at the top of every page.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { deployedContract, publishedContract, type Contract, type Dialect } from '../contract/contract.js';
import type { OpenApiDocument } from '../contract/document.js';
import { differencesPage, DIFFERENCES_FILE } from './differences-page.js';
import { codeSamples, SAMPLE_LANGUAGES } from './samples.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Where `npm run docs` puts the page: a build folder of its own, never inside a published package. */
export const defaultHtmlPath = 'site/index.html';

/** One document to render. */
export interface DocsSource {
  contract: Contract;
  /** Shown in the links between pages; default the document's title. */
  label?: string;
  /** File name of the page (the first source's page is the output path itself); default derived from the label. */
  file?: string;
}

/** The pages of the two dialects: the published contract at the output path itself, the deployed one beside it. */
export const DIALECT_PAGES: Readonly<Record<Dialect, DocsSource>> = {
  published: { contract: publishedContract, label: 'Published dialect', file: 'index.html' },
  deployed: { contract: deployedContract, label: 'Deployed dialect (spp_api_v2)', file: 'deployed.html' },
};

export interface RenderedPage {
  label: string;
  path: string;
  bytes: number;
}

// Redoc's sidebar badge loads its image from a CDN; an inline image of the same words keeps the page offline.
const REDOC_BADGES = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g;
const OFFLINE_BADGE =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='48' height='16'%3E%3Ctext x='0' y='12' font-family='sans-serif' font-size='12' fill='%23888'%3ERedocly%3C/text%3E%3C/svg%3E";

function redoclyBin(): string {
  let pkgPath: string;
  try {
    pkgPath = require.resolve('@redocly/cli/package.json');
  } catch {
    throw new Error('rendering the documentation needs @redocly/cli (a dependency of spp-api-kit): reinstall, e.g. `npm install @redocly/cli@2.77.0`');
  }
  const pkg = JSON.parse(require('node:fs').readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> | string };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin.redocly ?? Object.values(pkg.bin)[0]!);
  return join(dirname(pkgPath), bin);
}

/** The document as it is rendered: the contract plus request samples, with plain-text server descriptions. */
export function renderingDocument(contract: Contract): OpenApiDocument {
  const doc = structuredClone(contract.document);
  for (const server of [...(doc.servers ?? []), ...Object.values(doc.paths).flatMap((item) => item.servers ?? [])]) {
    if (server.description) server.description = server.description.replace(/`([^`]*)`/g, '$1');
  }
  for (const op of contract.operations.values()) {
    const operation = doc.paths[op.pathTemplate]?.[op.method.toLowerCase() as 'get'];
    if (operation && operation['x-codeSamples'] === undefined) operation['x-codeSamples'] = codeSamples(contract, op);
  }
  return doc;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'api'
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Links to every page, the current one marked (-1: none); injected at the top of each page when there are several. */
function dialectBar(pages: ReadonlyArray<{ label: string; file: string }>, current: number): string {
  const links = pages.map((p, i) =>
    i === current ? `<strong>${escapeHtml(p.label)}</strong>` : `<a href="${escapeHtml(encodeURIComponent(p.file))}">${escapeHtml(p.label)}</a>`,
  );
  return `<nav id="spp-dialects" style="font:14px sans-serif;padding:8px 16px;background:#f4f6f8;border-bottom:1px solid #dde">Dialects: ${links.join(' · ')}</nav>`;
}

/**
 * Writes one page per source (the first at `outFile`) and returns them. Redocly runs with telemetry and update
 * checks off, so the build makes no network request either.
 */
export async function renderHtmlDocs(
  outFile = defaultHtmlPath,
  sources: readonly DocsSource[] = [DIALECT_PAGES.published, DIALECT_PAGES.deployed],
): Promise<RenderedPage & { pages: RenderedPage[] }> {
  if (sources.length === 0) throw new Error('renderHtmlDocs needs at least one document');
  const out = resolve(outFile);
  await mkdir(dirname(out), { recursive: true });
  const pages = sources.map((s, i) => {
    const label = s.label ?? s.contract.document.info.title;
    return { source: s, label, file: i === 0 ? basename(out) : (s.file ?? `${slug(label)}.html`) };
  });
  if (new Set(pages.map((p) => p.file)).size !== pages.length)
    throw new Error('two documentation pages would have the same file name: give each source its own file');
  const work = await mkdtemp(join(tmpdir(), 'spp-docs-build-'));
  const rendered: RenderedPage[] = [];
  try {
    // Redoc shows only the sample languages its configuration lists (and then offers a switch between them).
    const config = join(work, 'redocly.yaml');
    await writeFile(config, JSON.stringify({ openapi: { codeSamples: { languages: SAMPLE_LANGUAGES } } }));
    for (const [i, page] of pages.entries()) {
      const input = join(work, `document-${i}.json`);
      await writeFile(input, JSON.stringify(renderingDocument(page.source.contract)));
      const target = join(dirname(out), page.file);
      await run(
        process.execPath,
        [redoclyBin(), 'build-docs', input, '--output', target, '--inlineBundle', '--title', page.label, '--config', config, '--lint-config', 'off'],
        {
          // Redocly otherwise phones home for telemetry and update checks; this machine (and many CI runners) are offline.
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      let html = (await readFile(target, 'utf8')).replace(REDOC_BADGES, OFFLINE_BADGE);
      const links = [...pages, { label: 'Differences', file: DIFFERENCES_FILE }];
      if (pages.length > 1) html = html.replace(/<body([^>]*)>/, (m) => `${m}${dialectBar(links, i)}`);
      await writeFile(target, html);
      rendered.push({ label: page.label, path: target, bytes: Buffer.byteLength(html) });
    }
    if (pages.length > 1) rendered.push(await writeDifferences(dirname(out), pages));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { ...rendered[0]!, pages: rendered };
}

/** The page listing every difference between the first two documents, linked from every page. */
async function writeDifferences(dir: string, pages: ReadonlyArray<{ source: DocsSource; label: string; file: string }>): Promise<RenderedPage> {
  const [a, b] = pages as [(typeof pages)[number], (typeof pages)[number]];
  const label = 'Differences';
  const html = differencesPage(
    { contract: a.source.contract, label: a.label },
    { contract: b.source.contract, label: b.label },
    dialectBar([...pages, { label, file: DIFFERENCES_FILE }], pages.length),
  );
  const path = join(dir, DIFFERENCES_FILE);
  await writeFile(path, html);
  return { label, path, bytes: Buffer.byteLength(html) };
}
