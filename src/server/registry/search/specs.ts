/**
 * The search parameters of each resource type as SQL conditions on its table (alias `r`), and its sort keys.
 * Every filter parameter the contract declares for a search has an entry here (a test holds the two equal);
 * `_count`, `_sort`, `_elements` and `_cursor` are handled by the executor.
 */
import type { Db } from '../../store/db.js';
import { ACTIVE_MEMBER, type ConsentedType } from '../store/consent.js';
import { containsExpression } from '../store/text-index.js';
import { parseIdentifier, parseReference } from '../identifiers.js';
import { ok, type Access, type ResourceType, type Result, type SqlFragment } from '../types.js';
import { dateCondition, instantCondition } from './dates.js';

type Filter = (value: unknown, env: { db: Db; access: Access; type: ResourceType }) => Result<SqlFragment | SqlFragment[]>;

export interface SearchSpec {
  table: string;
  /** `_sort` key → SQL expression; each has an index whose last column is the rowid. */
  sorts: Readonly<Record<string, string>>;
  filters: Readonly<Record<string, Filter>>;
  /** The resource type whose consent rules apply (undefined: none). */
  consent?: ConsentedType;
}

export const CONTROL_PARAMETERS = ['_count', '_sort', '_elements', '_cursor'] as const;

const NO_ROW = { sql: '0', args: [] };
/** The birth date as its index has it (a missing one is ''). */
const BIRTH_DATE = "ifnull(r.birth_date, '')";
const str = (v: unknown) => String(v);
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** Records of the type holding the identifier: `system|value`, or a bare value in any system. */
const identifierFilter: Filter = (v, { type }) => {
  const text = str(v);
  if (!text.includes('|')) {
    return ok({ sql: 'r.id IN (SELECT record_id FROM identifiers WHERE resource_type = ? AND value = ?)', args: [type, text] });
  }
  const id = parseIdentifier(text, 'identifier');
  if (!id.ok) return { ok: false, error: { ...id.error, code: 'MALFORMED_REQUEST' } };
  return ok({
    sql: 'r.id IN (SELECT record_id FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?)',
    args: [type, id.value.system, id.value.value],
  });
};

/** The row id of the record a reference-valued parameter names (a well-formed reference to nothing matches nothing). */
function referencedId(text: string, parameter: string): Result<SqlFragment> {
  const ref = parseReference(text, parameter);
  if (!ref.ok) return { ok: false, error: { ...ref.error, code: 'MALFORMED_REQUEST' } };
  const { type, identifier } = ref.value;
  return ok({
    sql: '(SELECT record_id FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?)',
    args: [type, identifier.system, identifier.value],
  });
}

const textFilter =
  (table: string, columns: string[]): Filter =>
  (v, { db }) => {
    const expression = containsExpression(db, columns, str(v));
    return ok({ sql: `r.id IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ?)`, args: [expression], fts: { table, expression } });
  };

const activeFilter: Filter = (v) => ok({ sql: 'r.active = ?', args: [v === true || v === 'true' ? 1 : 0] });

const lastUpdatedFilter: Filter = (v) => {
  const out: SqlFragment[] = [];
  for (const text of list(v)) {
    const c = instantCondition('r.last_updated', text, '_lastUpdated');
    if (!c.ok) return c;
    out.push(c.value);
  }
  return ok(out);
};

const equals =
  (column: string): Filter =>
  (v) =>
    ok({ sql: `${column} = ?`, args: [str(v)] });

export const SEARCH_SPECS: Readonly<Record<ResourceType, SearchSpec>> = {
  Individual: {
    table: 'individuals',
    consent: 'Individual',
    sorts: { name: 'r.name_key', birthdate: BIRTH_DATE, _lastUpdated: 'r.last_updated' },
    filters: {
      identifier: identifierFilter,
      name: textFilter('individual_text', ['name']),
      birthdate: (v) => {
        const out: SqlFragment[] = [];
        for (const text of list(v)) {
          const c = dateCondition(BIRTH_DATE, text, 'birthdate');
          if (!c.ok) return c;
          out.push(c.value);
        }
        return ok(out);
      },
      gender: (v) => ok({ sql: 'r.gender = ?', args: [str(v).split('|').pop()] }),
      address: textFilter('individual_text', ['address']),
      group: (v, { access }) => {
        const text = str(v);
        if (text === 'none') {
          return ok({ sql: `NOT EXISTS (SELECT 1 FROM group_members m WHERE m.individual_id = r.id AND ${ACTIVE_MEMBER('m')})`, args: [access.today] });
        }
        const id = parseIdentifier(text, 'group');
        if (!id.ok) return { ok: false, error: { ...id.error, code: 'MALFORMED_REQUEST' } };
        return ok({
          sql: `r.id IN (SELECT m.individual_id FROM identifiers g JOIN group_members m ON m.group_id = g.record_id
                 WHERE g.resource_type = 'Group' AND g.system = ? AND g.value = ? AND ${ACTIVE_MEMBER('m')})`,
          args: [id.value.system, id.value.value, access.today],
        });
      },
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
      groupType: equals('r.group_type'),
      member: (v, { access }) => {
        const ref = parseReference(str(v), 'member');
        if (!ref.ok) return { ok: false, error: { ...ref.error, code: 'MALFORMED_REQUEST' } };
        if (ref.value.type !== 'Individual') return ok(NO_ROW);
        const { system, value } = ref.value.identifier;
        return ok({
          sql: `r.id IN (SELECT m.group_id FROM identifiers i JOIN group_members m ON m.individual_id = i.record_id
                 WHERE i.resource_type = 'Individual' AND i.system = ? AND i.value = ? AND ${ACTIVE_MEMBER('m')})`,
          args: [system, value, access.today],
        });
      },
      active: activeFilter,
      _lastUpdated: lastUpdatedFilter,
    },
  },
  Program: {
    table: 'programs',
    sorts: { name: 'r.name_key', _lastUpdated: 'r.last_updated' },
    filters: {
      identifier: identifierFilter,
      name: (v) => ok({ sql: 'instr(r.name_fold, ?) > 0', args: [str(v).toLowerCase()] }),
      status: (v, { access }) => {
        const running = '(r.active = 1 AND (r.period_end IS NULL OR r.period_end >= ?))';
        return ok({ sql: v === 'active' ? running : `NOT ${running}`, args: [access.today] });
      },
      targetType: equals('r.target_type'),
      _lastUpdated: lastUpdatedFilter,
    },
  },
  ProgramMembership: {
    table: 'program_memberships',
    consent: 'ProgramMembership',
    sorts: { enrollmentDate: "ifnull(r.enrollment_date, '')", _lastUpdated: 'r.last_updated' },
    filters: {
      identifier: identifierFilter,
      beneficiary: (v) => {
        const text = str(v);
        const target = referencedId(text, 'beneficiary');
        if (!target.ok) return target;
        const column = text.startsWith('Group/') ? 'r.beneficiary_group_id' : 'r.beneficiary_individual_id';
        return ok({ sql: `${column} = ${target.value.sql}`, args: target.value.args });
      },
      program: (v) => {
        const target = referencedId(str(v), 'program');
        if (!target.ok) return target;
        return ok({ sql: `r.program_id = ${target.value.sql}`, args: target.value.args });
      },
      status: equals('r.status'),
      _lastUpdated: lastUpdatedFilter,
    },
  },
};
