/**
 * What `spp-kit serve` prints once it listens: where the API is, how it is configured (signing key source, token
 * lifetime, the effective rate limits) and, for the demo, the public demo credentials — so that an installed
 * package needs no repository file to be usable. The signing key itself is never printed.
 */
import { listClients } from './clients/repository.js';
import { demoCredentialLine, type DemoCredential } from './demo-clients.js';
import type { RunningServer } from './serve.js';
import type { SigningKeySource } from './auth/keys.js';

const KEY_SOURCES: Record<SigningKeySource, string> = {
  env: 'secret from OPENSPP_JWT_SECRET',
  generated: 'secret generated now and kept in the database (set OPENSPP_JWT_SECRET to choose one)',
  database: 'secret generated on an earlier start, kept in the database',
  'key file': 'private key from SPP_JWT_KEY_FILE',
};

/** The start-up banner's lines. */
export function startupBanner(server: RunningServer, demo: readonly DemoCredential[], version: string): string[] {
  const { config } = server;
  const own = listClients(server.db).filter((c) => c.tokenLifetime !== null || c.rateLimitPerMinute !== null || c.rateLimitPerDay !== null);
  const exceptions = own.map((c) =>
    [
      c.clientId,
      c.tokenLifetime !== null ? `${c.tokenLifetime} s tokens` : '',
      c.rateLimitPerMinute !== null || c.rateLimitPerDay !== null
        ? `${c.rateLimitPerMinute ?? config.apiRateLimit.perMinute}/min, ${c.rateLimitPerDay ?? config.apiRateLimit.perDay}/day`
        : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  const lines = [
    `OpenSPP API V2 reference server (spp-api-kit ${version})`,
    `  API          ${server.baseUrl}`,
    `  Docs         ${server.baseUrl}/docs`,
    `  Metadata     ${server.baseUrl}/metadata`,
    `  Database     ${config.dbPath}`,
    `  Signing key  ${server.signingKey.algorithm}, ${KEY_SOURCES[server.signingKey.source]}`,
    `  Tokens       valid ${config.tokenLifetime} s, ${config.leeway} s clock leeway`,
    `  Rate limits  token endpoint ${config.tokenRateLimit.perMinute}/min and ${config.tokenRateLimit.perDay}/day per address; API ${config.apiRateLimit.perMinute}/min and ${config.apiRateLimit.perDay}/day per client`,
    ...(exceptions.length
      ? [`               own settings: ${exceptions.slice(0, 5).join('; ')}${exceptions.length > 5 ? `; … (${exceptions.length - 5} more)` : ''}`]
      : []),
    `  Request log  ${config.requestLog === 'off' ? 'off' : `${config.requestLog}, one line per request`} (--log pretty|json|off)`,
  ];
  if (demo.length) {
    const width = Math.max(...demo.map((d) => d.clientId.length));
    const secretWidth = Math.max(...demo.map((d) => d.clientSecret.length));
    lines.push('Demo clients — public, demo-only credentials (again with `spp-kit clients demo`):');
    for (const d of demo) lines.push(`  ${demoCredentialLine(d, width + 1, secretWidth)}`);
  } else if (config.demo) {
    lines.push('The database already had clients, so no demo clients were added: `spp-kit clients list` shows them.');
  } else {
    lines.push('No demo data (--no-demo): create a client with `spp-kit clients create`.');
  }
  lines.push('Ctrl+C stops the server.');
  return lines;
}
