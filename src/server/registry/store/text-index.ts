/**
 * The case-insensitive "contains" indexes: contentless FTS5 trigram tables keyed by the record's row id.
 *
 * A trigram index answers needles of three or more characters directly (a phrase of consecutive trigrams). For a
 * two-character needle `xy` every indexed field ends with SENTINEL, so each occurrence of `xy` starts some trigram
 * `xy?`; the query is the OR of those trigrams over every character the registry has indexed (a small set,
 * kept in `registry_text_chars`).
 *
 * No control character ever enters the index or its character table (the contract refuses them in stored text,
 * and they are blanked here whatever the source): a NUL inside an FTS5 query string ends it, so one such
 * character in the table would break every two-character search.
 */
import type { Db } from '../../store/db.js';
import { stmt } from '../../store/statements.js';

export const SENTINEL = '\u0001';

const CONTROL = /[\u0000-\u001F\u007F]/g;
const isControl = (ch: string) => ch.length === 1 && (ch < ' ' || ch === '\u007F');

/** One FTS column value from several fields: each field (control characters blanked) closed by the sentinel. */
export function textField(parts: ReadonlyArray<string | undefined | null>): string {
  let out = '';
  for (const p of parts) if (p) out += p.replace(CONTROL, ' ') + SENTINEL;
  return out;
}

/** The distinct characters of a text, as the char table stores them (never a control character). */
export function charsOf(text: string, into: Set<string> = new Set()): Set<string> {
  for (const ch of text.toLowerCase()) if (!isControl(ch)) into.add(ch);
  return into;
}

export function rememberChars(db: Db, chars: Iterable<string>): void {
  const insert = stmt(db, 'INSERT OR IGNORE INTO registry_text_chars (ch) VALUES (?)');
  for (const ch of chars) insert.run(ch);
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The FTS5 expression for "column contains needle" (case- and diacritic-insensitive). `columns` restricts the
 * match to those columns. Needles shorter than two characters are refused by the contract before they get here.
 */
export function containsExpression(db: Db, columns: readonly string[], needle: string): string {
  const scope = `{${columns.join(' ')}} : `;
  if ([...needle].length >= 3) return `${scope}${quote(needle)}`;
  const chars = (stmt(db, 'SELECT ch FROM registry_text_chars').pluck().all() as string[]).filter((ch) => !isControl(ch)).concat(SENTINEL);
  return `${scope}(${chars.map((ch) => quote(needle + ch)).join(' OR ')})`;
}

export function indexIndividualText(db: Db, id: number, name: string, address: string): void {
  stmt(db, 'DELETE FROM individual_text WHERE rowid = ?').run(id);
  stmt(db, 'INSERT INTO individual_text (rowid, name, address) VALUES (?, ?, ?)').run(id, name, address);
  rememberChars(db, charsOf(address, charsOf(name)));
}

export function indexGroupText(db: Db, id: number, name: string): void {
  stmt(db, 'DELETE FROM group_text WHERE rowid = ?').run(id);
  stmt(db, 'INSERT INTO group_text (rowid, name) VALUES (?, ?)').run(id, name);
  rememberChars(db, charsOf(name));
}
