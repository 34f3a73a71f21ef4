/**
 * The token ledger: a small state file that remembers when this machine sent requests to each token endpoint, so
 * that a run knows how much of the target's day budget earlier runs of the same day already spent — the plan line
 * shows what is really left, and a run that cannot finish is refused before it starts. One JSON file, entries
 * older than a day dropped on every write; several runs may append to it (read, merge, write).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const DAY_MS = 86_400_000;

/** Where the kit keeps its state unless told otherwise: $SPP_KIT_STATE_DIR, else $XDG_CACHE_HOME/spp-kit, else ~/.cache/spp-kit. */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SPP_KIT_STATE_DIR) return env.SPP_KIT_STATE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spp-kit');
}

/** The ledger file in a state directory. */
export function ledgerFile(stateDir: string): string {
  return join(stateDir, 'token-ledger.json');
}

interface LedgerDocument {
  version: 1;
  /** Token endpoint URL → request times (ms since the epoch), oldest first. */
  targets: Record<string, number[]>;
}

function read(file: string): LedgerDocument {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<LedgerDocument>;
    if (doc?.version === 1 && doc.targets && typeof doc.targets === 'object') return { version: 1, targets: doc.targets };
  } catch {
    // Missing or unreadable: start afresh (the ledger is a memory, not a record).
  }
  return { version: 1, targets: {} };
}

/** The times this machine sent token requests to `tokenEndpoint` within the day before `now`. */
export function spentToday(file: string, tokenEndpoint: string, now = Date.now()): number[] {
  const times = read(file).targets[tokenEndpoint] ?? [];
  return times.filter((t) => Number.isFinite(t) && t > now - DAY_MS && t <= now + 60_000).sort((a, b) => a - b);
}

/** Adds request times for `tokenEndpoint`, dropping every entry older than a day. Never throws: a read-only disk costs only the memory. */
export function recordSpend(file: string, tokenEndpoint: string, times: readonly number[], now = Date.now()): void {
  if (!times.length) return;
  try {
    const doc = read(file);
    for (const [key, list] of Object.entries(doc.targets)) {
      const kept = list.filter((t) => t > now - DAY_MS);
      if (kept.length) doc.targets[key] = kept;
      else delete doc.targets[key];
    }
    doc.targets[tokenEndpoint] = [...(doc.targets[tokenEndpoint] ?? []), ...times].filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(doc)}\n`);
    renameSync(tmp, file);
  } catch {
    // The ledger is best effort.
  }
}
