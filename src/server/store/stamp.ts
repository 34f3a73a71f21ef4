/**
 * Whether anything in the database may have changed since the last look: this connection's change count
 * (`total_changes()`: every row it wrote, even in a transaction later rolled back) and SQLite's `data_version`
 * (which moves when any other connection commits — another process, `spp-kit clients …`). A cache derived from
 * the database keeps its entries only while both stand still, so it never answers from before a write.
 *
 * Each cache holds its own stamp: `moved()` answers for the caller's previous look, not anyone else's.
 */
import type { Db } from './db.js';

export class ChangeStamp {
  private readonly changes;
  private readonly dataVersion;
  private changesSeen = -1;
  private versionSeen = -1;

  constructor(private readonly db: Db) {
    this.changes = db.prepare('SELECT total_changes()').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** True when the database may have changed since the previous call (and on the first). */
  moved(): boolean {
    const changes = this.changes.get() as number;
    const version = this.dataVersion.get() as number;
    if (changes === this.changesSeen && version === this.versionSeen) return false;
    this.changesSeen = changes;
    this.versionSeen = version;
    return true;
  }

  /**
   * Whether what is read now may be kept: not inside a transaction, whose rows may not be committed yet (and whose
   * rollback would not move the stamp back).
   */
  get settled(): boolean {
    return !this.db.inTransaction;
  }
}
