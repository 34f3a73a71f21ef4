import type { Migration } from './index.js';

/**
 * Enrolment statuses of both dialects (issue 15). The store keeps one canonical set — the published guide's
 * enrolled, active, suspended, graduated, exited plus the deployed module's draft, not_eligible and duplicated
 * (its `paused` is the published `suspended`) — and each dialect renders it in its own words. The table is
 * rebuilt to change its CHECK (SQLite cannot alter one), with foreign keys off.
 */
export const enrolmentStatuses: Migration = {
  id: 105,
  name: 'registry: enrolment statuses of both dialects',
  foreignKeysOff: true,
  sql: `
    CREATE TABLE program_memberships_new (
      id INTEGER PRIMARY KEY,
      version_id INTEGER NOT NULL DEFAULT 1 CHECK (version_id >= 1),
      last_updated TEXT NOT NULL,
      source TEXT,
      program_id INTEGER NOT NULL REFERENCES programs(id),
      beneficiary_individual_id INTEGER REFERENCES individuals(id),
      beneficiary_group_id INTEGER REFERENCES groups(id),
      status TEXT NOT NULL CHECK (status IN ('draft','enrolled','active','suspended','graduated','exited','not_eligible','duplicated')),
      enrollment_date TEXT,
      CHECK ((beneficiary_individual_id IS NULL) <> (beneficiary_group_id IS NULL))
    );
    INSERT INTO program_memberships_new
      SELECT id, version_id, last_updated, source, program_id, beneficiary_individual_id, beneficiary_group_id, status, enrollment_date
      FROM program_memberships;
    DROP TABLE program_memberships;
    ALTER TABLE program_memberships_new RENAME TO program_memberships;
    CREATE INDEX program_memberships_by_program ON program_memberships(program_id);
    CREATE INDEX program_memberships_by_individual ON program_memberships(beneficiary_individual_id) WHERE beneficiary_individual_id IS NOT NULL;
    CREATE INDEX program_memberships_by_group ON program_memberships(beneficiary_group_id) WHERE beneficiary_group_id IS NOT NULL;
    CREATE INDEX program_memberships_by_last_updated ON program_memberships(last_updated);
    CREATE INDEX program_memberships_by_enrollment ON program_memberships(ifnull(enrollment_date, ''));
  `,
};
