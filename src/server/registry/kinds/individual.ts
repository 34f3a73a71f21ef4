/**
 * Individuals: registrant persons. `name.text` is composed when the client leaves it out; `groupMembership` is
 * derived from the active memberships of groups and never stored. A person may have no name at all (the deployed
 * dialect requires only an identifier): such a record sorts first by name, has nothing in the name index and is
 * referenced without a display.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';
import { ACTIVE_MEMBER } from '../store/consent.js';
import { identifiersOf, metaOf, readDoc, versionOf, writeDoc } from '../store/records.js';
import { indexIndividualText, textField } from '../store/text-index.js';
import { ApiError } from '../../../contract/errors.js';
import { publishedContract } from '../../../contract/contract.js';
import type { Address, Individual, IndividualInput } from '../types.js';
import { wants } from '../elements.js';
import { compact, periodOf, referenceTo, sortKey, withDisplays, type Kind } from './common.js';

type Name = NonNullable<Individual['name']>;
/** The client-writable fields, as stored. */
type IndividualDoc = Pick<Individual, 'active' | 'name' | 'birthDate' | 'birthDateEstimated' | 'gender' | 'telecom' | 'address' | 'extension'>;

interface PreparedIndividual {
  doc: IndividualDoc;
  active: boolean;
  nameKey: string;
  birthDate: string | null;
  gender: string | null;
  text: { name: string; address: string };
}

/** ISO/IEC 5218, as the contract enumerates it (`GenderCode`). */
const GENDER = publishedContract.codeSystems.get('urn:iso:std:iso:5218')!;

/** `FAMILY, Given Middle` (the parts that are there); undefined when there are none. */
export function composeNameText(name: Name | undefined): string | undefined {
  if (!name) return undefined;
  const rest = [name.given, name.middle].filter(Boolean).join(' ');
  const family = name.family?.toUpperCase();
  const text = family && rest ? `${family}, ${rest}` : family || rest;
  return text || undefined;
}

/** The name with its display text, composed when the client left it out. A name with no field is no name. */
function withText(name: Name | undefined): Name | undefined {
  if (!name || Object.keys(name).length === 0) return undefined;
  if (name.text !== undefined) return name;
  const text = composeNameText(name);
  return text ? { ...name, text } : name;
}

export function addressText(addresses: readonly Address[] | undefined): string {
  const parts: Array<string | undefined> = [];
  for (const a of addresses ?? []) parts.push(a.text, ...(a.line ?? []), a.city, a.district, a.state, a.postalCode);
  return textField(parts);
}

export function nameText(name: Name | undefined): string {
  if (!name) return '';
  const parts = [name.family, name.given, name.middle];
  return textField(parts.some(Boolean) ? parts : [name.text]);
}

export function individualNameKey(name: Name | undefined): string {
  if (!name) return '';
  return name.family || name.given || name.middle ? sortKey([name.family, name.given, name.middle]) : sortKey([name.text]);
}

/** The ISO/IEC 5218 code of a gender concept (null when none was given). */
function genderCode(input: IndividualInput): string | null {
  if (!input.gender) return null;
  const coding = input.gender.coding.find((c) => c.system === GENDER.system);
  if (!coding)
    throw new ApiError('VALIDATION_ERROR', `gender needs a coding from ${GENDER.system} (${GENDER.codes.join(', ')}).`, { expression: 'gender.coding' });
  if (!GENDER.codes.includes(coding.code)) {
    const at = `gender.coding[${input.gender.coding.indexOf(coding)}].code`;
    throw new ApiError('VALIDATION_ERROR', `${at} must be one of ${GENDER.codes.join(', ')} (ISO/IEC 5218).`, { expression: at });
  }
  return coding.code;
}

export const individualKind: Kind<'Individual', PreparedIndividual> = {
  type: 'Individual',

  prepare(_db, input) {
    const gender = genderCode(input);
    const name = withText(input.name);
    const active = input.active ?? true;
    // Built field by field rather than filtered: the seed generator runs this a million times.
    const doc: IndividualDoc = { active };
    if (name !== undefined) doc.name = name;
    if (input.birthDate !== undefined) doc.birthDate = input.birthDate;
    if (input.birthDateEstimated !== undefined) doc.birthDateEstimated = input.birthDateEstimated;
    if (input.gender !== undefined) doc.gender = input.gender;
    if (input.telecom !== undefined) doc.telecom = input.telecom;
    if (input.address !== undefined) doc.address = input.address;
    if (input.extension !== undefined) doc.extension = input.extension;
    return {
      doc,
      active,
      nameKey: individualNameKey(name),
      birthDate: input.birthDate ?? null,
      gender,
      text: { name: nameText(name), address: addressText(input.address) },
    };
  },

  write(db, recordId, p, v) {
    const cols = [v.version_id, v.last_updated, v.source, p.active ? 1 : 0, p.nameKey, p.birthDate, p.gender];
    let id = recordId;
    if (id === undefined) {
      const sql = 'INSERT INTO individuals (version_id, last_updated, source, active, name_key, birth_date, gender) VALUES (?, ?, ?, ?, ?, ?, ?)';
      id = Number(stmt(db, sql).run(...cols).lastInsertRowid);
    } else {
      const sql = 'UPDATE individuals SET version_id = ?, last_updated = ?, source = ?, active = ?, name_key = ?, birth_date = ?, gender = ? WHERE id = ?';
      stmt(db, sql).run(...cols, id);
    }
    writeDoc(db, 'Individual', id, p.doc);
    indexIndividualText(db, id, p.text.name, p.text.address);
    return id;
  },

  render(db, id, today, shape) {
    const doc = readDoc<IndividualDoc>(db, 'Individual', id);
    const groupMembership = wants(shape, 'groupMembership') ? groupMembershipOf(db, id, today) : [];
    return compact({
      resourceType: 'Individual' as const,
      identifier: identifiersOf(db, 'Individual', id),
      active: doc.active ?? true,
      name: doc.name,
      birthDate: doc.birthDate,
      birthDateEstimated: doc.birthDateEstimated,
      gender: doc.gender && withDisplays(doc.gender),
      telecom: doc.telecom,
      address: doc.address,
      groupMembership: groupMembership.length ? groupMembership : undefined,
      extension: doc.extension,
      meta: metaOf(versionOf(db, 'Individual', id)),
    });
  },
};

interface MembershipRow {
  group_id: number;
  role: string | null;
  period_start: string | null;
  period_end: string | null;
}

function groupMembershipOf(db: Db, individualId: number, today: string): NonNullable<Individual['groupMembership']> {
  const sql = `SELECT m.group_id, m.role, m.period_start, m.period_end FROM group_members m
               WHERE m.individual_id = ? AND ${ACTIVE_MEMBER('m')} ORDER BY m.group_id, m.position`;
  const rows = stmt(db, sql).all(individualId, today) as MembershipRow[];
  return rows.map((r) =>
    compact({
      group: referenceTo(db, 'Group', r.group_id),
      role: r.role ? withDisplays(JSON.parse(r.role)) : undefined,
      period: periodOf(r.period_start, r.period_end),
    }),
  );
}
