/**
 * The fields each resource type can be filtered on, and how: each field is SQL over the columns and indexes the
 * registry already has (the search parameters' own builders where they fit, search/specs.ts), with its values
 * bound as parameters, never written into the SQL. Values are checked before (values.ts).
 *
 * Comparisons follow SQL: a record without the field (no birth date, no gender) matches no comparison — neither
 * `eq` nor `ne`, neither `in` nor `nin` — only `null: true`. Date comparisons take a date as the whole day (as the
 * `birthdate` and `_lastUpdated` search parameters do): `gt 2020-01-01` starts on 2 January.
 */
import { publishedContract } from '../../../contract/contract.js';
import { ACTIVE_MEMBER } from '../store/consent.js';
import { dateCondition, instantCondition, type Prefix } from '../search/dates.js';
import { SEARCH_SPECS } from '../search/specs.js';
import type { ResourceType, SqlFragment } from '../types.js';
import type { FilterEnv, FilterField, Operator, ValueKind } from './types.js';

type Build = FilterField['sql'];

const schemas = publishedContract.document.components.schemas as Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }>;
/** Codes the published contract enumerates, so that filters accept exactly what records can hold. */
const GENDER_CODES = publishedContract.codeSystems.get('urn:iso:std:iso:5218')!.codes;
const GROUP_TYPES = schemas.GroupFields!.properties!.type!.enum!;
const TARGET_TYPES = schemas.ProgramFields!.properties!.targetType!.enum!;
const MEMBERSHIP_STATUSES = schemas.MembershipStatus!.enum!;

const COMPARE: Partial<Record<Operator, string>> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const PREFIX: Partial<Record<Operator, Prefix>> = { eq: 'eq', ne: 'ne', gt: 'gt', gte: 'ge', lt: 'lt', lte: 'le' };

function unsupported(operator: Operator): never {
  throw new Error(`operator ${operator} reached a builder that does not support it`);
}

/** `null: true` — the field is absent; `null: false` — it is present. */
const nullTest = (column: string, absent: unknown): string => `${column} IS ${absent === true ? '' : 'NOT '}NULL`;

/** Comparisons, lists and the null test on one scalar SQL expression (with its own arguments). */
function scalar(expression: (env: FilterEnv) => SqlFragment, toSql: (v: unknown) => unknown = (v) => v): Build {
  return (operator, value, env) => {
    const x = expression(env);
    if (operator === 'null') return { sql: nullTest(x.sql, value), args: x.args };
    if (operator === 'in' || operator === 'nin') {
      const list = value as unknown[];
      return { sql: `${x.sql} ${operator === 'nin' ? 'NOT IN' : 'IN'} (${list.map(() => '?').join(', ')})`, args: [...x.args, ...list.map(toSql)] };
    }
    const op = COMPARE[operator] ?? unsupported(operator);
    return { sql: `${x.sql} ${op} ?`, args: [...x.args, toSql(value)] };
  };
}

const column = (sql: string) => scalar(() => ({ sql, args: [] }));

/**
 * A `YYYY-MM-DD` column through its index expression (`ifnull(column, '')`: a missing date is ''): the
 * day-interval comparisons of dates.ts, and the null test as '' or not, so that it is answered from the index too.
 */
function dateRange(indexExpression: string, name: string): Build {
  return (operator, value) => {
    if (operator === 'null') return { sql: `${indexExpression} ${value === true ? '=' : '<>'} ''`, args: [] };
    return dateCondition(indexExpression, `${PREFIX[operator] ?? unsupported(operator)}${String(value)}`, name);
  };
}

function instantRange(columnName: string, name: string): Build {
  return (operator, value) => instantCondition(columnName, `${PREFIX[operator] ?? unsupported(operator)}${String(value)}`, name);
}

/** A search parameter's builder, as one fragment. */
function parameter(type: ResourceType, name: string): (value: unknown, env: FilterEnv) => SqlFragment {
  const filter = SEARCH_SPECS[type].filters[name];
  if (!filter) throw new Error(`${type} has no search parameter ${name}`);
  return (value, env) => {
    const c = filter(value, env);
    if (!Array.isArray(c)) return c;
    return { sql: c.map((x) => `(${x.sql})`).join(' AND '), args: c.flatMap((x) => x.args) };
  };
}

/** `eq` one value or `in` any of several, through a builder of one value. */
function oneOf(build: (value: unknown, env: FilterEnv) => SqlFragment): Build {
  return (operator, value, env) => {
    if (operator !== 'eq' && operator !== 'in') return unsupported(operator);
    const parts = (operator === 'in' ? (value as unknown[]) : [value]).map((v) => build(v, env));
    return parts.length === 1 ? parts[0]! : { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, args: parts.flatMap((p) => p.args) };
  };
}

/** A builder of one value, for a field whose only operator is implied by it (`eq`, `ilike`). */
const single =
  (build: (value: unknown, env: FilterEnv) => SqlFragment): Build =>
  (_operator, value, env) =>
    build(value, env);

