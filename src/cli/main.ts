#!/usr/bin/env node
/**
 * spp-kit — the command line of spp-api-kit.
 *
 *   spp-kit serve                       run the reference server
 *   spp-kit clients create|list|show|rotate-secret|disable|enable|set-scopes
 *   spp-kit consent grant|withdraw|list
 *   spp-kit seed --individuals N        generate a large synthetic registry
 *   spp-kit conformance --target FILE   check a deployment against the contract and the RFCs
 *   spp-kit docs html|postman           publish the documentation built from the contract
 *
 * Problems with the input or the configuration print one line and exit with status 2.
 */
import { Command } from 'commander';
import { ConfigError } from '../server/config.js';
import { ClientAdminError } from '../server/clients/repository.js';
import { openDatabase, type Db } from '../server/store/db.js';
import { register as registerClients } from './commands/clients.js';
import { register as registerConformance } from './commands/conformance.js';
import { register as registerConsent } from './commands/consent.js';
import { register as registerDocs } from './commands/docs.js';
import { register as registerSeed } from './commands/seed.js';
import { register as registerServe } from './commands/serve.js';

const program = new Command('spp-kit').description('Contract-first kit for the OpenSPP API V2').showHelpAfterError();
program.option('--db <path>', 'SQLite database for clients/consent/seed (env SPP_DB, default spp-api-kit.db)');

let db: Db | undefined;
const openDb = (): Db => (db ??= openDatabase(String(program.opts().db ?? process.env.SPP_DB ?? 'spp-api-kit.db')));

registerServe(program);
registerClients(program, openDb);
registerConsent(program, openDb);
registerSeed(program, openDb);
registerConformance(program);
registerDocs(program);

program
  .parseAsync()
  .then(() => {
    if (db?.open && program.args[0] !== 'serve') db.close();
  })
  .catch((error: unknown) => {
    const expected = error instanceof ConfigError || error instanceof ClientAdminError;
    console.error(`spp-kit: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = expected ? 2 : 1;
  });
