/**
 * The schema, as an ordered list of migrations. Never edit a migration that has shipped: add a new one.
 * Ids: 1-99 core (settings, API clients, rate limits), 100-199 registry.
 */
import { core } from './0001-core.js';
import { registry } from './0100-registry.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [core, registry];
