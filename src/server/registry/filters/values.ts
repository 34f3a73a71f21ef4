/**
 * The values a filter condition may carry, checked before any SQL is built: a value of the wrong type or form is
 * refused with VALIDATION_ERROR at its place (`filters[2].value`, `filters[2].value[1]`). Messages say what is
 * expected and never repeat the value (it could be anything a client sent). Pure.
 */
import { ApiError } from '../../../contract/errors.js';
import { isInstant, isRealDate } from '../search/dates.js';
import { isResourceType } from '../types.js';
import type { FilterField, Operator, ValueKind } from './types.js';

/** The most values an `in` or `nin` list may have. */
export const MAX_VALUES = 100;
/** Contains-tests need two characters (the text index is of trigrams; see store/text-index.ts) and take at most 100. */
const TEXT_LENGTH = { min: 2, max: 100 };
/** The largest count a count-valued field is compared with. */
const MAX_COUNT = 1_000_000;
const CONTROL = /[\u0000-\u001F\u007F]/;

export function invalid(where: string, text: string): ApiError {
  return new ApiError('VALIDATION_ERROR', `${where} ${text}`, { expression: where });
}

/** `{system}|{value}`, both parts non-empty (split on the first `|`). */
function isIdentifier(text: string): boolean {
  const bar = text.indexOf('|');
  return bar > 0 && bar < text.length - 1;
}

/** `Type/{system}|{value}` of one of the types. */
function isReference(text: string, types: readonly string[]): boolean {
  const slash = text.indexOf('/');
  const type = text.slice(0, slash);
  return slash > 0 && isResourceType(type) && types.includes(type) && isIdentifier(text.slice(slash + 1));
}

function expected(kind: ValueKind): string {
  switch (kind.kind) {
    case 'identifier':
      return 'an identifier written {system}|{value}';
    case 'reference':
      return `a reference written ${kind.types.join('/… or ')}/{system}|{value}`;
    case 'code':
      return `one of ${kind.codes.join(', ')}`;
    case 'text':
      return `a text of ${TEXT_LENGTH.min} to ${TEXT_LENGTH.max} characters without control characters`;
    case 'date':
      return 'a calendar date YYYY-MM-DD';
    case 'instant':
      return 'a date YYYY-MM-DD or a date-time with its time zone (e.g. 2026-03-02T09:15:00Z)';
    case 'boolean':
      return 'true or false';
    case 'count':
      return `a whole number from 0 to ${MAX_COUNT}`;
  }
}

function fits(kind: ValueKind, value: unknown): boolean {
  if (kind.kind === 'boolean') return typeof value === 'boolean';
  if (kind.kind === 'count') return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_COUNT;
  if (typeof value !== 'string' || CONTROL.test(value)) return false;
  switch (kind.kind) {
    case 'identifier':
      return isIdentifier(value);
    case 'reference':
      return isReference(value, kind.types);
    case 'code':
      return kind.codes.includes(value);
    case 'text': {
      const length = [...value].length;
      return length >= TEXT_LENGTH.min && length <= TEXT_LENGTH.max;
    }
    case 'date':
      return isRealDate(value);
    case 'instant':
      return isInstant(value);
  }
}

function checkOne(field: FilterField, value: unknown, where: string): unknown {
  if (!fits(field.value, value)) throw invalid(where, `must be ${expected(field.value)} (${field.name}).`);
  return value;
}

/**
 * The value of a condition, checked for its operator: `null` takes true (the field is absent) or false (it is
 * present), `in`/`nin` a list of 1 to MAX_VALUES values, the others one value of the field's kind.
 */
export function checkValue(field: FilterField, operator: Operator, value: unknown, where: string): unknown {
  if (operator === 'null') {
    if (typeof value !== 'boolean') throw invalid(where, 'must be true (the field is absent) or false (the field is present) with the null operator.');
    return value;
  }
  if (operator === 'in' || operator === 'nin') {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_VALUES) {
      throw invalid(where, `must be a list of 1 to ${MAX_VALUES} values with the ${operator} operator.`);
    }
    return value.map((v, i) => checkOne(field, v, `${where}[${i}]`));
  }
  return checkOne(field, value, where);
}
