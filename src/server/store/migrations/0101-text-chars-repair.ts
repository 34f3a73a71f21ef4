import type { Migration } from './index.js';

/**
 * Before control characters were refused in stored text, a name holding one (a NUL, say) put it into the
 * character table of the text indexes, and every two-character search then built an FTS5 query that NUL cut
 * short ("unterminated string"). Removes such rows; the indexes' own entries are harmless (no query can contain
 * a control character any more) and new text is blanked before it is indexed.
 */
export const textCharsRepair: Migration = {
  id: 101,
  name: 'registry: no control characters in the text-index character table',
  // In UTF-8 every control character is one byte (0x00-0x1F, 0x7F); unicode() gives NULL for a NUL, bytes do not.
  sql: `DELETE FROM registry_text_chars WHERE length(CAST(ch AS BLOB)) = 1 AND (CAST(ch AS BLOB) < x'20' OR CAST(ch AS BLOB) = x'7F');`,
};
