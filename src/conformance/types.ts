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
  /** A command line that repeats the request; secrets appear as shell variables. */
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

export interface RunSummary {
  verdict: 'pass' | 'fail';
  exitCode: 0 | 1;
  counts: Record<Verdict, number>;
  requirementCounts: Record<Verdict | 'untested', number>;
  mustFailures: string[];
  /** MUST-level requirements cut off (inconclusive) and decided by no check: a pass with any is incomplete. */
  mustUndecided: string[];
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
  };
  clock?: { skewSeconds: number; source: string };
  summary: RunSummary;
  requirements: RequirementResult[];
  checks: CheckResult[];
  notes: string[];
}
