/**
 * The search parameters of each resource type as SQL conditions on its table (alias `r`), and its sort keys.
 * Every filter parameter either dialect's contract declares for a search has an entry here (a test holds them
 * equal); `_count`, `_sort`, `_elements`, `_cursor` and `_offset` are handled by the executor. The `id` sort keys
 * (creation order) serve the deployed dialect's Program and ProgramMembership searches; no contract offers them.
 */
import type { Db } from '../../store/db.js';
import { ACTIVE_MEMBER, type ConsentedType } from '../store/consent.js';
import { containsExpression } from '../store/text-index.js';
import { parseIdentifier, parseReference } from '../identifiers.js';
import type { Access, ResourceType, SqlFragment } from '../types.js';
import { dateCondition, instantCondition } from './dates.js';

/** A search parameter's value as SQL; a malformed value is refused with a 400 ApiError. */
type Filter = (value: unknown, env: { db: Db; access: Access; type: ResourceType }) => SqlFragment | SqlFragment[];

export interface SearchSpec {
  table: string;
  /** `_sort` key → SQL expression; each has an index whose last column is the rowid. */
  sorts: Readonly<Record<string, string>>;
  /** Other names of sort keys (the published pages write `birthdate` and `birthDate`). */
  sortAliases?: Readonly<Record<string, string>>;
  filters: Readonly<Record<string, Filter>>;
  /** The resource type whose consent rules apply (undefined: none). */
  consent?: ConsentedType;
}

/** Parameters that shape or page a search rather than filter it. */
export const CONTROL_PARAMETERS = ['_count', '_sort', '_elements', '_extensions', '_cursor', '_offset'] as const;

const NO_ROW = { sql: '0', args: [] };
/** The birth date as its index has it (a missing one is ''). */
const BIRTH_DATE = "ifnull(r.birth_date, '')";
const str = (v: unknown) => String(v);
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** Records of the type holding the identifier: `system|value`, or a bare value in any system. */
const identifierFilter: Filter = (v, { type }) => {
  const text = str(v);
  if (!text.includes('|')) {
    return { sql: 'r.id IN (SELECT record_id FROM identifiers WHERE resource_type = ? AND value = ?)', args: [type, text] };
  }
  const id = parseIdentifier(text, 'identifier', 'MALFORMED_REQUEST');
  return {
    sql: 'r.id IN (SELECT record_id FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?)',
    args: [type, id.system, id.value],
  };
};

/** The row id of the record a reference-valued parameter names (a well-formed reference to nothing matches nothing). */
function referencedId(text: string, parameter: string): SqlFragment {
  const { type, identifier } = parseReference(text, parameter, 'MALFORMED_REQUEST');
  return {
    sql: '(SELECT record_id FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?)',
    args: [type, identifier.system, identifier.value],
  };
}

const textFilter =
  (table: string, columns: string[]): Filter =>
  (v, { db }) => {
    const expression = containsExpression(db, columns, str(v));
    return { sql: `r.id IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ?)`, args: [expression], fts: { table, expression } };
  };

const activeFilter: Filter = (v) => ({ sql: 'r.active = ?', args: [v === true || v === 'true' ? 1 : 0] });

const lastUpdatedFilter: Filter = (v) => list(v).map((text) => instantCondition('r.last_updated', text, '_lastUpdated'));

const equals =
  (column: string): Filter =>
  (v) => ({ sql: `${column} = ?`, args: [str(v)] });

