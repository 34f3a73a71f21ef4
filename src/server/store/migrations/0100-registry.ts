import type { Migration } from './index.js';

/**
 * The registry. Each resource is a row of indexed columns (what searches filter and sort on) plus a JSON document
 * of its other client-writable fields in a side table: a PUT replaces a whole resource, so a document is the
 * natural unit, while keeping it out of the main row keeps index scans and rowid lookups dense.
 * Identifiers, group members and references are normalised (they are queried and must stay consistent).
 *
 * Sort indexes end in the rowid implicitly, which is the keyset tie-break. Case-insensitive "contains" searches
 * use contentless FTS5 trigram tables; every indexed field ends with U+0001 so that a two-character needle can be
 * answered from the trigram index too (as the OR of "xy?" over the characters in `registry_text_chars`).
 */
export const registry: Migration = {
  id: 100,
  name: 'registry: individuals, groups, programs, memberships, identifiers, consents',
  sql: `
    CREATE TABLE individuals (
      id INTEGER PRIMARY KEY,
      version_id INTEGER NOT NULL DEFAULT 1 CHECK (version_id >= 1),
      last_updated TEXT NOT NULL,
      source TEXT,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
      -- lower(family␟given␟middle), cut to 64 characters: the order of _sort=name.
      name_key TEXT NOT NULL,
      birth_date TEXT,
      -- ISO/IEC 5218 code.
      gender TEXT CHECK (gender IS NULL OR gender IN ('0','1','2','9'))
    );
    CREATE INDEX individuals_by_name ON individuals(name_key);
    CREATE INDEX individuals_by_birth_date ON individuals(ifnull(birth_date, ''));
    CREATE INDEX individuals_by_last_updated ON individuals(last_updated);
    CREATE TABLE individual_docs (
      id INTEGER PRIMARY KEY REFERENCES individuals(id),
      doc TEXT NOT NULL
    );

    CREATE TABLE groups (
      id INTEGER PRIMARY KEY,
      version_id INTEGER NOT NULL DEFAULT 1 CHECK (version_id >= 1),
      last_updated TEXT NOT NULL,
      source TEXT,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
      group_type TEXT NOT NULL CHECK (group_type IN ('household','family','organization','other')),
      name TEXT NOT NULL,
      name_key TEXT NOT NULL
    );
    CREATE INDEX groups_by_name ON groups(name_key);
    CREATE INDEX groups_by_last_updated ON groups(last_updated);
    CREATE TABLE group_docs (
      id INTEGER PRIMARY KEY REFERENCES groups(id),
      doc TEXT NOT NULL
    );

    -- Members in the order the client gave them. Whether a member is active depends on the day (period.end), so
    -- it is decided at query time, never stored.
    CREATE TABLE group_members (
      group_id INTEGER NOT NULL REFERENCES groups(id),
      position INTEGER NOT NULL,
      individual_id INTEGER NOT NULL REFERENCES individuals(id),
      role TEXT,
      period_start TEXT,
      period_end TEXT,
      inactive INTEGER NOT NULL DEFAULT 0 CHECK (inactive IN (0,1)),
      PRIMARY KEY (group_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX group_members_by_individual ON group_members(individual_id, group_id);

    CREATE TABLE programs (
      id INTEGER PRIMARY KEY,
      version_id INTEGER NOT NULL DEFAULT 1 CHECK (version_id >= 1),
      last_updated TEXT NOT NULL,
      source TEXT,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
      target_type TEXT NOT NULL CHECK (target_type IN ('individual','group')),
      name TEXT NOT NULL,
      name_key TEXT NOT NULL,
      -- Programmes are few: a substring test on the folded name is cheaper than a text index.
      name_fold TEXT NOT NULL,
      period_end TEXT
    );
    CREATE INDEX programs_by_name ON programs(name_key);
    CREATE INDEX programs_by_last_updated ON programs(last_updated);
    CREATE TABLE program_docs (
      id INTEGER PRIMARY KEY REFERENCES programs(id),
      doc TEXT NOT NULL
    );

    CREATE TABLE program_memberships (
      id INTEGER PRIMARY KEY,
      version_id INTEGER NOT NULL DEFAULT 1 CHECK (version_id >= 1),
      last_updated TEXT NOT NULL,
      source TEXT,
      program_id INTEGER NOT NULL REFERENCES programs(id),
      beneficiary_individual_id INTEGER REFERENCES individuals(id),
      beneficiary_group_id INTEGER REFERENCES groups(id),
      status TEXT NOT NULL CHECK (status IN ('draft','enrolled','paused','exited','not_eligible','duplicated')),
      enrollment_date TEXT,
      CHECK ((beneficiary_individual_id IS NULL) <> (beneficiary_group_id IS NULL))
    );
    CREATE INDEX program_memberships_by_program ON program_memberships(program_id);
    CREATE INDEX program_memberships_by_individual ON program_memberships(beneficiary_individual_id) WHERE beneficiary_individual_id IS NOT NULL;
    CREATE INDEX program_memberships_by_group ON program_memberships(beneficiary_group_id) WHERE beneficiary_group_id IS NOT NULL;
    CREATE INDEX program_memberships_by_last_updated ON program_memberships(last_updated);
    CREATE INDEX program_memberships_by_enrollment ON program_memberships(ifnull(enrollment_date, ''));
    CREATE TABLE program_membership_docs (
      id INTEGER PRIMARY KEY REFERENCES program_memberships(id),
      doc TEXT NOT NULL
    );

    -- Every identifier of every record; (resource type, system, value) is unique. record_id points into the
    -- table of resource_type, so it has no foreign key; records are never deleted.
    CREATE TABLE identifiers (
      resource_type TEXT NOT NULL CHECK (resource_type IN ('Individual','Group','Program','ProgramMembership')),
      system TEXT NOT NULL,
      value TEXT NOT NULL,
      record_id INTEGER NOT NULL,
      position INTEGER NOT NULL,
      period_start TEXT,
      period_end TEXT,
      PRIMARY KEY (resource_type, system, value)
    ) WITHOUT ROWID;
    CREATE INDEX identifiers_by_record ON identifiers(resource_type, record_id, position);
    CREATE INDEX identifiers_by_value ON identifiers(resource_type, value, record_id);

    CREATE VIRTUAL TABLE individual_text USING fts5(
      name, address, tokenize = 'trigram remove_diacritics 1', content = '', contentless_delete = 1
    );
    CREATE VIRTUAL TABLE group_text USING fts5(
      name, tokenize = 'trigram remove_diacritics 1', content = '', contentless_delete = 1
    );
    -- Every character that occurs in the text indexes (see above).
    CREATE TABLE registry_text_chars (ch TEXT PRIMARY KEY) WITHOUT ROWID;

    CREATE TABLE consents (
      id INTEGER PRIMARY KEY,
      -- The public id (a UUID); the row id never leaves the store.
      consent_id TEXT NOT NULL UNIQUE,
      organization_id INTEGER NOT NULL REFERENCES organizations(id),
      subject_individual_id INTEGER REFERENCES individuals(id),
      subject_group_id INTEGER REFERENCES groups(id),
      status TEXT NOT NULL CHECK (status IN ('requested','given','renewed','refused','withdrawn','expired')),
      effective_date TEXT NOT NULL,
      expiry_date TEXT NOT NULL,
      withdrawn_at TEXT,
      withdrawal_reason TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      CHECK ((subject_individual_id IS NULL) <> (subject_group_id IS NULL)),
      CHECK (effective_date <= expiry_date),
      CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
    );
    CREATE INDEX consents_by_organization ON consents(organization_id, status);
    CREATE INDEX consents_by_individual ON consents(subject_individual_id) WHERE subject_individual_id IS NOT NULL;
    CREATE INDEX consents_by_group ON consents(subject_group_id) WHERE subject_group_id IS NOT NULL;
    CREATE TABLE consent_resource_types (
      consent_id INTEGER NOT NULL REFERENCES consents(id),
      resource_type TEXT NOT NULL CHECK (resource_type IN ('Individual','Group','ProgramMembership')),
      PRIMARY KEY (consent_id, resource_type)
    ) WITHOUT ROWID;
  `,
};
