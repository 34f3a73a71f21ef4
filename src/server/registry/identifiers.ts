/**
 * Identifiers and references as the API writes them: `{system}|{value}` (split on the first `|`), references
 * `Type/{system}|{value}`, and the canonical URL of a record. Pure functions; malformed input is refused with the
 * ApiError the contract names (INVALID_IDENTIFIER, INVALID_REFERENCE, or the caller's code).
 */
import { ApiError, type ErrorCode } from '../../contract/errors.js';
import { isResourceType, type ResourceType } from './types.js';

export interface IdentifierKey {
  system: string;
  value: string;
}

const EXAMPLE = 'urn:gov:ph:psa:national-id|PH-123456789';

/** `{system}|{value}` → its parts; the system is everything before the first `|`. */
export function parseIdentifier(text: string, expression = 'identifier', code: ErrorCode = 'INVALID_IDENTIFIER'): IdentifierKey {
  const bar = text.indexOf('|');
  if (bar <= 0 || bar === text.length - 1) {
    throw new ApiError(code, `An identifier must be written {system}|{value}, e.g. ${EXAMPLE}.`, { expression });
  }
  return { system: text.slice(0, bar), value: text.slice(bar + 1) };
}

export function formatIdentifier(id: IdentifierKey): string {
  return `${id.system}|${id.value}`;
}

export function sameIdentifier(a: IdentifierKey, b: IdentifierKey): boolean {
  return a.system === b.system && a.value === b.value;
}

// RFC 3986 pchar = unreserved / pct-encoded / sub-delims / ":" / "@". encodeURIComponent leaves only
// unreserved and !'()* alone; these are the other pchar characters it escapes needlessly.
const PCHAR_ESCAPES: Record<string, string> = { '%24': '$', '%26': '&', '%2B': '+', '%2C': ',', '%3B': ';', '%3D': '=', '%3A': ':', '%40': '@' };

/** Percent-encodes everything that is not an RFC 3986 pchar (so `:` stays; `#`, `/`, `|`, `%` do not). */
export function encodePathSegment(text: string): string {
  return encodeURIComponent(text).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (m) => PCHAR_ESCAPES[m]!);
}

/** Where a record can be read: `${basePath}/${Type}/${system}%7C${value}`, each part a path segment. */
export function recordUrl(basePath: string, type: ResourceType, id: IdentifierKey): string {
  return `${basePath}/${type}/${encodePathSegment(id.system)}%7C${encodePathSegment(id.value)}`;
}

export function formatReference(type: ResourceType, id: IdentifierKey): string {
  return `${type}/${formatIdentifier(id)}`;
}

export interface ParsedReference {
  type: ResourceType;
  identifier: IdentifierKey;
}

/** `Type/{system}|{value}` → its parts. `urn:uuid:` placeholders are resolved before this (inside `$batch`). */
export function parseReference(text: string, expression: string, code: ErrorCode = 'INVALID_REFERENCE'): ParsedReference {
  const slash = text.indexOf('/');
  const type = slash > 0 ? text.slice(0, slash) : '';
  if (!isResourceType(type)) throw new ApiError(code, `${text} is not a reference of the form Type/{system}|{value}.`, { expression });
  const bar = text.indexOf('|', slash);
  if (bar <= slash + 1 || bar === text.length - 1) throw new ApiError(code, `${text} is not a reference of the form ${type}/{system}|{value}.`, { expression });
  return { type, identifier: { system: text.slice(slash + 1, bar), value: text.slice(bar + 1) } };
}
