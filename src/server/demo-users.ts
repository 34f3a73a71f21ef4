/**
 * The labelled demo users and the two applications they sign in to (fixtures/demo-users.json): a confidential web
 * app and a public browser app. Their passwords and the web app's secret are public by design.
 */
import { readFileSync } from 'node:fs';
import { verifyClientSecret } from './auth/client-secrets.js';
import { createClient, findClient, type ClientType } from './clients/repository.js';
import type { LegalBasis } from './context.js';
import { readDemoFixture } from './demo-clients.js';
import type { Db } from './store/db.js';
import { countUsers, createUser } from './users/repository.js';

export const demoUsersFile = new URL('../../fixtures/demo-users.json', import.meta.url);

export interface DemoUser {
  username: string;
  password: string;
  name: string;
}

export interface DemoUserFlowClient {
  role: string;
  clientId: string;
  /** Absent for the public client. */
  clientSecret?: string;
  type: ClientType;
  redirectUris: string[];
  name: string;
  organization: string;
  legalBasis: LegalBasis;
  scopes: string[];
}

export interface DemoUsersFixture {
  users: DemoUser[];
  clients: DemoUserFlowClient[];
}

export function readDemoUsers(): DemoUsersFixture {
  return JSON.parse(readFileSync(demoUsersFile, 'utf8')) as DemoUsersFixture;
}

/** A demo database: its first demo client exists with the fixture's public secret (a deployment's never does). */
function isDemoDatabase(db: Db): boolean {
  const first = readDemoFixture().clients[0]!;
  const stored = findClient(db, first.clientId);
  return stored !== undefined && verifyClientSecret(first.clientSecret, stored.secretHash);
}

/** Creates the demo users and their applications in a demo database that has no users yet. Returns whether it did. */
export function loadDemoUsers(db: Db): boolean {
  if (countUsers(db) > 0 || !isDemoDatabase(db)) return false;
  const fixture = readDemoUsers();
  db.transaction(() => {
    for (const u of fixture.users) createUser(db, u);
    for (const c of fixture.clients) {
      if (findClient(db, c.clientId)) continue;
      createClient(db, {
        name: c.name,
        organization: c.organization,
        legalBasis: c.legalBasis,
        scopes: c.scopes,
        clientType: c.type,
        redirectUris: c.redirectUris,
        fixedCredentials: { clientId: c.clientId, ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}) },
      });
    }
  })();
  return true;
}
