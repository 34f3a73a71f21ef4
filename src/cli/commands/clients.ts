import type { Command } from 'commander';
import {
  ClientAdminError,
  createClient,
  ensureOrganization,
  findClient,
  listClients,
  publicView,
  rotateSecret,
  setActive,
  setClientType,
  setRedirectUris,
  setScopes,
  type ApiClient,
  type ClientType,
} from '../../server/clients/repository.js';
import type { LegalBasis } from '../../server/context.js';
import { demoCredentialLine, demoCredentials } from '../../server/demo-clients.js';
import type { Db } from '../../server/store/db.js';

interface Output {
  json?: boolean;
}

function print(opts: Output, value: unknown, text: string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : text);
}

function describe(c: ApiClient): string {
  return [
    `client_id     ${c.clientId}${c.active ? '' : '  (DISABLED)'}`,
    `type          ${c.clientType}${c.clientType === 'public' ? ' (no secret; authorization code with PKCE only)' : ''}`,
    `name          ${c.name}`,
    `organization  ${c.organizationCode} (${c.organizationName})`,
    `legal basis   ${c.legalBasis}`,
    `scopes        ${c.scopes.join(' ') || '(none)'}`,
    `token life    ${c.tokenLifetime ?? 'server default'}${c.tokenLifetime ? ' s' : ''}`,
    `rate limits   ${c.rateLimitPerMinute ?? 'default'}/min, ${c.rateLimitPerDay ?? 'default'}/day`,
    `redirect URIs ${c.redirectUris.join(' ') || '(none: no authorization code grant)'}`,
  ].join('\n');
}

const scopesOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);
const collect = (value: string, previous: string[] = []) => [...previous, value];

function positive(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new ClientAdminError(`${name} must be a positive whole number`);
    return Number(v);
  };
}

