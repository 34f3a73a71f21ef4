/**
 * The planner, pure: which checks run (--only, profile, tier, what the target file provides), which are skipped
 * or not applicable and why, which shared tokens the run needs, and how many token-endpoint requests it will
 * make — so that the budget can be shown before anything is sent.
 */
import { matchesPattern } from './catalogue.js';
import { SUITES, type Check, type SuiteName, type TokenKey } from './check.js';
import { applicability, type Profile } from './profiles.js';
import type { Target } from './target.js';
import type { CheckResult, Role, Tier } from './types.js';

export interface PlanOptions {
  target: Target;
  profile: Profile;
  tier: Tier;
  /** Check ids or requirement ids (`TR-06`, `auth-no-token/*`, `RS-*`). */
  only?: string[];
}

export interface RunPlan {
  selected: Check[];
  /** Checks that will not run, with the verdict and reason the report gives them. */
  notRun: CheckResult[];
  /** Suites with at least one selected check, in run order. */
  suites: SuiteName[];
  /** Client roles whose default token the preflight fetches. */
  preflightRoles: Role[];
  /** Token-endpoint requests the selected checks make, the preflight included, the probe excluded. */
  tokenRequests: number;
  /** The token-endpoint rate-limit probe runs (it may spend up to the limit + 1 requests). */
  hasTokenProbe: boolean;
}

/** Whether a check is picked by --only: its id or one of its requirement ids matches an entry (patterns with *). */
export function selectedByOnly(check: Check, only: string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => matchesPattern(check.id, o) || check.verifies.some((v) => matchesPattern(v, o)));
}

function notRun(check: Check, verdict: 'skip' | 'na', reason: string): CheckResult {
  return {
    checkId: check.id,
    title: check.title,
    suite: check.suite,
    verifies: check.verifies,
    verdict,
    reason,
    outcomes: check.verifies.map((requirement) => ({ requirement, verdict, message: reason })),
    assertions: [],
    exchanges: [],
    tokenRequests: 0,
    durationMs: 0,
  };
}

/** Why a check cannot run against this target, or undefined. */
export function missingPrecondition(check: Check, target: Target, tier: Tier): string | undefined {
  const needs = check.needs ?? {};
  if (needs.tier === 'full' && tier !== 'full') return 'full tier only (run with --tier full)';
  for (const role of needs.clients ?? []) if (!target.clients[role]) return `the target file declares no ${role} client`;
  for (const record of needs.records ?? []) if (!target.records[record]) return `the target file declares no records.${record}`;
  if (needs.key && !target.jwt) return 'the target file provides no jwt key material';
  if (needs.writes && !target.writes) return 'writes: false in the target file (the kit creates records only when allowed)';
  return undefined;
}

export function planRun(checks: readonly Check[], options: PlanOptions): RunPlan {
  const { target, profile, tier } = options;
  const selected: Check[] = [];
  const skipped: CheckResult[] = [];
  for (const check of checks) {
    if (!selectedByOnly(check, options.only)) continue;
    const profileReason = check.notApplicable?.(profile);
    if (profileReason) {
      skipped.push(notRun(check, 'na', profileReason));
      continue;
    }
    const reasons = check.verifies.map((id) => applicability(profile, id));
    if (profile.scope === 'token' && check.suite !== 'token' && check.suite !== 'rate-limits' && check.suite !== 'discovery') {
      skipped.push(notRun(check, 'na', `the ${profile.name} profile covers the token endpoint only`));
      continue;
    }
    if (reasons.every((r) => !r.applies)) {
      skipped.push(notRun(check, 'na', (reasons[0] as { reason: string } | undefined)?.reason ?? 'not applicable'));
      continue;
    }
    const missing = missingPrecondition(check, target, tier);
    if (missing) {
      skipped.push(notRun(check, 'skip', missing));
      continue;
    }
    selected.push(check);
  }
  const keys = new Set<TokenKey>();
  for (const c of selected) for (const k of c.uses ?? []) if ((k !== 'reader' && k !== 'consent') || target.clients[k]) keys.add(k);
  const preflightRoles = (['full', 'reader', 'consent'] as const).filter((r) => keys.has(r) && target.clients[r]);
  const explicit = selected
    .filter((c) => c.probe !== 'token')
    .reduce((n, c) => n + (typeof c.tokenRequests === 'function' ? c.tokenRequests(profile) : (c.tokenRequests ?? 0)), 0);
  const shared = preflightRoles.length + (keys.has('subset') ? 1 : 0) + (keys.has('narrow') ? 1 : 0);
  const probe = selected.some((c) => c.probe === 'token');
  return {
    selected,
    notRun: skipped,
    suites: SUITES.filter((s) => selected.some((c) => c.suite === s)),
    preflightRoles: [...preflightRoles],
    tokenRequests: explicit + shared,
    hasTokenProbe: probe,
  };
}
