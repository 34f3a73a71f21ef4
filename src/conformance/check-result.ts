/**
 * The one place a CheckResult is built: for a check that ran, for one the planner did not run, and for one that
 * never reported. Keeping the literal in one place keeps the JSON report's `checks[]` items alike.
 */
import type { Check } from './check.js';
import type { Assertion, CheckResult, Exchange, RequirementOutcome, Verdict } from './types.js';

/** What a result names of its check. */
export type CheckIdentity = Pick<Check, 'id' | 'title' | 'suite' | 'verifies'>;

export interface ResultParts {
  verdict: Verdict;
  reason?: string | undefined;
  /** Default: the check's own list (a run may add OSPP-CT-01 to it). */
  verifies?: string[];
  /** Default: every verified requirement gets the check's verdict, with the reason as its message. */
  outcomes?: RequirementOutcome[];
  assertions?: Assertion[];
  exchanges?: Exchange[];
  tokenRequests?: number;
  durationMs?: number;
  waitedMs?: number | undefined;
  /** Left out of the result when empty. */
  measurements?: Record<string, string | number | boolean>;
}

/** A CheckResult for `check`; whatever `parts` leaves out is empty (a check that did not run). */
export function checkResult(check: CheckIdentity, parts: ResultParts): CheckResult {
  const verifies = parts.verifies ?? check.verifies;
  const { verdict, reason } = parts;
  return {
    checkId: check.id,
    title: check.title,
    suite: check.suite,
    verifies,
    verdict,
    ...(reason !== undefined ? { reason } : {}),
    outcomes: parts.outcomes ?? verifies.map((requirement) => ({ requirement, verdict, message: reason ?? '' })),
    assertions: parts.assertions ?? [],
    exchanges: parts.exchanges ?? [],
    tokenRequests: parts.tokenRequests ?? 0,
    durationMs: parts.durationMs ?? 0,
    ...(parts.waitedMs !== undefined ? { waitedMs: parts.waitedMs } : {}),
    ...(parts.measurements && Object.keys(parts.measurements).length ? { measurements: parts.measurements } : {}),
  };
}
