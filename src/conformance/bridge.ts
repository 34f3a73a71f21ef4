/**
 * The vitest side of a run: each suite file registers its checks as vitest tests. The run configuration comes
 * from the main process through `inject`; each test's result travels back as `task.meta.sppKit`.
 */
import { inject, test } from 'vitest';
import type { Check, SuiteName } from './check.js';
import { getSession, runCheck, type RunConfig } from './session.js';
import type { CheckResult } from './types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sppKitRun: RunConfig;
  }
  interface TaskMeta {
    sppKit?: CheckResult;
  }
}

/** Long enough for a full-tier expiry wait plus rate-limit windows; each wait is itself bounded by --max-wait. */
const TEST_TIMEOUT_MS = 30 * 60_000;

export function registerSuite(suite: SuiteName, checks: Check[]): void {
  const config = inject('sppKitRun');
  const session = getSession(config);
  const selected = new Set(config.selected);
  for (const check of checks) {
    if (!selected.has(check.id) || check.suite !== suite) continue;
    test(
      check.id,
      async (context) => {
        const result = await runCheck(session, check, (line) => console.log(`[spp-kit] ${check.id}: ${line}`));
        context.task.meta.sppKit = result;
        if (result.verdict === 'fail' || result.verdict === 'error') throw new Error(`${result.verdict}: ${result.reason ?? ''}`);
        if (result.verdict === 'skip' || result.verdict === 'na' || result.verdict === 'inconclusive')
          context.skip(`${result.verdict}: ${result.reason ?? ''}`);
      },
      TEST_TIMEOUT_MS,
    );
  }
}