export const SEARCH_SPECS: Readonly<Record<ResourceType, SearchSpec>> = {
  Individual: {
    table: 'individuals',
    consent: 'Individual',
    sorts: { name: 'r.name_key', birthdate: BIRTH_DATE, _lastUpdated: 'r.last_updated' },
    sortAliases: { birthDate: 'birthdate' },
    filters: {
      identifier: identifierFilter,
      name: textFilter('individual_text', ['name']),
      birthdate: (v) => list(v).map((text) => dateCondition(BIRTH_DATE, text, 'birthdate')),
      gender: (v) => {
        // A bare code, or `{system}|{code}`: a code of another system than ISO/IEC 5218 matches nobody.
        const text = str(v);
        const bar = text.lastIndexOf('|');
        if (bar >= 0 && text.slice(0, bar) !== 'urn:iso:std:iso:5218') return NO_ROW;
        return { sql: 'r.gender = ?', args: [text.slice(bar + 1)] };
      },
      address: textFilter('individual_text', ['address']),
      group: (v, { access }) => {
        const text = str(v);
        if (text === 'none') {
          return { sql: `NOT EXISTS (SELECT 1 FROM group_members m WHERE m.individual_id = r.id AND ${ACTIVE_MEMBER('m')})`, args: [access.today] };
        }
        const id = parseIdentifier(text, 'group', 'MALFORMED_REQUEST');
        return {
          sql: `r.id IN (SELECT m.individual_id FROM identifiers g JOIN group_members m ON m.group_id = g.record_id
                 WHERE g.resource_type = 'Group' AND g.system = ? AND g.value = ? AND ${ACTIVE_MEMBER('m')})`,
          args: [id.system, id.value, access.today],
        };
      },
      'membership-role': (v, { access }) => ({
        sql: `r.id IN (SELECT m.individual_id FROM group_members m, json_each(m.role, '$.coding') c
               WHERE ${ACTIVE_MEMBER('m')} AND json_extract(c.value, '$.code') = ?)`,
        args: [access.today, str(v)],
      }),
      active: activeFilter,
      _lastUpdated: lastUpdatedFilter,
    },
  },
  Group: {
    table: 'groups',
    consent: 'Group',
    sorts: { name: 'r.name_key', _lastUpdated: 'r.last_updated' },
    filters: {
      identifier: identifierFilter,
      name: textFilter('group_text', ['name']),
      type: equals('r.group_type'),
      member: (v, { access }) => {
        const ref = parseReference(str(v), 'member', 'MALFORMED_REQUEST');
        if (ref.type !== 'Individual') return NO_ROW;
        return {
          sql: `r.id IN (SELECT m.group_id FROM identifiers i JOIN group_members m ON m.individual_id = i.record_id
                 WHERE i.resource_type = 'Individual' AND i.system = ? AND i.value = ? AND ${ACTIVE_MEMBER('m')})`,
          args: [ref.identifier.system, ref.identifier.value, access.today],
        };
      },
      active: activeFilter,
      _lastUpdated: lastUpdatedFilter,
    },
  },
  Program: {
    table: 'programs',
    sorts: { name: 'r.name_key', _lastUpdated: 'r.last_updated', id: 'r.id' },
    filters: {
      identifier: identifierFilter,
      name: (v) => ({ sql: 'instr(r.name_fold, ?) > 0', args: [str(v).toLowerCase()] }),
      status: (v, { access }) => {
        const running = '(r.active = 1 AND (r.period_end IS NULL OR r.period_end >= ?))';
        return { sql: v === 'active' ? running : `NOT ${running}`, args: [access.today] };
      },
      targetType: equals('r.target_type'),
      type: (v) => {
        const text = str(v);
        const bar = text.lastIndexOf('|');
        const [system, code] = bar < 0 ? [null, text] : [text.slice(0, bar), text.slice(bar + 1)];
        return {
          sql: `r.id IN (SELECT d.id FROM program_docs d, json_each(d.doc, '$.type.coding') c
                 WHERE json_extract(c.value, '$.code') = ? AND (? IS NULL OR json_extract(c.value, '$.system') = ?))`,
          args: [code, system, system],
        };
      },
      _lastUpdated: lastUpdatedFilter,
    },
  },
  ProgramMembership: {
    table: 'program_memberships',
    consent: 'ProgramMembership',
    sorts: { enrollmentDate: "ifnull(r.enrollment_date, '')", _lastUpdated: 'r.last_updated', id: 'r.id' },
    filters: {
      identifier: identifierFilter,
      beneficiary: (v) => {
        const text = str(v);
        const target = referencedId(text, 'beneficiary');
        const column = text.startsWith('Group/') ? 'r.beneficiary_group_id' : 'r.beneficiary_individual_id';
        return { sql: `${column} = ${target.sql}`, args: target.args };
      },
      program: (v) => {
        const target = referencedId(str(v), 'program');
        return { sql: `r.program_id = ${target.sql}`, args: target.args };
      },
      // One status, or (the deployed dialect's words for several stored ones) a list.
      status: (v) => {
        const values = list(v);
        return { sql: `r.status IN (${values.map(() => '?').join(', ')})`, args: values };
      },
      _lastUpdated: lastUpdatedFilter,
    },
  },
};
