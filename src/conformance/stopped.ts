/**
 * One way for a check to stop early: it throws a CheckStopped that carries the verdict it stands for — `skip` (a
 * precondition the target does not meet), `inconclusive` (cut off by a 429 or a spent budget; never a failure) or
 * `error` (the kit could not finish). `stopOf` is the one place that turns whatever a check threw into its verdict:
 * the http layer's NetworkError and the budget's BudgetExhausted are translated there as well, and any other
 * exception is a kit bug, reported as `error` with its stack. Assertions made before the stop still count.
 */
import { BudgetExhausted } from './budget.js';
import { NetworkError } from './http.js';

export type StopVerdict = 'skip' | 'inconclusive' | 'error';

/** How a check ended early: the verdict its unasserted requirements get, and why. */
export interface Stop {
  verdict: StopVerdict;
  reason: string;
}

/** Thrown to end a check early; see the module comment. */
export class CheckStopped extends Error {
  constructor(
    readonly verdict: StopVerdict,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'CheckStopped';
  }
}

/** A precondition the target does not meet: the check is skipped, saying why. */
export function skipped(reason: string): CheckStopped {
  return new CheckStopped('skip', reason);
}

/** A 429 the check did not ask for, or a budget that cannot hold the next request: the check is inconclusive. */
export function cutOff(reason: string): CheckStopped {
  return new CheckStopped('inconclusive', reason);
}

/** What a thrown value means for the check's verdict. `mask` hides secrets in a kit bug's stack. */
export function stopOf(thrown: unknown, mask: (text: string) => string): Stop {
  if (thrown instanceof CheckStopped) return { verdict: thrown.verdict, reason: thrown.reason };
  if (thrown instanceof BudgetExhausted) return { verdict: 'inconclusive', reason: thrown.message };
  if (thrown instanceof NetworkError) return { verdict: 'error', reason: thrown.message };
  return { verdict: 'error', reason: `kit error: ${mask(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown))}` };
}
