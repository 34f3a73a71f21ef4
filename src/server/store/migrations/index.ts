/**
 * The schema, as an ordered list of migrations. Never edit a migration that has shipped: add a new one.
 * Ids: 1-99 core (settings, API clients, rate limits), 100-199 registry; 106 (user flows) came after 105 and so
 * took the next free id.
 */
import { core } from './0001-core.js';
import { registry } from './0100-registry.js';
import { textCharsRepair } from './0101-text-chars-repair.js';
import { controlCharacters } from './0102-control-characters.js';
import { publishedApi } from './0103-published-api.js';
import { membershipHistory } from './0104-membership-history.js';
import { enrolmentStatuses } from './0105-enrolment-statuses.js';
import { userFlows } from './0106-user-flows.js';
import type { Db } from '../db.js';

/** A schema change (`sql`) or a data repair that needs code (`run`), applied once, in its own transaction. */
export interface Migration {
  id: number;
  name: string;
  sql?: string;
  run?: (db: Db) => void;
  /** Rebuilds a table other tables reference: foreign keys are checked after it, not during. */
  foreignKeysOff?: boolean;
}

export const migrations: readonly Migration[] = [
  core,
  registry,
  textCharsRepair,
  controlCharacters,
  publishedApi,
  membershipHistory,
  enrolmentStatuses,
  userFlows,
];
