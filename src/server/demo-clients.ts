/**
 * The labelled demo organizations and clients (fixtures/demo-clients.json), created in an empty database so
 * that `npm start` is usable at once. Their credentials are public by design.
 */
import { readFileSync } from 'node:fs';
import { publishedContract } from '../contract/contract.js';
import { verifyClientSecret } from './auth/client-secrets.js';
import { createClient, ensureOrganization, findClient, listClients, type NewClient } from './clients/repository.js';
import type { LegalBasis } from './context.js';
import type { Db } from './store/db.js';

export const demoClientsFile = new URL('../../fixtures/demo-clients.json', import.meta.url);

export interface DemoClient {
  role: string;
  clientId: string;
  clientSecret: string;
  name: string;
  organization: string;
  legalBasis: LegalBasis;
  scopes: string[] | '*';
  tokenLifetime?: number;
  active?: boolean;
}

export interface DemoFixture {
  organizations: Array<{ code: string; name: string; type: string }>;
  clients: DemoClient[];
}

export function readDemoFixture(): DemoFixture {
  return JSON.parse(readFileSync(demoClientsFile, 'utf8')) as DemoFixture;
}

/** Creates the demo organizations and clients unless the database already has clients. Returns whether it did. */
export function loadDemoClients(db: Db): boolean {
  if (listClients(db).length > 0) return false;
  const fixture = readDemoFixture();
  db.transaction(() => {
    for (const org of fixture.organizations) ensureOrganization(db, org);
    for (const c of fixture.clients) {
      const input: NewClient = {
        name: c.name,
        organization: c.organization,
        legalBasis: c.legalBasis,
        scopes: c.scopes === '*' ? [...publishedContract.scopes.keys()] : c.scopes,
        tokenLifetime: c.tokenLifetime ?? null,
        active: c.active !== false,
        fixedCredentials: { clientId: c.clientId, clientSecret: c.clientSecret },
      };
      createClient(db, input);
    }
  })();
  return true;
}

/** A demo client's public credentials, as the banner and `spp-kit clients demo` print them. */
export interface DemoCredential {
  role: string;
  clientId: string;
  clientSecret: string;
  /** What the client is for, e.g. "DSWD dashboard, read and search only". */
  description: string;
  active: boolean;
}

/**
 * The demo clients' public credentials. With a database, only those that still work there: a demo client whose
 * secret was rotated (or that was never created, because the database had clients already) is left out.
 */
export function demoCredentials(db?: Db): DemoCredential[] {
  return readDemoFixture()
    .clients.map((c) => ({ c, stored: db ? findClient(db, c.clientId) : undefined }))
    .filter(({ c, stored }) => !db || (stored !== undefined && verifyClientSecret(c.clientSecret, stored.secretHash)))
    .map(({ c, stored }) => ({
      role: c.role,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      description: c.name.replace(/\s*\(demo\)$/, ''),
      active: stored ? stored.active : c.active !== false,
    }));
}

/** One line for a demo client: id, secret, what it is for. */
export function demoCredentialLine(d: DemoCredential, idWidth = 18, secretWidth = 0): string {
  const state = d.active || /disabled/i.test(d.description) ? '' : ' (disabled)';
  return `${d.clientId.padEnd(idWidth)} ${d.clientSecret.padEnd(secretWidth)}  ${d.description}${state}`;
}
