/**
 * The deployed dialect's resources ↔ the engine's. The engine speaks the published model (`resourceType`, Group
 * and Program `type`, the canonical enrolment statuses); the deployed module names the resource `type`, the
 * kind of group `groupType`, of programme `programType`, and addresses an enrolment by its beneficiary. Pure
 * functions, apart from `toWireMembership` reading the beneficiary's identifiers.
 */
import type { components as Deployed } from '../../../contract/generated/deployed-types.js';
import type { Db } from '../../store/db.js';
import { isActiveMember } from '../../registry/kinds/group.js';
import { parseReference } from '../../registry/identifiers.js';
import { findRecordId, identifiersOf } from '../../registry/store/records.js';
import type { Group, Individual, InputOf, Program, ProgramMembership, ResourceOf, ResourceType } from '../../registry/types.js';
import { ApiError } from '../../../contract/errors.js';

type Wire = Deployed['schemas'];
export type WireOf = {
  Individual: Wire['Individual'];
  Group: Wire['Group'];
  Program: Wire['Program'];
  ProgramMembership: Wire['ProgramMembership'];
};
export type WireStatus = Wire['MembershipStatus'];
type CanonicalStatus = NonNullable<ProgramMembership['status']> | 'draft' | 'not_eligible' | 'duplicated';

/** The canonical enrolment statuses in the module's words (the published-only ones mapped to their nearest). */
const STATUS_OUT: Record<CanonicalStatus, WireStatus> = {
  draft: 'draft',
  enrolled: 'enrolled',
  active: 'enrolled',
  suspended: 'paused',
  graduated: 'exited',
  exited: 'exited',
  not_eligible: 'not_eligible',
  duplicated: 'duplicated',
};
/** The module's statuses as stored (`paused` is the published `suspended`). */
const STATUS_IN: Record<WireStatus, CanonicalStatus> = {
  draft: 'draft',
  enrolled: 'enrolled',
  paused: 'suspended',
  exited: 'exited',
  not_eligible: 'not_eligible',
  duplicated: 'duplicated',
};

/** The stored statuses a deployed status filter means (what renders as that status). */
export function storedStatuses(status: WireStatus): CanonicalStatus[] {
  return (Object.keys(STATUS_OUT) as CanonicalStatus[]).filter((s) => STATUS_OUT[s] === status);
}

/** What the module sends when a programme has no type of its own. */
const SOCIAL_PROTECTION = {
  coding: [{ system: 'urn:openspp:vocab:program-type', code: 'social-protection', display: 'Social Protection Program' }],
  text: 'Social Protection Program',
};

export function toWireIndividual(r: Partial<Individual>): Wire['Individual'] {
  const { resourceType: _r, ...rest } = r;
  return { type: 'Individual', ...rest } as Wire['Individual'];
}

/** A Group: `groupType`; members still active today only, and `quantity` counts them (as the module does). */
export function toWireGroup(r: Partial<Group>, today: string): Wire['Group'] {
  const { resourceType: _r, type, characteristic: _c, member, quantity: _q, ...rest } = r;
  const current = member?.filter((m) => isActiveMember({ inactive: m.inactive ?? false, end: m.period?.end ?? null }, today));
  return {
    type: 'Group',
    ...(type ? { groupType: type } : {}),
    ...rest,
    ...(current ? { member: current, quantity: current.length } : {}),
  } as Wire['Group'];
}

export function toWireProgram(r: Partial<Program>): Wire['Program'] {
  const { resourceType: _r, type, ...rest } = r;
  return { type: 'Program', ...rest, programType: type ?? SOCIAL_PROTECTION } as Wire['Program'];
}

/** An enrolment: its identifiers are its beneficiary's (the module's enrolments have none of their own). */
export function toWireMembership(db: Db, r: Partial<ProgramMembership>): Wire['ProgramMembership'] {
  const { resourceType: _r, identifier: _own, status, ...rest } = r;
  return {
    type: 'ProgramMembership',
    ...(r.beneficiary ? { identifier: beneficiaryIdentifiers(db, r.beneficiary.reference) } : {}),
    ...rest,
    ...(status ? { status: STATUS_OUT[status as CanonicalStatus] } : {}),
  } as Wire['ProgramMembership'];
}

function beneficiaryIdentifiers(db: Db, reference: string) {
  const { type, identifier } = parseReference(reference, 'beneficiary');
  const id = findRecordId(db, type, identifier);
  return id === undefined ? [identifier] : identifiersOf(db, type, id);
}

/** Any engine resource in the module's words. */
export function toWire<T extends ResourceType>(db: Db, type: T, r: Partial<ResourceOf[T]>, today: string): WireOf[T] {
  switch (type) {
    case 'Individual':
      return toWireIndividual(r as Individual) as WireOf[T];
    case 'Group':
      return toWireGroup(r as Group, today) as WireOf[T];
    case 'Program':
      return toWireProgram(r as Program) as WireOf[T];
    default:
      return toWireMembership(db, r as ProgramMembership) as WireOf[T];
  }
}

const pick = (body: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));

const INDIVIDUAL_FIELDS = ['identifier', 'active', 'name', 'birthDate', 'birthDateEstimated', 'gender', 'telecom', 'address', 'extension'] as const;
const GROUP_FIELDS = ['identifier', 'active', 'name', 'member', 'address', 'extension'] as const;

/** A deployed Individual body as the engine's input (unknown keys dropped, as the module's models do). */
export function individualInput(body: Record<string, unknown>): InputOf['Individual'] {
  return { resourceType: 'Individual', ...pick(body, INDIVIDUAL_FIELDS) } as InputOf['Individual'];
}

/** The Group fields a deployed body carries, in the engine's names (`groupType` → `type`). */
export function groupFields(body: Record<string, unknown>): InputOf['Group'] {
  return { resourceType: 'Group', ...(body.groupType !== undefined ? { type: body.groupType } : {}), ...pick(body, GROUP_FIELDS) } as InputOf['Group'];
}

/** A deployed Group body to create one: a name is needed (Odoo requires it), `groupType` defaults to household. */
export function groupInput(body: Record<string, unknown>): InputOf['Group'] {
  if (typeof body.name !== 'string') throw new ApiError('VALIDATION_ERROR', 'A Group needs a name.', { expression: 'name' });
  const fields = groupFields(body);
  return { ...fields, type: fields.type ?? 'household' };
}

/** A deployed enrolment body as the engine's input (its status in the canonical words). */
export function membershipInput(body: Wire['ProgramMembershipInput']): InputOf['ProgramMembership'] {
  return {
    resourceType: 'ProgramMembership',
    program: body.program,
    beneficiary: body.beneficiary,
    status: STATUS_IN[body.status],
    ...(body.enrollmentDate !== undefined ? { enrollmentDate: body.enrollmentDate } : {}),
    ...(body.exitDate !== undefined ? { exitDate: body.exitDate } : {}),
  } as InputOf['ProgramMembership'];
}

/** `_elements` in the module's field names, as the engine's. */
export function elementsIn(type: ResourceType, elements: string | undefined): string | undefined {
  if (elements === undefined) return undefined;
  const rename: Record<string, string> = type === 'Group' ? { groupType: 'type' } : type === 'Program' ? { programType: 'type' } : {};
  return elements
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'type')
    .map((e) => rename[e] ?? e)
    .join(',');
}
