import type { Migration } from './index.js';

/**
 * The published API in full (issue 14):
 * - the published field names: a Group's kind is `type` (was `groupType`), a Program's too (was `programType`);
 * - enrolment statuses in the published guide's values (enrolled, active, suspended, graduated, exited); earlier
 *   rows in the deployed module's values are mapped to their nearest published one;
 * - what the consent endpoints report: each consent's purpose, collection method, field access and whether it
 *   covers extension blocks, and its history (a "created" entry for every consent already recorded);
 * - the access log: every read of a registrant by an API client (who, when, which operation, which consent).
 * The membership table is rebuilt to change its CHECK (SQLite cannot alter one), with foreign keys off.
 */
export const publishedApi: Migration = {
  id: 103,
  name: 'registry: published enrolment statuses, consent details and history, access log',
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
      status TEXT NOT NULL CHECK (status IN ('enrolled','active','suspended','graduated','exited')),
      enrollment_date TEXT,
      CHECK ((beneficiary_individual_id IS NULL) <> (beneficiary_group_id IS NULL))
    );
    INSERT INTO program_memberships_new
      SELECT id, version_id, last_updated, source, program_id, beneficiary_individual_id, beneficiary_group_id,
             CASE status WHEN 'draft' THEN 'enrolled' WHEN 'paused' THEN 'suspended' WHEN 'not_eligible' THEN 'exited'
                         WHEN 'duplicated' THEN 'exited' ELSE status END,
             enrollment_date
      FROM program_memberships;
    UPDATE program_membership_docs SET doc = json_set(doc, '$.status',
      CASE json_extract(doc, '$.status') WHEN 'draft' THEN 'enrolled' WHEN 'paused' THEN 'suspended'
        WHEN 'not_eligible' THEN 'exited' WHEN 'duplicated' THEN 'exited' ELSE json_extract(doc, '$.status') END);
    DROP TABLE program_memberships;
    ALTER TABLE program_memberships_new RENAME TO program_memberships;
    CREATE INDEX program_memberships_by_program ON program_memberships(program_id);
    CREATE INDEX program_memberships_by_individual ON program_memberships(beneficiary_individual_id) WHERE beneficiary_individual_id IS NOT NULL;
    CREATE INDEX program_memberships_by_group ON program_memberships(beneficiary_group_id) WHERE beneficiary_group_id IS NOT NULL;
    CREATE INDEX program_memberships_by_last_updated ON program_memberships(last_updated);
    CREATE INDEX program_memberships_by_enrollment ON program_memberships(ifnull(enrollment_date, ''));

    UPDATE group_docs SET doc = json_remove(json_set(doc, '$.type', json_extract(doc, '$.groupType')), '$.groupType')
      WHERE json_type(doc, '$.groupType') IS NOT NULL;
    UPDATE program_docs SET doc = json_remove(json_set(doc, '$.type', json(json_extract(doc, '$.programType'))), '$.programType')
      WHERE json_type(doc, '$.programType') IS NOT NULL;

    ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT 'service_delivery'
      CHECK (purpose IN ('service_delivery','eligibility_verification','analytics','research','audit'));
    ALTER TABLE consents ADD COLUMN collection_method TEXT NOT NULL DEFAULT 'written'
      CHECK (collection_method IN ('written','verbal','electronic','biometric'));
    ALTER TABLE consents ADD COLUMN field_access TEXT NOT NULL DEFAULT 'full' CHECK (field_access IN ('full','basic'));
    ALTER TABLE consents ADD COLUMN include_extensions INTEGER NOT NULL DEFAULT 1 CHECK (include_extensions IN (0,1));

    CREATE TABLE consent_history (
      consent_id INTEGER NOT NULL REFERENCES consents(id),
      version INTEGER NOT NULL CHECK (version >= 1),
      action TEXT NOT NULL CHECK (action IN ('created','status_changed','withdrawn')),
      changed_at TEXT NOT NULL,
      changed_by TEXT NOT NULL,
      changed_fields TEXT NOT NULL,
      reason TEXT,
      PRIMARY KEY (consent_id, version)
    ) WITHOUT ROWID;
    INSERT INTO consent_history (consent_id, version, action, changed_at, changed_by, changed_fields)
      SELECT id, 1, 'created', created_at, 'system', '["status","effective_date","expiry_date","scopes"]' FROM consents;
    INSERT INTO consent_history (consent_id, version, action, changed_at, changed_by, changed_fields, reason)
      SELECT id, 2, 'withdrawn', withdrawn_at, 'system', '["status"]', withdrawal_reason FROM consents WHERE status = 'withdrawn';

    -- Every read of a registrant by an API client. subject_* is the registrant whose data it is (the beneficiary
    -- for an enrolment); consent_id the consent that allowed it (NULL under another legal basis).
    CREATE TABLE access_log (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      client_row_id INTEGER NOT NULL,
      organization_id INTEGER NOT NULL,
      operation TEXT NOT NULL CHECK (operation IN ('read','search','export')),
      resource_type TEXT NOT NULL CHECK (resource_type IN ('Individual','Group','Program','ProgramMembership')),
      record_id INTEGER NOT NULL,
      subject_type TEXT CHECK (subject_type IN ('Individual','Group')),
      subject_id INTEGER
    );
    CREATE INDEX access_log_by_subject ON access_log(subject_type, subject_id, organization_id, at);
  `,
};
