/**
 * Date filters with a comparison prefix (`ge1980-01-01`, `lt2026-02-01T10:00Z`). A value stands for the interval
 * its precision implies — a day, a minute, a second — and the prefix compares against that interval, as FHIR
 * does. Pure: the result is an SQL condition on a column holding the same ISO form.
 */
import { ApiError } from '../../../contract/errors.js';
import type { SqlFragment } from '../types.js';

export type Prefix = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

interface Interval {
  /** Inclusive lower and exclusive upper bound, in the column's string form. */
  lo: string;
  hi: string;
}

function splitPrefix(text: string): { prefix: Prefix; rest: string } {
  const m = /^(eq|ne|lt|le|gt|ge)/.exec(text);
  return m ? { prefix: m[1] as Prefix, rest: text.slice(2) } : { prefix: 'eq', rest: text };
}

/** Whether a text is a `YYYY-MM-DD` date that exists on the calendar. */
export function isRealDate(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The interval of a calendar date, for a column of `YYYY-MM-DD` strings. */
function dayInterval(date: string): Interval {
  return { lo: date, hi: nextDay(date) };
}

/** The interval of a date or date-time, for a column of `Date.toISOString()` strings (UTC, milliseconds). */
function instantInterval(text: string): Interval | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    if (!isRealDate(text)) return undefined;
    return { lo: `${text}T00:00:00.000Z`, hi: `${nextDay(text)}T00:00:00.000Z` };
  }
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, date, hh, mm, ss, frac] = m;
  const start = Date.parse(text);
  if (Number.isNaN(start) || Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59 || !isRealDate(date!)) return undefined;
  // Precision: minutes, seconds, or the given fraction (the column keeps milliseconds, so at most 1 ms).
  const step = ss === undefined ? 60_000 : frac === undefined ? 1000 : Math.max(1, 1000 / 10 ** Math.min(frac.length, 3));
  return { lo: new Date(start).toISOString(), hi: new Date(start + step).toISOString() };
}

/** Whether a text is a date or a date-time `_lastUpdated`-style filters accept (no prefix). */
export function isInstant(text: string): boolean {
  return instantInterval(text) !== undefined;
}

function condition(column: string, prefix: Prefix, { lo, hi }: Interval): SqlFragment {
  switch (prefix) {
    case 'eq':
      return { sql: `(${column} >= ? AND ${column} < ?)`, args: [lo, hi] };
    case 'ne':
      return { sql: `(${column} < ? OR ${column} >= ?)`, args: [lo, hi] };
    case 'lt':
      return { sql: `${column} < ?`, args: [lo] };
    case 'le':
      return { sql: `${column} < ?`, args: [hi] };
    case 'gt':
      return { sql: `${column} >= ?`, args: [hi] };
    case 'ge':
      return { sql: `${column} >= ?`, args: [lo] };
  }
}

/**
 * `birthdate`-style filters on a `YYYY-MM-DD` column. `column` may be an expression that maps a missing date
 * to '' (the form the sort index has); '' never matches.
 */
export function dateCondition(column: string, text: string, parameter: string): SqlFragment {
  const { prefix, rest } = splitPrefix(text);
  if (!isRealDate(rest))
    throw new ApiError('MALFORMED_REQUEST', `${parameter}=${text} is not a calendar date (YYYY-MM-DD, optional prefix eq, ne, lt, le, gt, ge).`, {
      expression: parameter,
    });
  const c = condition(column, prefix, dayInterval(rest));
  return { sql: `${c.sql} AND ${column} <> ''`, args: c.args };
}

/** `_lastUpdated` filters on a column of ISO-8601 UTC timestamps. */
export function instantCondition(column: string, text: string, parameter: string): SqlFragment {
  const { prefix, rest } = splitPrefix(text);
  const interval = instantInterval(rest);
  if (!interval)
    throw new ApiError('MALFORMED_REQUEST', `${parameter}=${text} is not a date or date-time (optional prefix eq, ne, lt, le, gt, ge).`, {
      expression: parameter,
    });
  return condition(column, prefix, interval);
}
