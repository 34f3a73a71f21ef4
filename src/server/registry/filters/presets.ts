/**
 * Named filter presets: server-defined conditions on the same fields a client can filter on, so that a preset is
 * checked and compiled like any request. Some depend on the day of the request (ages, "recently"): they are built
 * from the request's date (`access.today`), never from the clock.
 */
import type { ResourceType } from '../types.js';
import type { Condition, Preset } from './types.js';

/** How far back "recently updated" reaches. */
const RECENT_DAYS = 30;

/**
 * The same calendar day `years` earlier, or the last day of that month when it has no such day (29 February in a
 * common year becomes the 28th): someone born after it is younger than `years` on `today`.
 */
export function yearsBefore(today: string, years: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const year = y - years;
  const lastDay = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

export function daysBefore(today: string, days: number): string {
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

const recentlyUpdated: Preset = {
  name: 'recently_updated',
  description: `Changed in the last ${RECENT_DAYS} days (from ${RECENT_DAYS} days before the day of the request).`,
  conditions: (today) => [{ field: 'lastUpdated', operator: 'gte', value: daysBefore(today, RECENT_DAYS) }],
};

const INDIVIDUAL: readonly Preset[] = [
  {
    name: 'children_under_5',
    description: 'People younger than 5 years on the day of the request (date of birth recorded).',
    conditions: (today) => [{ field: 'birthDate', operator: 'gt', value: yearsBefore(today, 5) }],
  },
  {
    name: 'elderly_60_plus',
    description: 'People aged 60 or more on the day of the request (date of birth recorded).',
    conditions: (today) => [{ field: 'birthDate', operator: 'lte', value: yearsBefore(today, 60) }],
  },
  {
    name: 'active_individuals',
    description: 'Records that have not been deactivated.',
    conditions: () => [{ field: 'active', operator: 'eq', value: true }],
  },
  recentlyUpdated,
];

const activeHousehold: Condition[] = [
  { field: 'type', operator: 'eq', value: 'household' },
  { field: 'active', operator: 'eq', value: true },
];

const GROUP: readonly Preset[] = [
  {
    name: 'active_households',
    description: 'Groups of type household that have not been deactivated.',
    conditions: () => activeHousehold,
  },
  {
    name: 'large_households',
    description: 'Active households with 6 or more members active on the day of the request.',
    conditions: () => [...activeHousehold, { field: 'quantity', operator: 'gte', value: 6 }],
  },
  recentlyUpdated,
];

const PROGRAM: readonly Preset[] = [
  {
    name: 'active_programs',
    description: 'Programmes that are active and whose period is not over on the day of the request.',
    conditions: () => [{ field: 'status', operator: 'eq', value: 'active' }],
  },
  recentlyUpdated,
];

const PROGRAM_MEMBERSHIP: readonly Preset[] = [
  {
    name: 'currently_enrolled',
    description: 'Enrolments whose status is enrolled or active.',
    conditions: () => [{ field: 'status', operator: 'in', value: ['enrolled', 'active'] }],
  },
  recentlyUpdated,
];

export const PRESETS: Readonly<Record<ResourceType, readonly Preset[]>> = {
  Individual: INDIVIDUAL,
  Group: GROUP,
  Program: PROGRAM,
  ProgramMembership: PROGRAM_MEMBERSHIP,
};
