/**
 * Verdict logic, pure: assertions → per-requirement outcomes → check verdict; check results → requirement
 * results → run summary and exit code. A MUST that failed fails the run; a SHOULD warns; nothing that was cut
 * off by a rate limit or a budget ever counts as a failure.
 */
import { severityOf } from './catalogue.js';
import type { Stop } from './stopped.js';
import type { Assertion, CheckResult, Requirement, RequirementOutcome, RequirementResult, RootCause, RunSummary, Severity, Verdict } from './types.js';

/** Worst first. `error` ranks just after `fail`: the kit could not tell. */
const RANK: Verdict[] = ['fail', 'error', 'inconclusive', 'warn', 'pass', 'skip', 'na'];

function worst(verdicts: Verdict[], fallback: Verdict = 'skip'): Verdict {
  if (verdicts.length === 0) return fallback;
  return verdicts.reduce((a, b) => (RANK.indexOf(a) <= RANK.indexOf(b) ? a : b));
}

export interface DecideInput {
  verifies: string[];
  assertions: Assertion[];
  /** Requirement → reason it does not apply (profile, or declared by the check at run time). */
  notApplicable: Map<string, string>;
  severity: (id: string) => Severity;
  /** Set when the check ended early (see stopped.ts): skipped, cut off by a 429 or a budget, or a kit error. */
  stopped?: Stop;
}

/**
 * Per-requirement outcomes and the check verdict. A failed assertion always counts; a stop decides only what was
 * not asserted (a requirement cut off half-checked is inconclusive, never passed).
 */
export function decideOutcomes(input: DecideInput): { verdict: Verdict; outcomes: RequirementOutcome[]; reason?: string } {
  const stop = input.stopped;
  const outcomes: RequirementOutcome[] = input.verifies.map((id) => {
    const na = input.notApplicable.get(id);
    const mine = input.assertions.filter((a) => a.requirement === id);
    const failed = mine.filter((a) => !a.ok);
    if (failed.length) {
      // A failure weighed as "at most a warning" (an unclaimed limit not seen enforced) does not fail a MUST.
      const sev = failed.every((a) => a.weight === 'should') ? 'should' : input.severity(id);
      return { requirement: id, verdict: sev === 'must' ? 'fail' : 'warn', message: failed.map((a) => a.message).join('; ') };
    }
    if (na !== undefined && mine.length === 0) return { requirement: id, verdict: 'na', message: na };
    if (stop && stop.verdict !== 'skip') return { requirement: id, verdict: stop.verdict, message: stop.reason };
    if (mine.length) return { requirement: id, verdict: 'pass', message: mine.map((a) => a.message).join('; ') };
    return { requirement: id, verdict: 'skip', message: stop?.reason ?? 'not evaluated in this run' };
  });
  let verdict = worst(outcomes.map((o) => o.verdict));
  // A check stopped for a missing precondition is skipped, even if an answer it got on the way conformed (OSPP-CT-01).
  if (stop?.verdict === 'skip' && verdict === 'pass') verdict = 'skip';
  const first = outcomes.find((o) => o.verdict === verdict && verdict !== 'pass');
  const reason = stop?.reason ?? first?.message;
  return { verdict, outcomes, ...(reason && verdict !== 'pass' ? { reason } : {}) };
}

/** Requirement results from check results. `applicable` comes from the profile. */
export function aggregateRequirements(
  catalogue: Requirement[],
  checks: CheckResult[],
  applicability: (id: string) => { applies: true } | { applies: false; reason: string },
): RequirementResult[] {
  return catalogue.map((r) => {
    const app = applicability(r.id);
    const related = checks.filter((c) => c.outcomes.some((o) => o.requirement === r.id));
    const outcomes = related.flatMap((c) => c.outcomes.filter((o) => o.requirement === r.id).map((o) => ({ ...o, check: c.checkId })));
    const severity = severityOf(r.level);
    const base = { ...r, severity, applicable: app.applies, checks: related.map((c) => c.checkId) };
    if (!app.applies) return { ...base, verdict: 'na' as const, message: app.reason };
    if (outcomes.length === 0)
      return { ...base, verdict: 'untested' as const, message: r.notTestedReason ?? 'no check ran for it (deselected, or none exists)' };
    const verdict = worst(outcomes.map((o) => o.verdict));
    const decisive = outcomes.filter((o) => o.verdict === verdict);
    const shown = decisive.slice(0, 3).map((o) => `${o.check}: ${o.message}`);
    if (decisive.length > 3) shown.push(`… and ${decisive.length - 3} more checks`);
    const message = verdict === 'pass' ? `${outcomes.length} check${outcomes.length === 1 ? '' : 's'} passed` : shown.join(' | ');
    return { ...base, verdict, message };
  });
}

