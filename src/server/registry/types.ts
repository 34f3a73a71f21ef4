/**
 * The registry's vocabulary: resource types as the contract defines them, and errors as values. Every failure
 * carries the `urn:openspp:error` code the API answers with, so the HTTP edge only translates.
 */
import type { components } from '../../contract/generated/types.js';
import type { ErrorCode } from '../../contract/outcome.js';

type Schemas = components['schemas'];

export type Individual = Schemas['Individual'];
export type IndividualInput = Schemas['IndividualInput'];
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
export type AnyResource = ResourceOf[ResourceType];
export type AnyInput = InputOf[ResourceType];

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

/** A failure the API reports: its code decides the status; `expression` points at the offending field. */
export interface RegistryError {
  code: ErrorCode;
  text: string;
  expression?: string[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: RegistryError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function registryError(code: ErrorCode, text: string, expression?: string | string[]): RegistryError {
  const expr = expression === undefined ? undefined : Array.isArray(expression) ? expression : [expression];
  return { code, text, ...(expr?.length ? { expression: expr } : {}) };
}

export function fail<T = never>(code: ErrorCode, text: string, expression?: string | string[]): Result<T> {
  return { ok: false, error: registryError(code, text, expression) };
}

/**
 * Thrown inside a database transaction to roll it back; caught at the transaction's edge and turned back into
 * the error value it carries. Never escapes the registry.
 */
export class Rollback extends Error {
  constructor(readonly error: RegistryError) {
    super(error.text);
  }
}

/**
 * Who is asking and when: what the data layer needs from the request context. `consentBound` clients read only
 * records a valid consent granted to their organization covers.
 */
export interface Access {
  organizationId: number;
  consentBound: boolean;
  /** The moment of the request; `today` is its UTC date, against which periods and consents are judged. */
  now: Date;
  today: string;
  /** meta.source of what this caller writes. */
  source: string;
  /** Absolute-path prefix of the API, for Location, fullUrl and links. */
  basePath: string;
}
