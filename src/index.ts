/**
 * `import … from 'spp-api-kit'`: the kit's faces as functions, for tests and scripts that embed them.
 *
 * | entry point | what |
 * |---|---|
 * | `spp-api-kit` | this module: start the reference server, run the conformance kit, build the docs |
 * | `spp-api-kit/contract` | the contract as a value (operations, validators, errors) and `mountOperations` |
 * | `spp-api-kit/client` | the typed client (the same code as the standalone package `@spp-api-kit/client`) |
 * | `spp-kit` (bin) | the command line: serve, clients, consent, seed, conformance, docs |
 *
 * ```ts
 * const server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:' }));
 * const { exitCode } = await runConformance({ targetFile: 'target.yaml', baseUrl: server.baseUrl });
 * await server.close();
 * ```
 */
export { publishedContract, type Contract } from './contract/contract.js';
export { ConfigError, loadConfig, type ServerConfig } from './server/config.js';
export { demoCredentials, type DemoCredential } from './server/demo-clients.js';
export { software, startReferenceServer } from './server/reference.js';
export type { RunningServer } from './server/serve.js';
export { runConformance, type RunOptions, type RunOutcome } from './conformance/runner.js';
export { renderHtmlDocs, type DocsSource } from './docs/html.js';
export { buildPostmanCollection, type PostmanCollection } from './docs/postman.js';
