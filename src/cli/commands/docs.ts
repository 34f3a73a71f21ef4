import type { Command } from 'commander';
import { defaultHtmlPath, renderHtmlDocs } from '../../docs/html.js';
import { defaultPostmanPath, writePostmanCollection } from '../../docs/postman.js';

/** spp-kit docs html|postman */
export function register(program: Command): void {
  const docs = program.command('docs').description('Publish the API documentation built from the contract');
  docs
    .command('html')
    .description('Render the contract as one self-contained HTML page (renders offline)')
    .option('-o, --out <file>', 'output file', defaultHtmlPath)
    .action(async (opts: { out: string }) => {
      const { path, bytes } = await renderHtmlDocs(opts.out);
      console.log(`wrote ${path} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
    });
  docs
    .command('postman')
    .description('Write a Postman collection generated from the contract')
    .option('-o, --out <file>', 'output file', defaultPostmanPath)
    .action(async (opts: { out: string }) => {
      const { path, requests } = await writePostmanCollection(opts.out);
      console.log(`wrote ${path} (${requests} requests)`);
    });
}
