import type { Migration } from './index.js';

/**
 * The history of group memberships: one row per change of a member (added, removed, role changed, status
 * changed), written by the Group kind's write from the member rows before and after it — so every path that
 * writes a Group (create, replace, the member operations, `$batch`) records its changes, and nothing else does.
 * `group_version` is the Group version the change produced. Members already stored get no entries: their past
 * (who added them, when) was never recorded, and an invented "added" entry would misstate it.
 */
export const membershipHistory: Migration = {
  id: 104,
  name: 'registry: group membership history',
  sql: `
    CREATE TABLE group_membership_history (
      id INTEGER PRIMARY KEY,
      group_id INTEGER NOT NULL REFERENCES groups(id),
      group_version INTEGER NOT NULL CHECK (group_version >= 1),
      -- The write's moment (meta.lastUpdated of that version): an ISO 8601 UTC instant with milliseconds.
      at TEXT NOT NULL,
      action TEXT NOT NULL CHECK (action IN ('added','removed','role_changed','status_changed')),
      individual_id INTEGER NOT NULL REFERENCES individuals(id),
      old_role TEXT,
      new_role TEXT,
      -- The writer's meta.source (urn:openspp:api-client:{client_id}, or the registry's own urn).
      changed_by TEXT,
      reason TEXT
    );
    CREATE INDEX group_membership_history_by_group ON group_membership_history(group_id, at, id);
  `,
};
