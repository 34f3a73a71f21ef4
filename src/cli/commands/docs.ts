import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { loadContract } from '../../contract/contract.js';
import { defaultHtmlPath, DIALECT_PAGES, renderHtmlDocs, type DocsSource } from '../../docs/html.js';
import { defaultPostmanPath, writePostmanCollection } from '../../docs/postman.js';
import { readDemoFixture } from '../../server/demo-clients.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** spp-kit docs html|postman */
export function register(program: Command): void {
  const docs = program.command('docs').description('Publish the API documentation built from the contract');
  docs
    .command('html')
    .description("Render both dialects' contracts as self-contained HTML pages, linked to each other (they render offline, with request samples)")
    .option('-o, --out <file>', 'output file', defaultHtmlPath)
    .option('--also <document>', 'another dialect of the API (a bundled OpenAPI JSON document): one more page, linked from the first (repeatable)', collect, [])
    .action(async (opts: { out: string; also: string[] }) => {
      const sources: DocsSource[] = [
        DIALECT_PAGES.published,
        DIALECT_PAGES.deployed,
        ...opts.also.map((file) => ({ contract: loadContract(pathToFileURL(file)) })),
      ];
      const { pages } = await renderHtmlDocs(opts.out, sources);
      for (const page of pages) console.log(`wrote ${page.path} (${(page.bytes / 1024 / 1024).toFixed(1)} MiB): ${page.label}`);
    });
  docs
    .command('postman')
    .description('Write a Postman collection generated from the contract (variables baseUrl, clientId, clientSecret)')
    .option('-o, --out <file>', 'output file', defaultPostmanPath)
    .option('--no-demo-credentials', "leave clientId and clientSecret empty instead of the reference server's public demo credentials")
    .action(async (opts: { out: string; demoCredentials: boolean }) => {
      const full = readDemoFixture().clients.find((c) => c.role === 'full');
      const credentials = opts.demoCredentials && full ? { clientId: full.clientId, clientSecret: full.clientSecret } : undefined;
      const { path, requests, bytes } = await writePostmanCollection(opts.out, { credentials });
      console.log(`wrote ${path} (${requests} requests, ${Math.round(bytes / 1024)} KiB)`);
    });
}
