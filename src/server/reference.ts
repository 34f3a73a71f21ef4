/**
 * The reference server as `spp-kit serve` and `npm start` run it: the auth side (app.ts) composed with the
 * registry's handlers and demo data.
 */
import { readFileSync } from 'node:fs';
import type { ServerConfig } from './config.js';
import { loadDemoRegistry } from './registry/demo.js';
import { deployedRegistry } from './dialects/deployed/registry.js';
import { registryHandlers } from './registry/handlers.js';
import type { RequestLogEntry } from './request-log.js';
import { startServer, type RunningServer } from './serve.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const software = { name: 'spp-api-kit reference server', version: pkg.version };

export interface ReferenceServerOptions {
  /** Start-up and error lines (none by default). */
  log?: (line: string) => void;
  /** One call per request (none by default); `spp-kit serve` writes them as `--log pretty|json`. */
  requestLog?: (entry: RequestLogEntry) => void;
}

export function startReferenceServer(config: ServerConfig, options: ReferenceServerOptions = {}): Promise<RunningServer> {
  return startServer({
    config,
    resources: registryHandlers,
    deployedResources: deployedRegistry,
    loadDemoData: (db) => loadDemoRegistry(db),
    software,
    ...(options.log ? { log: options.log } : {}),
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
  });
}
