/**
 * The reference server as `spp-kit serve` and `npm start` run it: the auth side (app.ts) composed with the
 * registry's handlers and demo data.
 */
import { readFileSync } from 'node:fs';
import type { ServerConfig } from './config.js';
import { loadDemoRegistry } from './registry/demo.js';
import { deployedRegistry } from './dialects/deployed/registry.js';
import { registryHandlers } from './registry/handlers.js';
import { startServer, type RunningServer } from './serve.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const software = { name: 'spp-api-kit reference server', version: pkg.version };

export function startReferenceServer(config: ServerConfig, options: { log?: (line: string) => void } = {}): Promise<RunningServer> {
  return startServer({
    config,
    resources: registryHandlers,
    deployedResources: deployedRegistry,
    loadDemoData: (db) => loadDemoRegistry(db),
    software,
    ...(options.log ? { log: options.log } : {}),
  });
}
