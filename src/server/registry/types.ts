/**
 * The registry's vocabulary: resource types as the contract defines them. The registry refuses with the
 * contract's ApiError (contract/errors.ts), so a refusal carries the `urn:openspp:error` code the API answers
 * with and is rendered where every error is.
 */
import type { components } from '../../contract/generated/types.js';
import type { AccessEntry } from './store/access-log.js';

type Schemas = components['schemas'];

export type Individual = Schemas['Individual'];
/**
 * An Individual as the engine stores it: the contract's input, except that `name` may be absent. The deployed
 * dialect does not require a name (and a PATCH may clear it); the published contract does, and enforces that
 * itself before a body reaches the registry.
 */
export type IndividualInput = Omit<Schemas['IndividualInput'], 'name'> & { name?: Schemas['IndividualInput']['name'] };
export type Group = Schemas['Group'];
export type GroupInput = Schemas['GroupInput'];
export type Program = Schemas['Program'];
export type ProgramInput = Schemas['ProgramInput'];
export type ProgramMembership = Schemas['ProgramMembership'];
export type ProgramMembershipInput = Schemas['ProgramMembershipInput'];
export type GroupMember = Schemas['GroupMember'];
export type CodeableConcept = Schemas['CodeableConcept'];
export type Period = Schemas['Period'];
export type Address = Schemas['Address'];
export type Identifier = Schemas['Identifier'];
export type Reference = Schemas['Reference'];
export type Meta = Schemas['Meta'];
export type BundleLink = Schemas['BundleLink'];

export const RESOURCE_TYPES = ['Individual', 'Group', 'Program', 'ProgramMembership'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourceOf {
  Individual: Individual;
  Group: Group;
  Program: Program;
  ProgramMembership: ProgramMembership;
}
export interface InputOf {
  Individual: IndividualInput;
  Group: GroupInput;
  Program: ProgramInput;
  ProgramMembership: ProgramMembershipInput;
}
export interface SearchBundleOf {
  Individual: Schemas['IndividualSearchBundle'];
  Group: Schemas['GroupSearchBundle'];
  Program: Schemas['ProgramSearchBundle'];
  ProgramMembership: Schemas['ProgramMembershipSearchBundle'];
}

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

/** A piece of SQL and the values of its `?` placeholders, in order. */
export interface SqlFragment {
  sql: string;
  args: unknown[];
  /** Set when the condition is a text-index match alone (the executor may then count from the index). */
  fts?: { table: string; expression: string };
}

/**
 * Who is asking and when: what the data layer needs from the request context. `consentBound` clients read only
 * records a valid consent granted to their organization covers.
 */
export interface Access {
  organizationId: number;
  consentBound: boolean;
  /** Records reads of registrants in the access log (absent for the registry's own work: seeding, demo data). */
  logAccess?: (entries: readonly AccessEntry[]) => void;
  /** The moment of the request; `today` is its UTC date, against which periods and consents are judged. */
  now: Date;
  today: string;
  /** meta.source of what this caller writes. */
  source: string;
  /** Absolute-path prefix of the API, for Location, fullUrl and links. */
  basePath: string;
}
