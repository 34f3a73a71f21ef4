/**
 * The vitest side of a run, and the one file vitest is given: every check the planner selected becomes a vitest
 * test, in plan order, one `describe` per suite. The run configuration comes from the main process through
 * `inject`; each test's result travels back as `task.meta.sppKit`. Nothing here selects: unknown ids are a kit bug.
 */
import { describe, inject, test } from 'vitest';
import type { Check } from './check.js';
import { allChecks } from './checks/index.js';
import { runCheck } from './run-check.js';
import { getSession, type RunConfig, type Session } from './session.js';
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

/** The planned checks in plan order, grouped into runs of consecutive checks of one suite. */
function plannedSuites(ids: readonly string[]): Array<{ suite: string; checks: Check[] }> {
  const byId = new Map(allChecks.map((c) => [c.id, c]));
  const groups: Array<{ suite: string; checks: Check[] }> = [];
  for (const id of ids) {
    const check = byId.get(id);
    if (!check) throw new Error(`the plan names a check the kit does not have: ${id}`);
    const last = groups.at(-1);
    if (last?.suite === check.suite) last.checks.push(check);
    else groups.push({ suite: check.suite, checks: [check] });
  }
  return groups;
}

/** One check as one vitest test: the kit's verdict is the result; vitest's own state only mirrors it. */
function register(session: Session, check: Check): void {
  test(
    check.id,
    async (context) => {
      const result = await runCheck(session, check, (line) => console.log(`[spp-kit] ${check.id}: ${line}`));
      context.task.meta.sppKit = result;
      if (result.verdict === 'fail' || result.verdict === 'error') throw new Error(`${result.verdict}: ${result.reason ?? ''}`);
      if (result.verdict === 'skip' || result.verdict === 'na' || result.verdict === 'inconclusive') context.skip(`${result.verdict}: ${result.reason ?? ''}`);
    },
    TEST_TIMEOUT_MS,
  );
}

const config = inject('sppKitRun');
const session = getSession(config);
for (const { suite, checks } of plannedSuites(config.selected)) {
  describe(suite, () => {
    for (const check of checks) register(session, check);
  });
}
