import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../../server/config.js';
import { startupBanner } from '../../server/banner.js';
import { demoCredentials } from '../../server/demo-clients.js';
import { software, startReferenceServer } from '../../server/reference.js';
import { formatEntry, type RequestLogEntry } from '../../server/request-log.js';

interface ServeOptions {
  dialect?: string;
  port?: string;
  host?: string;
  demo?: boolean;
  jwtAlg?: string;
  jwtKeyFile?: string;
  tokenLifetime?: string;
  trustProxy?: boolean;
  allowQueryCredentials?: boolean;
  validateResponses?: boolean;
  log?: string;
}

/** spp-kit serve — flags override the environment (PORT, HOST, SPP_DB, OPENSPP_JWT_SECRET, SPP_*). */
export function register(program: Command): void {
  // --db is the program-wide option (spp-kit --db FILE serve, or spp-kit serve --db FILE).
  program
    .command('serve')
    .description('Run the reference server (demo data in an embedded SQLite file by default)')
    .option('--dialect <dialect>', 'published (the published pages, default) | deployed (what OpenSPP deployments serve) (env SPP_DIALECT)')
    .option('-p, --port <port>', 'port (env PORT, default 8069)')
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--no-demo', 'do not load the demo clients and registry into an empty database (env SPP_DEMO=false)')
    .option('--jwt-alg <alg>', 'HS256 | ES256 | RS256 (env SPP_JWT_ALG)')
    .option('--jwt-key-file <file>', 'PKCS#8 PEM private key for ES256/RS256 (env SPP_JWT_KEY_FILE)')
    .option('--token-lifetime <seconds>', 'default token lifetime (env SPP_TOKEN_LIFETIME, default 3600; 86400 with --dialect deployed)')
    .option('--trust-proxy', 'take the client address from X-Forwarded-For (env SPP_TRUST_PROXY)')
    .option('--allow-query-credentials', 'accept token credentials in the URL query, OpenCRVS style (env SPP_ALLOW_QUERY_CREDENTIALS)')
    .option('--validate-responses', 'check every response against the contract before sending it (env SPP_VALIDATE_RESPONSES)')
    .option('--log <format>', 'request log: pretty | json | off (env SPP_LOG, default pretty)')
    .action(async (opts: ServeOptions) => {
      const flags: ConfigInput = {
        SPP_DIALECT: opts.dialect,
        PORT: opts.port,
        HOST: opts.host,
        SPP_DB: program.opts().db as string | undefined,
        SPP_DEMO: opts.demo === false ? 'false' : undefined,
        SPP_JWT_ALG: opts.jwtAlg,
        SPP_JWT_KEY_FILE: opts.jwtKeyFile,
        SPP_TOKEN_LIFETIME: opts.tokenLifetime,
        SPP_TRUST_PROXY: opts.trustProxy ? 'true' : undefined,
        SPP_ALLOW_QUERY_CREDENTIALS: opts.allowQueryCredentials ? 'true' : undefined,
        SPP_VALIDATE_RESPONSES: opts.validateResponses ? 'true' : undefined,
        SPP_LOG: opts.log,
      };
      const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
      const config = loadConfig({ ...process.env, ...defined });
      const format = config.requestLog;
      const server = await startReferenceServer(config, {
        log: (line) => console.log(line),
        ...(format === 'off' ? {} : { requestLog: (entry: RequestLogEntry) => console.log(formatEntry(entry, format)) }),
      });
      console.log(startupBanner(server, config.demo ? demoCredentials(server.db) : [], software.version).join('\n'));
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${signal}: finishing requests in flight, then closing the database`);
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
