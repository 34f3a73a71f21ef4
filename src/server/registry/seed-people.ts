/**
 * The synthetic population: households of about four (a head, usually a spouse, children, now and then a
 * grandparent) with Filipino names and places, and who is enrolled in which programme. Pure and deterministic:
 * the same seed gives the same households; only the row ids the writer assigns make identifiers unique.
 */
import { BARANGAYS, FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, PLACES, STREETS } from './seed-vocabulary.js';
import type { Address } from './types.js';

export type Role = 'head' | 'spouse' | 'child' | 'parent';

export interface SeedPerson {
  family: string;
  given: string;
  middle: string;
  sex: 'M' | 'F';
  birthDate: string;
  birthDateEstimated: boolean;
  role: Role;
  active: boolean;
  mobile?: string;
  /** Has a PhilHealth number besides the national id. */
  philhealth: boolean;
  /** The day the person left the household (an adult child who moved out). */
  left?: string;
  /** Enrolled in the pension programme (seniors only): its status and date. */
  pension?: Enrolment;
  /** Milliseconds before "now" that the record was last updated. */
  age: number;
}

export interface Enrolment {
  status: 'enrolled' | 'active' | 'suspended';
  enrollmentDate: string;
  age: number;
}

export interface SeedHousehold {
  name: string;
  address: Address;
  /** When the members joined. */
  since: string;
  members: SeedPerson[];
  /** Enrolled in the household cash-transfer programme. */
  cashTransfer?: Enrolment;
  age: number;
}

/** mulberry32: small, fast and good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pad = (n: number, width: number) => String(n).padStart(width, '0');

const TWO_YEARS = 730 * 86_400_000;

/** Households until `individuals` people exist; `year` is the current year (ages are relative to it). */
export function* households(individuals: number, seed: number, year: number): Generator<SeedHousehold> {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  // Squaring skews draws to the front of the list: a few family names are very common, as in life.
  const family = () => FAMILY_NAMES[Math.floor(rnd() * rnd() * FAMILY_NAMES.length)]!;
  const given = (sex: 'M' | 'F') => (sex === 'M' ? pick(MALE_GIVEN) : pick(FEMALE_GIVEN));
  const month = () => pad(1 + Math.floor(rnd() * 12), 2);
  const date = (y: number) => `${y}-${month()}-${pad(1 + Math.floor(rnd() * 28), 2)}`;
  const enrolment = (): Enrolment => ({
    status: ((r) => (r < 0.3 ? 'enrolled' : r < 0.9 ? 'active' : 'suspended'))(rnd()),
    enrollmentDate: `${year - 1 - Math.floor(rnd() * 8)}-${month()}-01`,
    age: Math.floor(rnd() * TWO_YEARS),
  });
  const person = (family: string, middle: string, sex: 'M' | 'F', birthYear: number, role: Role): SeedPerson => {
    const adult = year - birthYear >= 18;
    const p: SeedPerson = {
      family,
      given: given(sex),
      middle,
      sex,
      birthDate: date(birthYear),
      birthDateEstimated: role === 'parent' && rnd() < 0.3,
      role,
      active: rnd() >= 0.02,
      philhealth: rnd() < 0.3,
      age: Math.floor(rnd() * TWO_YEARS),
    };
    if (adult && rnd() < 0.6) p.mobile = `+639${pad(Math.floor(rnd() * 1e9), 9)}`;
    if (year - birthYear >= 60 && rnd() < 0.5) p.pension = enrolment();
    return p;
  };
  const sizeOf = () => {
    const r = rnd();
    return r < 0.06 ? 1 : r < 0.18 ? 2 : r < 0.38 ? 3 : r < 0.62 ? 4 : r < 0.8 ? 5 : r < 0.92 ? 6 : 7;
  };

  let made = 0;
  while (made < individuals) {
    const size = Math.min(sizeOf(), individuals - made);
    const fam = family();
    const headSex = rnd() < 0.7 ? 'M' : 'F';
    const headYear = year - 25 - Math.floor(rnd() * 50);
    const head = person(fam, family(), headSex, headYear, 'head');
    const members = [head];
    let mother = headSex === 'F' ? head : undefined;
    let motherYear = headYear;
    if (size >= 2 && rnd() < 0.85) {
      const sex = headSex === 'M' ? 'F' : 'M';
      const spouseYear = headYear - 5 + Math.floor(rnd() * 11);
      const spouse = person(fam, family(), sex, spouseYear, 'spouse');
      members.push(spouse);
      if (sex === 'F') [mother, motherYear] = [spouse, spouseYear];
    }
    if (size >= 5 && rnd() < 0.2) members.push(person(fam, family(), rnd() < 0.6 ? 'F' : 'M', headYear - 22 - Math.floor(rnd() * 9), 'parent'));
    while (members.length < size) {
      const birthYear = Math.min(year, motherYear + 18 + Math.floor(rnd() * 24));
      const child = person(fam, mother?.middle ?? head.middle, rnd() < 0.5 ? 'F' : 'M', birthYear, 'child');
      if (year - birthYear >= 18 && rnd() < 0.1) child.left = `${Math.max(birthYear + 18, year - 1 - Math.floor(rnd() * 5))}-${month()}-28`;
      members.push(child);
    }
    const [city, state, postalCode] = pick(PLACES);
    const line =
      rnd() < 0.5 ? `Purok ${1 + Math.floor(rnd() * 9)}` : `Blk ${1 + Math.floor(rnd() * 40)} Lot ${1 + Math.floor(rnd() * 30)}, ${pick(STREETS)} Street`;
    const household: SeedHousehold = {
      name: `${fam} household`,
      address: { type: 'physical', line: [line], district: `Barangay ${pick(BARANGAYS)}`, city, state, postalCode, country: 'PH' },
      since: `${year - 1 - Math.floor(rnd() * 10)}-${month()}-01`,
      members,
      age: Math.floor(rnd() * TWO_YEARS),
    };
    if (rnd() < 0.2) household.cashTransfer = enrolment();
    made += members.length;
    yield household;
  }
}
