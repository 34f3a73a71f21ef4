/**
 * Running one check, as named steps: record (a CheckRecorder behind the CheckContext), run until the check returns
 * or stops, decide each requirement's outcome, build the result. Modelled on an endpoint written as a list of
 * steps; each step is small enough to read on its own.
 */
import { catalogueById, severityOf } from './catalogue.js';
import type { Check, CheckContext } from './check.js';
import { checkResult } from './check-result.js';
import { checkContext } from './context.js';
import type { Masker } from './mask.js';
import { CheckRecorder } from './recorder.js';
import type { Session } from './session.js';
import { stopOf, type Stop } from './stopped.js';
import type { CheckResult } from './types.js';
import { decideOutcomes } from './verdict.js';

/** Runs one check against the session and returns its result. Never throws. */
export async function runCheck(session: Session, check: Check, log: (line: string) => void): Promise<CheckResult> {
  const started = Date.now();
  const waitedBefore = session.waitsMs;
  const recorder = new CheckRecorder(check, session.config.profile, session.masker);
  const stopped = await runUntilStopped(check, checkContext(session, recorder, log), session.masker);
  const waited = session.waitsMs - waitedBefore;
  return buildResult(check, recorder, decide(recorder, stopped), session.masker, {
    durationMs: Date.now() - started,
    ...(waited > 0 ? { waitedMs: Math.round(waited) } : {}),
  });
}

/** Runs the check to its end; how it stopped early, if it did. */
async function runUntilStopped(check: Check, ctx: CheckContext, masker: Masker): Promise<Stop | undefined> {
  try {
    await check.run(ctx);
    return undefined;
  } catch (e) {
    return stopOf(e, (text) => masker.text(text));
  }
}

/** Each verified requirement's outcome, weighed by the catalogue's level (MUST fails, SHOULD warns). */
function decide(recorder: CheckRecorder, stopped: Stop | undefined): ReturnType<typeof decideOutcomes> {
  const catalogue = catalogueById();
  return decideOutcomes({
    verifies: recorder.requirements(),
    assertions: recorder.assertions,
    notApplicable: recorder.notApplicableReasons(),
    severity: (id) => severityOf(catalogue.get(id)?.level ?? 'MUST'),
    ...(stopped ? { stopped } : {}),
  });
}

/** The CheckResult: what the recorder holds and what was decided, every message masked. */
function buildResult(
  check: Check,
  recorder: CheckRecorder,
  decided: ReturnType<typeof decideOutcomes>,
  masker: Masker,
  timing: { durationMs: number; waitedMs?: number },
): CheckResult {
  return checkResult(check, {
    verdict: decided.verdict,
    reason: decided.reason ? masker.text(decided.reason) : undefined,
    verifies: recorder.requirements(),
    outcomes: decided.outcomes.map((o) => ({ ...o, message: masker.text(o.message) })),
    assertions: recorder.assertions,
    exchanges: recorder.exchanges,
    tokenRequests: recorder.tokenRequests,
    measurements: recorder.measurements,
    ...timing,
  });
}