/** A name held in a column: `ilike` through its case- and diacritic-insensitive builder, `like` as an exact substring. */
function nameContains(insensitive: (value: unknown, env: FilterEnv) => SqlFragment, narrowed: boolean): Build {
  return (operator, value, env) => {
    if (operator === 'ilike') return insensitive(value, env);
    if (operator !== 'like') return unsupported(operator);
    // The insensitive match finds every exact one too; where it is an index, it narrows the rows instr() reads.
    const exact = { sql: 'instr(r.name, ?) > 0', args: [value] };
    if (!narrowed) return exact;
    const candidates = insensitive(value, env);
    return { sql: `${candidates.sql} AND ${exact.sql}`, args: [...candidates.args, ...exact.args] };
  };
}

/** Members of a group active on the request date. */
const activeMembers = ({ access }: FilterEnv): SqlFragment => ({
  sql: `(SELECT count(*) FROM group_members m WHERE m.group_id = r.id AND ${ACTIVE_MEMBER('m')})`,
  args: [access.today],
});

const EXACT_LIST: readonly Operator[] = ['eq', 'ne', 'in', 'nin'];
const RANGE: readonly Operator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];

interface FieldInit {
  name: string;
  path?: string;
  filterType: FilterField['filterType'];
  label: string;
  description: string;
  operators: readonly Operator[];
  indexed: boolean;
  value: ValueKind;
  sql: Build;
}

const field = (init: FieldInit): FilterField => ({ path: init.name, ...init });

function identifierField(type: ResourceType): FilterField {
  return field({
    name: 'identifier',
    filterType: 'exact',
    label: 'Identifier',
    description: `A ${type} identifier, written {system}|{value}.`,
    operators: ['eq', 'in'],
    indexed: true,
    value: { kind: 'identifier' },
    sql: oneOf(parameter(type, 'identifier')),
  });
}

function lastUpdatedField(): FilterField {
  return field({
    name: 'lastUpdated',
    path: 'meta.lastUpdated',
    filterType: 'range',
    label: 'Last updated',
    description: 'When the record last changed: a date (the whole day) or a date-time with its time zone.',
    operators: RANGE,
    indexed: true,
    value: { kind: 'instant' },
    sql: instantRange('r.last_updated', 'lastUpdated'),
  });
}

const activeField = (description: string): FilterField =>
  field({
    name: 'active',
    filterType: 'boolean',
    label: 'Active',
    description,
    operators: ['eq'],
    indexed: false,
    value: { kind: 'boolean' },
    sql: scalar(
      () => ({ sql: 'r.active', args: [] }),
      (v) => (v === true ? 1 : 0),
    ),
  });

/** `group=none` of the search is the null test: members of no group. */
const GROUP_OF_INDIVIDUAL = parameter('Individual', 'group');

const INDIVIDUAL: readonly FilterField[] = [
  identifierField('Individual'),
  field({
    name: 'name',
    filterType: 'contains',
    label: 'Name',
    description: 'Contains this text in the family, given or middle name (ignoring case and diacritics).',
    operators: ['ilike'],
    indexed: true,
    value: { kind: 'text' },
    sql: single(parameter('Individual', 'name')),
  }),
  field({
    name: 'address',
    filterType: 'contains',
    label: 'Address',
    description: 'Contains this text in any address field: text, line, city, district, state, postal code (ignoring case and diacritics).',
    operators: ['ilike'],
    indexed: true,
    value: { kind: 'text' },
    sql: single(parameter('Individual', 'address')),
  }),
  field({
    name: 'birthDate',
    filterType: 'range',
    label: 'Date of birth',
    description: 'Compared as a calendar date; `null: true` finds people whose date of birth is not recorded.',
    operators: [...RANGE, 'null'],
    indexed: true,
    value: { kind: 'date' },
    sql: dateRange("ifnull(r.birth_date, '')", 'birthDate'),
  }),
  field({
    name: 'gender',
    filterType: 'exact',
    label: 'Gender',
    description: `ISO/IEC 5218 code: ${GENDER_CODES.join(', ')} (0 not known, 1 male, 2 female, 9 not applicable).`,
    operators: [...EXACT_LIST, 'null'],
    indexed: false,
    value: { kind: 'code', codes: GENDER_CODES },
    sql: column('r.gender'),
  }),
  activeField('False for deactivated records.'),
  lastUpdatedField(),
  field({
    name: 'group',
    path: 'groupMembership.group',
    filterType: 'exact',
    label: 'Group',
    description: 'An active member of the Group with this identifier ({system}|{value}); `null: true` finds people in no group (it reads every record).',
    operators: ['eq', 'null'],
    indexed: true,
    value: { kind: 'identifier' },
    sql: (operator, value, env) => {
      const group = GROUP_OF_INDIVIDUAL;
      if (operator === 'eq') return group(value, env);
      const none = group('none', env);
      return value === true ? none : { sql: `NOT (${none.sql})`, args: none.args };
    },
  }),
];

