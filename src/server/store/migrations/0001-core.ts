import type { Migration } from './index.js';

export const core: Migration = {
  id: 1,
  name: 'core: settings, organizations, API clients, rate-limit counters',
  sql: `
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );

    -- Organizations own API clients and receive consents.
    CREATE TABLE organizations (
      id INTEGER PRIMARY KEY,
      code TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      org_type TEXT NOT NULL DEFAULT 'government'
        CHECK (org_type IN ('government','ngo','ingo','un','private','research','other'))
    );

    CREATE TABLE api_clients (
      id INTEGER PRIMARY KEY,
      client_id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      -- Bumped on every secret rotation; tokens carry it, so rotation revokes earlier tokens at once.
      secret_version INTEGER NOT NULL DEFAULT 1,
      organization_id INTEGER NOT NULL REFERENCES organizations(id),
      legal_basis TEXT NOT NULL DEFAULT 'consent'
        CHECK (legal_basis IN ('consent','contract','legal_obligation','vital_interest','public_interest','public_task','legitimate_interest')),
      scopes TEXT NOT NULL DEFAULT '',
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
      token_lifetime INTEGER CHECK (token_lifetime IS NULL OR token_lifetime > 0),
      rate_limit_per_minute INTEGER CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
      rate_limit_per_day INTEGER CHECK (rate_limit_per_day IS NULL OR rate_limit_per_day > 0),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );

    -- Fixed-window counters, one row per (key, window start). Kept in SQLite so limits survive a restart.
    CREATE TABLE rate_limit_counters (
      key TEXT NOT NULL,
      window_seconds INTEGER NOT NULL,
      window_start INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (key, window_seconds, window_start)
    ) WITHOUT ROWID;
  `,
};