const ZERO = (): Record<Verdict, number> => ({ pass: 0, fail: 0, warn: 0, skip: 0, na: 0, inconclusive: 0, error: 0 });

/** Counts, MUST failures and undecided MUSTs of a run, and its verdict and exit code. */
export function summarize(requirements: RequirementResult[], checks: CheckResult[]): RunSummary {
  const counts = ZERO();
  for (const c of checks) counts[c.verdict]++;
  const requirementCounts: RunSummary['requirementCounts'] = { ...ZERO(), untested: 0 };
  for (const r of requirements) requirementCounts[r.verdict]++;
  const mustFailures = requirements.filter((r) => r.verdict === 'fail' && r.severity === 'must').map((r) => r.id);
  const mustUndecided = requirements.filter((r) => r.verdict === 'inconclusive' && r.severity === 'must').map((r) => r.id);
  // A kit error means something went unchecked: never report a clean pass over it.
  const failed = mustFailures.length > 0 || counts.error > 0;
  // A pass that left MUST requirements undecided must not look green in CI: its own exit code.
  const incomplete = !failed && mustUndecided.length > 0;
  return {
    verdict: failed ? 'fail' : 'pass',
    exitCode: failed ? 1 : incomplete ? 3 : 0,
    incomplete,
    counts,
    requirementCounts,
    mustFailures,
    mustUndecided,
  };
}

/** What a failure observed, without what differs between the checks that share it: `GET /Individual/{identifier}` → `…`. */
export function causeOf(message: string): string {
  return message
    .replace(/\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[^\s:]*/g, '…')
    .replace(/\b\d+ (ms|s)\b/g, 'N $1')
    .trim();
}

/**
 * Failures and warnings grouped by what they share — the requirement and the observation (an assertion's cause,
 * else its message without the operation) — with a count, the checks, and the first as the example. A report leads
 * with these: forty checks failing for one missing header is one thing to fix, not forty.
 */
export function rootCauses(requirements: RequirementResult[], checks: CheckResult[]): RootCause[] {
  const level = new Map(requirements.map((r) => [r.id, r.level]));
  const groups = new Map<string, RootCause>();
  for (const c of checks) {
    for (const a of c.assertions) {
      if (a.ok) continue;
      const verdict = c.outcomes.find((o) => o.requirement === a.requirement)?.verdict;
      if (verdict !== 'fail' && verdict !== 'warn') continue;
      const cause = a.cause ?? causeOf(a.message);
      const key = `${verdict}\u0000${a.requirement}\u0000${cause}`;
      const group = groups.get(key);
      if (group) {
        group.count++;
        if (!group.checks.includes(c.checkId)) group.checks.push(c.checkId);
        continue;
      }
      const curl = c.exchanges.find((e) => a.evidence?.includes(e.id))?.curl;
      groups.set(key, {
        requirement: a.requirement,
        verdict,
        level: level.get(a.requirement) ?? 'MUST',
        cause,
        count: 1,
        checks: [c.checkId],
        example: { checkId: c.checkId, message: a.message, ...(curl ? { curl } : {}) },
      });
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      Number(a.verdict === 'warn') - Number(b.verdict === 'warn') || b.count - a.count || a.requirement.localeCompare(b.requirement, 'en', { numeric: true }),
  );
}

/**
 * The one-line result every reporter shows. A pass whose MUST requirements were partly cut off by rate limits
 * says so and names them: an auditor must not read "PASS" over requirements nobody decided.
 */
export function headline(summary: RunSummary): { text: string; incomplete: boolean } {
  if (summary.verdict === 'fail') {
    return {
      text: `FAIL — ${summary.mustFailures.length ? `MUST requirements failed: ${summary.mustFailures.join(', ')}` : 'the kit could not complete some checks (errors)'}`,
      incomplete: false,
    };
  }
  const undecided = summary.mustUndecided;
  if (!undecided.length) return { text: 'PASS — no MUST requirement failed', incomplete: false };
  const named = `${undecided.slice(0, 8).join(', ')}${undecided.length > 8 ? ', …' : ''}`;
  return {
    text: `PASS, INCOMPLETE — no MUST requirement failed, but ${undecided.length} MUST requirement${undecided.length === 1 ? ' was' : 's were'} cut off by rate limits or the budget and not decided (${named}); run again once the target's limits reset`,
    incomplete: true,
  };
}