/** spp-kit clients create|list|show|rotate-secret|disable|enable|set-scopes|set-redirect-uris|set-type */
export function register(program: Command, openDb: () => Db): void {
  const clients = program.command('clients').description('Manage API clients (secrets are shown once, stored only as hashes)');
  clients
    .command('create')
    .description('Register a client; prints its client_id and secret (shown this once)')
    .requiredOption('--name <name>', 'what the client is')
    .requiredOption('--org <code>', 'organization code (created if --org-name is given)')
    .option('--org-name <name>', 'create the organization with this name')
    .option('--org-type <type>', 'government | ngo | ingo | un | private | research | other', 'government')
    .option('--legal-basis <basis>', 'consent | contract | legal_obligation | vital_interest | public_interest | public_task | legitimate_interest', 'consent')
    .requiredOption('--scopes <scopes>', 'space- or comma-separated scopes, e.g. "individual:read individual:search"')
    .option('--token-lifetime <seconds>', 'token lifetime for this client', positive('--token-lifetime'))
    .option('--rate-per-minute <n>', 'API requests per minute', positive('--rate-per-minute'))
    .option('--rate-per-day <n>', 'API requests per day', positive('--rate-per-day'))
    .option('--redirect-uri <uri>', 'a redirect URI for the authorization code grant (repeat for several)', collect)
    .option('--public', 'a public client (browser or native app): no secret, PKCE required, user grants only')
    .option('--json', 'machine-readable output')
    .action(
      (
        opts: {
          name: string;
          org: string;
          orgName?: string;
          orgType: string;
          legalBasis: LegalBasis;
          scopes: string;
          tokenLifetime?: number;
          ratePerMinute?: number;
          ratePerDay?: number;
          redirectUri?: string[];
          public?: boolean;
        } & Output,
      ) => {
        const db = openDb();
        const { client, clientSecret } = db.transaction(() => {
          if (opts.orgName) ensureOrganization(db, { code: opts.org, name: opts.orgName, type: opts.orgType });
          return createClient(db, {
            name: opts.name,
            organization: opts.org,
            legalBasis: opts.legalBasis,
            scopes: scopesOf(opts.scopes),
            tokenLifetime: opts.tokenLifetime ?? null,
            rateLimitPerMinute: opts.ratePerMinute ?? null,
            rateLimitPerDay: opts.ratePerDay ?? null,
            clientType: opts.public ? 'public' : 'confidential',
            redirectUris: opts.redirectUri ?? [],
          });
        })();
        print(
          opts,
          { ...publicView(client), ...(clientSecret ? { clientSecret } : {}) },
          clientSecret ? `${describe(client)}\nclient_secret ${clientSecret}\n\nThe secret is shown only now: store it in a secret manager.` : describe(client),
        );
      },
    );
  clients
    .command('demo')
    .description("Print the demo clients' public, demo-only credentials that work in this database")
    .option('--json', 'machine-readable output')
    .action((opts: Output) => {
      const db = openDb();
      // An empty database gets them on the first `spp-kit serve`; one with clients shows those that still work.
      const empty = listClients(db).length === 0;
      const demo = demoCredentials(empty ? undefined : db);
      print(
        opts,
        demo,
        [...demo.map((d) => demoCredentialLine(d)), ...(empty ? ['', '(This database has no clients yet: `spp-kit serve` creates these in it.)'] : [])].join(
          '\n',
        ) || '(no demo clients work in this database)',
      );
    });
  clients
    .command('list')
    .description('List clients')
    .option('--json', 'machine-readable output')
    .action((opts: Output) => {
      const all = listClients(openDb());
      print(
        opts,
        all.map(publicView),
        all
          .map((c) => `${c.clientId.padEnd(24)} ${c.active ? 'active  ' : 'DISABLED'} ${c.organizationCode.padEnd(24)} ${c.scopes.length} scopes  ${c.name}`)
          .join('\n') || '(no clients)',
      );
    });
  clients
    .command('show <clientId>')
    .description('Show one client')
    .option('--json', 'machine-readable output')
    .action((clientId: string, opts: Output) => {
      const c = findClient(openDb(), clientId);
      if (!c) throw new ClientAdminError(`no client '${clientId}'`);
      print(opts, publicView(c), describe(c));
    });
  clients
    .command('rotate-secret <clientId>')
    .description('Issue a new secret; the old one and all tokens issued with it stop working at once')
    .option('--json', 'machine-readable output')
    .action((clientId: string, opts: Output) => {
      const { client, clientSecret } = rotateSecret(openDb(), clientId);
      print(
        opts,
        { clientId: client.clientId, clientSecret },
        `client_secret ${clientSecret}\n\nThe secret is shown only now. Tokens issued before are revoked.`,
      );
    });
  for (const [name, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    clients
      .command(`${name} <clientId>`)
      .description(active ? 'Allow the client again' : 'Refuse the client and all its tokens at once')
      .option('--json', 'machine-readable output')
      .action((clientId: string, opts: Output) => {
        const c = setActive(openDb(), clientId, active);
        print(opts, publicView(c), `${c.clientId} is now ${c.active ? 'active' : 'disabled'}`);
      });
  }
  clients
    .command('set-scopes <clientId> <scopes...>')
    .description("Replace the client's scopes (takes effect at once, also for tokens already issued)")
    .option('--json', 'machine-readable output')
    .action((clientId: string, scopes: string[], opts: Output) => {
      const c = setScopes(openDb(), clientId, scopes.flatMap(scopesOf));
      print(opts, publicView(c), `${c.clientId}: ${c.scopes.join(' ') || '(no scopes)'}`);
    });
  clients
    .command('set-redirect-uris <clientId> <uris...>')
    .description('Replace the redirect URIs of the authorization code grant (compared as exact strings)')
    .option('--json', 'machine-readable output')
    .action((clientId: string, uris: string[], opts: Output) => {
      const c = setRedirectUris(openDb(), clientId, uris);
      print(opts, publicView(c), `${c.clientId}: ${c.redirectUris.join(' ')}`);
    });
  clients
    .command('set-type <clientId> <type>')
    .description('confidential (a new secret, shown once) or public (the secret is dropped; tokens issued with it stop working)')
    .option('--json', 'machine-readable output')
    .action((clientId: string, type: string, opts: Output) => {
      const { client, clientSecret } = setClientType(openDb(), clientId, type as ClientType);
      print(
        opts,
        { ...publicView(client), ...(clientSecret ? { clientSecret } : {}) },
        `${client.clientId} is ${client.clientType}${clientSecret ? `\nclient_secret ${clientSecret}\n\nThe secret is shown only now.` : ''}`,
      );
    });
}
