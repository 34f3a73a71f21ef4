/**
 * The advanced filter endpoints' vocabulary (`GET /{Resource}/_filters`, `POST /{Resource}/_search` of the
 * deployed module): conditions, the search request, and the metadata that describes what a client may filter on.
 * Field names of the request and the metadata are the deployed module's (snake_case).
 */
import type { Db } from '../../store/db.js';
import type { Access, ResourceOf, ResourceType, SqlFragment } from '../types.js';

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'like', 'ilike', 'null'] as const;
export type Operator = (typeof OPERATORS)[number];
export type Logic = 'AND' | 'OR';

/** One test of one field. `operator` defaults to `eq`, as in the deployed module. */
export interface FieldCondition {
  field: string;
  operator?: Operator;
  value: unknown;
}

/** Conditions joined by AND or OR; compounds nest. */
export interface CompoundCondition {
  logic: Logic;
  conditions: Condition[];
}

export type Condition = FieldCondition | CompoundCondition;

export interface AdvancedSearchRequest {
  filters?: Condition[];
  /** How the top-level `filters` are joined (default AND). */
  filter_logic?: Logic;
  /** A named, server-defined set of conditions; `additional_filters` narrow it further. */
  preset?: string;
  additional_filters?: Condition[];
  sort?: Array<{ field: string; direction?: 'asc' | 'desc' }>;
  pagination?: { count?: number; offset?: number };
}

export interface AdvancedSearchResult<T extends ResourceType> {
  /** Every match (for a consent-bound client: every match it may see). */
  total: number;
  /** The page, rendered and shaped as a search shows records. */
  rows: Array<ResourceOf[T]>;
  offset: number;
  /** The page size asked for (pagination.count, default 20); `rows` is shorter on the last page. */
  count: number;
  hasNext: boolean;
}

/** How a field is matched, in the deployed module's words. */
export type FilterType = 'exact' | 'contains' | 'range' | 'boolean';

/** One filterable field as `GET /{Resource}/_filters` describes it. */
export interface FilterFieldMetadata {
  name: string;
  field_path: string;
  filter_type: FilterType;
  label: string;
  description: string;
  allowed_operators: Operator[];
  required: boolean;
  is_indexed: boolean;
  /** The most values an `in` or `nin` condition may list (only for fields that allow them). */
  max_values?: number;
}

export interface PresetMetadata {
  name: string;
  description: string;
}

export interface FilterMetadata {
  resource: ResourceType;
  /** Whether fields other than those listed may be filtered on: never (every field is backed by the engine's SQL). */
  allow_custom_filters: boolean;
  max_filter_complexity: number;
  filters: FilterFieldMetadata[];
  presets: PresetMetadata[];
}

/** What a field's SQL builder may need besides the value. */
export interface FilterEnv {
  db: Db;
  access: Access;
  type: ResourceType;
}

/** The kind of value a field takes (a single value; `in`/`nin` take a list of them, `null` a boolean). */
export type ValueKind =
  | { kind: 'identifier' }
  | { kind: 'reference'; types: readonly ResourceType[] }
  | { kind: 'code'; codes: readonly string[] }
  | { kind: 'text' }
  | { kind: 'date' }
  | { kind: 'instant' }
  | { kind: 'boolean' }
  | { kind: 'count' };

/** A filterable field: its metadata, the values it takes, and its condition as SQL on the type's table (alias `r`). */
export interface FilterField {
  name: string;
  path: string;
  filterType: FilterType;
  label: string;
  description: string;
  operators: readonly Operator[];
  indexed: boolean;
  value: ValueKind;
  /** The condition; `value` has been checked against `value` (a list for in/nin, a boolean for null). */
  sql(operator: Operator, value: unknown, env: FilterEnv): SqlFragment;
}

export interface Preset {
  name: string;
  description: string;
  /** The preset's conditions for a request made today (some depend on the date). */
  conditions(today: string): Condition[];
}