const GROUP: readonly FilterField[] = [
  identifierField('Group'),
  field({
    name: 'name',
    filterType: 'contains',
    label: 'Name',
    description: 'ilike: contains this text, ignoring case and diacritics; like: contains it exactly.',
    operators: ['ilike', 'like'],
    indexed: true,
    value: { kind: 'text' },
    sql: nameContains(parameter('Group', 'name'), true),
  }),
  field({
    name: 'type',
    filterType: 'exact',
    label: 'Group type',
    description: `The kind of group: ${GROUP_TYPES.join(', ')}.`,
    operators: EXACT_LIST,
    indexed: false,
    value: { kind: 'code', codes: GROUP_TYPES },
    sql: column('r.group_type'),
  }),
  activeField('False for deactivated groups.'),
  lastUpdatedField(),
  field({
    name: 'member',
    filterType: 'exact',
    label: 'Member',
    description: 'Has the Individual as an active member (Individual/{system}|{value}).',
    operators: ['eq'],
    indexed: true,
    value: { kind: 'reference', types: ['Individual'] },
    sql: single(parameter('Group', 'member')),
  }),
  field({
    name: 'quantity',
    filterType: 'range',
    label: 'Number of members',
    description: 'The number of members active on the day of the request.',
    operators: RANGE,
    indexed: false,
    value: { kind: 'count' },
    sql: scalar(activeMembers),
  }),
];

const PROGRAM: readonly FilterField[] = [
  identifierField('Program'),
  field({
    name: 'name',
    filterType: 'contains',
    label: 'Name',
    description: 'ilike: contains this text, ignoring case; like: contains it exactly.',
    operators: ['ilike', 'like'],
    indexed: false,
    value: { kind: 'text' },
    sql: nameContains(parameter('Program', 'name'), false),
  }),
  field({
    name: 'status',
    filterType: 'exact',
    label: 'Status',
    description: 'active: active and its period not over on the day of the request; ended: otherwise.',
    operators: ['eq'],
    indexed: false,
    value: { kind: 'code', codes: ['active', 'ended'] },
    sql: single(parameter('Program', 'status')),
  }),
  field({
    name: 'targetType',
    filterType: 'exact',
    label: 'Target type',
    description: `Who the programme enrols: ${TARGET_TYPES.join(', ')}.`,
    operators: ['eq', 'ne'],
    indexed: false,
    value: { kind: 'code', codes: TARGET_TYPES },
    sql: column('r.target_type'),
  }),
  activeField('False for deactivated programmes (see status for whether one is running).'),
  lastUpdatedField(),
];

const PROGRAM_MEMBERSHIP: readonly FilterField[] = [
  identifierField('ProgramMembership'),
  field({
    name: 'program',
    filterType: 'exact',
    label: 'Programme',
    description: 'Enrolments in the programme (Program/{system}|{value}).',
    operators: ['eq', 'in'],
    indexed: true,
    value: { kind: 'reference', types: ['Program'] },
    sql: oneOf(parameter('ProgramMembership', 'program')),
  }),
  field({
    name: 'beneficiary',
    filterType: 'exact',
    label: 'Beneficiary',
    description: 'Enrolments of the Individual or Group (Individual/{system}|{value} or Group/{system}|{value}).',
    operators: ['eq', 'in'],
    indexed: true,
    value: { kind: 'reference', types: ['Individual', 'Group'] },
    sql: oneOf(parameter('ProgramMembership', 'beneficiary')),
  }),
  field({
    name: 'status',
    filterType: 'exact',
    label: 'Status',
    description: `Where the enrolment stands: ${MEMBERSHIP_STATUSES.join(', ')}.`,
    operators: EXACT_LIST,
    indexed: false,
    value: { kind: 'code', codes: MEMBERSHIP_STATUSES },
    sql: column('r.status'),
  }),
  field({
    name: 'enrollmentDate',
    filterType: 'range',
    label: 'Enrolment date',
    description: 'Compared as a calendar date; `null: true` finds enrolments without one.',
    operators: [...RANGE, 'null'],
    indexed: true,
    value: { kind: 'date' },
    sql: dateRange("ifnull(r.enrollment_date, '')", 'enrollmentDate'),
  }),
  lastUpdatedField(),
];

export const FILTER_FIELDS: Readonly<Record<ResourceType, readonly FilterField[]>> = {
  Individual: INDIVIDUAL,
  Group: GROUP,
  Program: PROGRAM,
  ProgramMembership: PROGRAM_MEMBERSHIP,
};

/** Sort fields of the filter search → the search spec's sort keys (whose expressions have indexes); the first is the default. */
export const SORT_FIELDS: Readonly<Record<ResourceType, Readonly<Record<string, string>>>> = {
  Individual: { name: 'name', birthDate: 'birthdate', lastUpdated: '_lastUpdated' },
  Group: { name: 'name', lastUpdated: '_lastUpdated' },
  Program: { name: 'name', lastUpdated: '_lastUpdated' },
  ProgramMembership: { lastUpdated: '_lastUpdated', enrollmentDate: 'enrollmentDate' },
};
