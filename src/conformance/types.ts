/**
 * The vocabulary of the conformance kit, shared by the planner, the checks, the verdict logic and the reporters.
 * Everything here is plain data so that it crosses the vitest worker boundary and lands in the JSON report as is.
 */

/** The normative keyword as the source writes it. */
export type Level = 'MUST' | 'MUST NOT' | 'REQUIRED' | 'SHALL' | 'SHOULD' | 'SHOULD NOT' | 'RECOMMENDED' | 'MAY' | 'OPTIONAL' | 'INFO';

/** How a failed requirement weighs: a MUST fails the run, a SHOULD warns, a MAY informs. */
export type Severity = 'must' | 'should' | 'may';

export interface Requirement {
  id: string;
  /** Where it comes from, with the section: `RFC 6749 §2.3.1`, `seed 000 (Authentication) "Scope Errors"`. */
  source: string;
  level: Level;
  /** One line, in our words. */
  text: string;
  /** Why no check verifies it (required for an untested MUST). */
  notTestedReason?: string;
}

/**
 * pass / fail / warn (a SHOULD failed) / skip (a precondition is missing: no such client, no key material, tier) /
 * na (the profile says the requirement does not apply) / inconclusive (cut off by a 429 or by the budget) /
 * error (the kit itself broke: a bug or a network failure, never a verdict on the target).
 */
export type Verdict = 'pass' | 'fail' | 'warn' | 'skip' | 'na' | 'inconclusive' | 'error';

export type Role = 'full' | 'reader' | 'consent' | 'shortLived' | 'disabled';
/** The client roles a target file may declare, in the order reports list them. */
export const ROLES: readonly Role[] = ['full', 'reader', 'consent', 'shortLived', 'disabled'];

export type Tier = 'fast' | 'full';

/** One HTTP exchange as the kit saw it, secrets and tokens already masked. */
export interface Exchange {
  id: number;
  /** operationId of the contract when the request stands for one. */
  operation?: string;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body?: string; ms: number };
  /** Network failure (no response). */
  error?: string;
  /**
   * A command line that repeats the request; secrets appear as shell variables. When the request carries a bearer
   * token, the lines before it say whose token it is and how to get it (the token request).
   */
  curl: string;
  /** Contract violations found in the response (JSON pointers into the body). */
  contractIssues?: Array<{ in: string; pointer: string; message: string }>;
}

/** One observation about one requirement. */
export interface Assertion {
  requirement: string;
  ok: boolean;
  message: string;
  /** Exchange ids (within the check) that show it. */
  evidence?: number[];
  /**
   * `should`: an observation that is at most a warning whatever the requirement's level (a limit nobody declared
   * was not seen enforced). Absent: the requirement's level decides.
   */
  weight?: 'should';
  /**
   * What was observed, without the operation or values that differ between checks: failures with the same
   * requirement and cause are one root cause in the reports. Absent: derived from the message.
   */
  cause?: string;
}

export interface RequirementOutcome {
  requirement: string;
  verdict: Verdict;
  message: string;
}

/** The result of one check (one vitest test). */
export interface CheckResult {
  checkId: string;
  title: string;
  suite: string;
  verifies: string[];
  verdict: Verdict;
  /** Why it was skipped, not applicable or inconclusive; the first failure otherwise. */
  reason?: string;
  outcomes: RequirementOutcome[];
  assertions: Assertion[];
  exchanges: Exchange[];
  /** Requests this check sent to the token endpoint (counted against the token budget). */
  tokenRequests: number;
  durationMs: number;
  /** Time spent waiting for rate-limit windows. */
  waitedMs?: number;
  /** Free-form measurements worth reporting (leeway, clock skew, p-values...). */
  measurements?: Record<string, string | number | boolean>;
}

export interface RequirementResult extends Requirement {
  severity: Severity;
  applicable: boolean;
  verdict: Verdict | 'untested';
  message: string;
  checks: string[];
}

/** The exit codes of a run: pass, a MUST failed (or a kit error), unusable target or usage, pass but incomplete. */
export type ExitCode = 0 | 1 | 2 | 3;

export interface RunSummary {
  verdict: 'pass' | 'fail';
  /** 0 pass · 1 a MUST failed or a kit error · 3 a pass whose MUST requirements were partly cut off (incomplete). */
  exitCode: 0 | 1 | 3;
  /** A pass with MUST requirements nobody decided (mustUndecided): exit code 3 unless the operator accepts it. */
  incomplete: boolean;
  counts: Record<Verdict, number>;
  requirementCounts: Record<Verdict | 'untested', number>;
  mustFailures: string[];
  /** MUST-level requirements cut off (inconclusive) and decided by no check: a pass with any is incomplete. */
  mustUndecided: string[];
}

/** Failures (or warnings) that share a requirement and an observation, counted once. */
export interface RootCause {
  requirement: string;
  verdict: 'fail' | 'warn';
  level: Level;
  /** The observation they share. */
  cause: string;
  /** How many failed assertions share it, and in how many checks. */
  count: number;
  checks: string[];
  /** The first of them, with its evidence. */
  example: { checkId: string; message: string; curl?: string };
}

export interface RunReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  target: { baseUrl: string; profile: string; tier: Tier; writes: boolean; tokenEndpoint: string; clients: string[]; only?: string[] };
  budget: {
    tokenLimits: { perMinute: number; perDay: number; source: string };
    apiLimits: { perMinute: number; perDay: number; source: string };
    tokenRequests: number;
    plannedTokenRequests: number;
    plannedProbeRequests: number;
    waitsMs: number;
    /** Token requests earlier runs from this machine sent to this token endpoint in the last 24 h (the state file). */
    spentEarlier?: number;
  };
  clock?: { skewSeconds: number; source: string };
  summary: RunSummary;
  /** Failures and warnings grouped by requirement and observation, worst and most frequent first. */
  rootCauses: RootCause[];
  requirements: RequirementResult[];
  checks: CheckResult[];
  notes: string[];
}
