/**
 * A filter request's conditions → SQL conditions on the type's table (alias `r`), checked on the way: each
 * condition names a field of the type, an operator that field allows and a value of its kind; compounds join
 * with AND or OR and nest at most MAX_DEPTH deep; a request holds at most MAX_FILTER_COMPLEXITY conditions of its
 * own (a preset's do not count: the client did not write them). The first problem found is refused with
 * VALIDATION_ERROR at its place, e.g. `filters[2].operator` or `filters[0].conditions[1].value`.
 */
import { ApiError } from '../../../contract/errors.js';
import type { ResourceType, SqlFragment } from '../types.js';
import { FILTER_FIELDS } from './fields.js';
import { PRESETS } from './presets.js';
import { OPERATORS, type AdvancedSearchRequest, type FilterEnv, type FilterField, type Logic, type Operator } from './types.js';
import { checkValue, invalid } from './values.js';

export const MAX_FILTER_COMPLEXITY = 10;
/** How deep compound conditions may nest (a top-level compound is depth 1). */
const MAX_DEPTH = 5;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Scope {
  env: FilterEnv;
  fields: ReadonlyMap<string, FilterField>;
  /** Conditions the client wrote, counted as they are compiled (undefined: a preset's, not counted). */
  counted?: { n: number };
}

/** Conditions joined by `logic`; one condition stands as it is (a text-index match keeps its `fts` mark). */
function joined(parts: readonly SqlFragment[], logic: Logic): SqlFragment {
  if (parts.length === 1) return parts[0]!;
  return { sql: `(${parts.map((p) => `(${p.sql})`).join(` ${logic} `)})`, args: parts.flatMap((p) => p.args) };
}

function fieldOf(scope: Scope, name: unknown, where: string): FilterField {
  const field = typeof name === 'string' ? scope.fields.get(name) : undefined;
  if (!field) throw invalid(`${where}.field`, `names no filterable field of ${scope.env.type} (${[...scope.fields.keys()].join(', ')}).`);
  return field;
}

function operatorOf(field: FilterField, raw: unknown, where: string): Operator {
  const operator = raw ?? 'eq';
  if (!(OPERATORS as readonly unknown[]).includes(operator)) throw invalid(`${where}.operator`, `must be one of ${OPERATORS.join(', ')}.`);
  if (!field.operators.includes(operator as Operator)) {
    throw invalid(`${where}.operator`, `is not allowed for ${field.name} (allowed: ${field.operators.join(', ')}).`);
  }
  return operator as Operator;
}

function countOne(scope: Scope, where: string): void {
  if (!scope.counted) return;
  scope.counted.n += 1;
  if (scope.counted.n > MAX_FILTER_COMPLEXITY) {
    throw invalid(where, `is condition ${scope.counted.n}: a request may hold at most ${MAX_FILTER_COMPLEXITY} (max_filter_complexity).`);
  }
}

function fieldCondition(scope: Scope, c: Json, where: string): SqlFragment {
  countOne(scope, where);
  const field = fieldOf(scope, c.field, where);
  const operator = operatorOf(field, c.operator, where);
  const value = checkValue(field, operator, c.value, `${where}.value`);
  try {
    return field.sql(operator, value, scope.env);
  } catch (e) {
    // Values are checked above, so a builder refusing one means the two disagree: still the client's value.
    if (e instanceof ApiError) throw invalid(`${where}.value`, `is not a value ${field.name} accepts.`);
    throw e;
  }
}

function compound(scope: Scope, c: Json, where: string, depth: number): SqlFragment {
  if (depth > MAX_DEPTH) throw invalid(where, `nests compound conditions more than ${MAX_DEPTH} deep.`);
  if (c.logic !== 'AND' && c.logic !== 'OR') throw invalid(`${where}.logic`, 'must be AND or OR.');
  if (!Array.isArray(c.conditions) || c.conditions.length === 0) throw invalid(`${where}.conditions`, 'must be a list of at least one condition.');
  const parts = c.conditions.map((x, i) => condition(scope, x, `${where}.conditions[${i}]`, depth + 1));
  return joined(parts, c.logic);
}

function condition(scope: Scope, c: unknown, where: string, depth: number): SqlFragment {
  if (!isObject(c)) throw invalid(where, 'must be a condition: {field, operator, value} or {logic, conditions}.');
  return 'logic' in c ? compound(scope, c, where, depth) : fieldCondition(scope, c, where);
}

/** A list of conditions (`filters`, `additional_filters`, a preset's), each compiled at its place. */
function conditionList(scope: Scope, list: unknown, where: string): SqlFragment[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid(where, 'must be a list of conditions.');
  return list.map((c, i) => condition(scope, c, `${where}[${i}]`, 1));
}

function logicOf(raw: unknown): Logic {
  if (raw === undefined) return 'AND';
  if (raw !== 'AND' && raw !== 'OR') throw invalid('filter_logic', 'must be AND or OR.');
  return raw;
}

function presetConditions(scope: Scope, name: unknown): SqlFragment[] {
  if (name === undefined) return [];
  const presets = PRESETS[scope.env.type];
  const preset = presets.find((p) => p.name === name);
  if (!preset) throw invalid('preset', `names no preset of ${scope.env.type} (${presets.map((p) => p.name).join(', ')}).`);
  return conditionList({ ...scope, counted: undefined }, preset.conditions(scope.env.access.today), 'preset');
}

function fieldsOf(type: ResourceType): ReadonlyMap<string, FilterField> {
  return new Map(FILTER_FIELDS[type].map((f) => [f.name, f]));
}

/**
 * The request's conditions as SQL conditions that must all hold: the preset's, the additional filters, and the
 * filters joined by `filter_logic` (kept as separate conditions when that is AND).
 */
export function compileConditions(env: FilterEnv, request: AdvancedSearchRequest): SqlFragment[] {
  const scope: Scope = { env, fields: fieldsOf(env.type), counted: { n: 0 } };
  const logic = logicOf(request.filter_logic);
  const filters = conditionList(scope, request.filters, 'filters');
  const additional = conditionList(scope, request.additional_filters, 'additional_filters');
  const preset = presetConditions(scope, request.preset);
  const own = logic === 'AND' || filters.length === 0 ? filters : [joined(filters, 'OR')];
  return [...preset, ...additional, ...own];
}
