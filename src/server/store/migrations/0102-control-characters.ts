import { indexGroupText, indexIndividualText, textField } from '../../registry/store/text-index.js';
import { addressText, nameText } from '../../registry/kinds/individual.js';
import type { Db } from '../db.js';
import type { Migration } from './index.js';

const CONTROL = /[\u0000-\u001F\u007F]/g;
/** Where such a character stood: visible, and not itself refused by the contract. */
const MARK = '\uFFFD';

function clean<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, MARK) as T;
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)])) as T;
  return value;
}

/** Rows of a documents table whose JSON holds a control character (escaped by JSON.stringify, or a raw DEL). */
function dirtyDocs(db: Db, table: string): Array<{ id: number; doc: string }> {
  return db.prepare(`SELECT id, doc FROM ${table} WHERE instr(doc, '\\u00') > 0 OR instr(doc, char(127)) > 0`).all() as Array<{ id: number; doc: string }>;
}

/**
 * Records written before control characters were refused could hold them; the contract now forbids them in
 * every stored string, so such a record could no longer be served within the contract. Each control character
 * of a stored string is replaced by U+FFFD (the record keeps every other character and its version), and the
 * text index of a repaired record is rebuilt.
 */
export const controlCharacters: Migration = {
  id: 102,
  name: 'registry: control characters in stored text become U+FFFD',
  run(db) {
    for (const table of ['individual_docs', 'group_docs', 'program_docs', 'program_membership_docs']) {
      for (const row of dirtyDocs(db, table)) {
        const doc = JSON.parse(row.doc) as Record<string, unknown>;
        const cleaned = clean(doc);
        if (JSON.stringify(cleaned) === row.doc) continue;
        db.prepare(`UPDATE ${table} SET doc = ? WHERE id = ?`).run(JSON.stringify(cleaned), row.id);
        if (table === 'individual_docs') {
          const { name, address } = cleaned as { name?: Parameters<typeof nameText>[0]; address?: Parameters<typeof addressText>[0] };
          indexIndividualText(db, row.id, nameText(name), addressText(address));
        }
        if (table === 'group_docs') indexGroupText(db, row.id, textField([(cleaned as { name?: string }).name]));
      }
    }
    for (const table of ['groups', 'programs']) {
      for (const row of db.prepare(`SELECT id, name FROM ${table}`).all() as Array<{ id: number; name: string }>) {
        if (CONTROL.test(row.name)) db.prepare(`UPDATE ${table} SET name = ? WHERE id = ?`).run(clean(row.name), row.id);
        CONTROL.lastIndex = 0;
      }
    }
    const identifiers = db.prepare('SELECT resource_type AS type, system, value FROM identifiers').all() as Array<{
      type: string;
      system: string;
      value: string;
    }>;
    const taken = db.prepare('SELECT 1 FROM identifiers WHERE resource_type = ? AND system = ? AND value = ?');
    const update = db.prepare('UPDATE identifiers SET system = ?, value = ? WHERE resource_type = ? AND system = ? AND value = ?');
    for (const id of identifiers) {
      const system = clean(id.system);
      const value = clean(id.value);
      if ((system !== id.system || value !== id.value) && !taken.get(id.type, system, value)) update.run(system, value, id.type, id.system, id.value);
    }
  },
};
