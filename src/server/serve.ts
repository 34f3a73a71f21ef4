/**
 * Starts the reference server on a socket: opens the database, loads the signing key once, creates the demo
 * data when asked, listens, and shuts down cleanly (in-flight requests finish, then the database closes).
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { contractFor } from '../contract/contract.js';
import { createApp, type DeployedResourceHandlers, type ResourceHandlers } from './app.js';
import { REALM } from './auth/bearer.js';
import { adapterErrorHandler, clientErrorHandler, limitedFetch, NODE_MAX_HEADER_SIZE } from './http-edge.js';
import { loadSigningKeys, type SigningKeys, type SigningKeySource } from './auth/keys.js';
import { ConfigError, type ServerConfig } from './config.js';
import { loadDemoClients } from './demo-clients.js';
import { loadDemoUsers } from './demo-users.js';
import { accessLogOf } from './registry/store/access-log.js';
import { withRequestLog, type RequestLogEntry } from './request-log.js';
import { openDatabase, type Db } from './store/db.js';
import { flushRateLimits } from './rate-limit/limiter.js';

export interface StartOptions {
  config: ServerConfig;
  resources: ResourceHandlers;
  /** The registry's handlers in the deployed dialect (for `--dialect deployed`). */
  deployedResources?: DeployedResourceHandlers;
  /** Loads demo registry data into an empty database (called when config.demo is on). */
  loadDemoData?: (db: Db) => void;
  software?: { name: string; version: string };
  log?: (line: string) => void;
  /** Called once per request with its log entry (see request-log.ts); none by default. */
  requestLog?: (entry: RequestLogEntry) => void;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8069/api/v2/spp */
  baseUrl: string;
  port: number;
  config: ServerConfig;
  db: Db;
  /** How tokens are signed and where the key came from (never the key itself). */
  signingKey: { algorithm: SigningKeys['algorithm']; source: SigningKeySource };
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        new ConfigError(
          e.code === 'EADDRINUSE' ? `port ${(e as { port?: number }).port ?? ''} is already in use (set PORT or --port)` : `cannot listen: ${e.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
    server.listen(port, host);
  });
}

/** With port 0 the real port is known only after listening; URLs that were derived from it follow it. */
function withActualPort(config: ServerConfig, port: number, explicitOrigin: boolean): ServerConfig {
  if (config.port === port || explicitOrigin) return { ...config, port };
  const publicOrigin = config.publicOrigin.replace(/:\d+$/, `:${port}`);
  const issuer = config.issuer.replace(config.publicOrigin, publicOrigin);
  const audience = config.audience.replace(config.publicOrigin, publicOrigin);
  return { ...config, port, publicOrigin, issuer, audience };
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  let db: Db;
  try {
    db = openDatabase(options.config.dbPath);
  } catch (e) {
    throw new ConfigError(`cannot open the database ${options.config.dbPath}: ${(e as Error).message}`);
  }
  try {
    if (options.config.demo) {
      if (loadDemoClients(db)) log('created the demo organizations and clients');
      if (loadDemoUsers(db)) log('created the demo users and their applications');
      options.loadDemoData?.(db);
    }
    // The app needs the real port (for port 0) before it exists; requests that arrive before then wait for it.
    let ready!: (app: ReturnType<typeof createApp>) => void;
    const appReady = new Promise<ReturnType<typeof createApp>>((resolve) => (ready = resolve));
    const render = { realm: REALM };
    const contract = contractFor(options.config.dialect);
    const fetch = limitedFetch(contract, render, async (req, env) => (await appReady).fetch(req, env));
    const listener = getRequestListener(options.requestLog ? withRequestLog(fetch, options.requestLog) : fetch, {
      errorHandler: adapterErrorHandler(contract, render),
    });
    // The listener handles its own errors (errorHandler above); the promise it returns needs no one's attention.
    const server = createServer({ maxHeaderSize: NODE_MAX_HEADER_SIZE }, (req, res) => void listener(req, res));
    server.on('clientError', clientErrorHandler(contract, render));
    const address = await listen(server, options.config.port, options.config.host);
    const config = withActualPort(options.config, address.port, options.config.port !== 0);
    const keys = await loadSigningKeys(config, db);
    ready(
      createApp({
        config,
        db,
        keys,
        resources: options.resources,
        ...(options.deployedResources ? { deployedResources: options.deployedResources } : {}),
        ...(options.software ? { software: options.software } : {}),
        onError: (op, error, errorId) =>
          log(`error ${errorId} in ${op?.id ?? '(no operation)'}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      }),
    );

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          accessLogOf(db).flush();
          flushRateLimits(db);
          db.close();
          resolve();
        });
        // Idle keep-alive sockets would hold close() open; requests in flight still finish.
        if ('closeIdleConnections' in server) (server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
      }));
    return {
      baseUrl: `${config.publicOrigin}${config.basePath}`,
      port: address.port,
      config,
      db,
      signingKey: { algorithm: keys.algorithm, source: keys.source },
      close,
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
