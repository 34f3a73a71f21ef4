/** The kind of each resource type. */
import type { ResourceType } from '../types.js';
import type { Kind } from './common.js';
import { groupKind } from './group.js';
import { individualKind } from './individual.js';
import { membershipKind } from './membership.js';
import { programKind } from './program.js';

export const KINDS: { readonly [T in ResourceType]: Kind<T, unknown> } = {
  Individual: individualKind,
  Group: groupKind,
  Program: programKind,
  ProgramMembership: membershipKind,
};
