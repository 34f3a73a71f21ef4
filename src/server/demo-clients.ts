/**
 * The labelled demo organizations and clients (fixtures/demo-clients.json), created in an empty database so
 * that `npm start` is usable at once. Their credentials are public by design.
 */
import { readFileSync } from 'node:fs';
import { publishedContract } from '../contract/contract.js';
import { createClient, ensureOrganization, listClients, type NewClient } from './clients/repository.js';
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
