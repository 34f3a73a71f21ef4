/**
 * The planner, pure: which checks run (--only, profile, tier, what the target file provides), which are skipped
 * or not applicable and why, which shared tokens the run needs, and how many token-endpoint requests it will
 * make — so that the budget can be shown before anything is sent. Selection happens here only: the vitest side
 * runs exactly `selected`, in its order.
 */
import { matchesPattern } from './catalogue.js';
import type { Check, TokenKey } from './check.js';
import { checkResult } from './check-result.js';
import { applicability, type Profile } from './profiles.js';
import type { Target } from './target.js';
import type { CheckResult, Role, Tier } from './types.js';

export interface PlanOptions {
  target: Target;
  profile: Profile;
  tier: Tier;
  /** Check ids or requirement ids (`TR-06`, `auth-no-token/*`, `RS-*`). */
  only?: string[];
  /** Check ids (patterns with *) that do not run; requirement ids to leave out are the profile's business (--exclude). */
  exclude?: string[];
}

export interface RunPlan {
  /** The checks to run, in run order (the order of the checks given to the planner). */
  selected: Check[];
  /** Checks that will not run, with the verdict and reason the report gives them. */
  notRun: CheckResult[];
  /** Client roles whose default token the preflight fetches. */
  preflightRoles: Role[];
  /** Token-endpoint requests the selected checks make, the preflight included, the probe excluded. */
  tokenRequests: number;
  /** The token-endpoint rate-limit probe runs (it may spend up to twice the limit + 1 requests: a fixed window may reset inside it). */
  hasTokenProbe: boolean;
}

/** Whether a check is picked by --only: its id or one of its requirement ids matches an entry (patterns with *). */
export function selectedByOnly(check: Check, only: string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => matchesPattern(check.id, o) || check.verifies.some((v) => matchesPattern(v, o)));
}

/** Why a check cannot run against this target, or undefined. */
function missingPrecondition(check: Check, target: Target, tier: Tier): string | undefined {
  const needs = check.needs ?? {};
  if (needs.tier === 'full' && tier !== 'full') return 'full tier only (run with --tier full)';
  for (const role of needs.clients ?? []) if (!target.clients[role]) return `the target file declares no ${role} client`;
  for (const record of needs.records ?? []) if (!target.records[record]) return `the target file declares no records.${record}`;
  if (needs.key && !target.jwt) return 'the target file provides no jwt key material';
  if (needs.writes && !target.writes) return 'writes: false in the target file (the kit creates records only when allowed)';
  if (needs.userFlows) {
    const clients = target.userFlows?.clients;
    if (!clients) return 'the target file has no userFlows section';
    if (needs.userFlows === 'both' && !(clients.confidential && clients.public)) return 'needs both a confidential and a public client in userFlows.clients';
    if ((needs.userFlows === 'confidential' || needs.userFlows === 'public') && !clients[needs.userFlows])
      return `the target file declares no userFlows.clients.${needs.userFlows}`;
  }
  return undefined;
}

/** Why the profile rules a check out (its own rule, token-only scope, or none of its requirements apply), or undefined. */
function profileExclusion(check: Check, profile: Profile): string | undefined {
  const own = check.notApplicable?.(profile);
  if (own) return own;
  if (profile.scope === 'token' && !['token', 'user-flows', 'rate-limits', 'discovery'].includes(check.suite))
    return `the ${profile.name} profile covers the token endpoint only`;
  const reasons = check.verifies.map((id) => applicability(profile, id));
  if (reasons.every((r) => !r.applies)) return (reasons[0] as { reason: string } | undefined)?.reason ?? 'not applicable';
  return undefined;
}

/**
 * The token-endpoint requests of the selected checks: their own, plus one per shared token the run fetches. The
 * full client's token is fetched too when the preflight verifies the target file's records or key with it.
 */
function tokenCount(selected: Check[], target: Target, profile: Profile): { preflightRoles: Role[]; tokenRequests: number } {
  const keys = new Set<TokenKey>();
  for (const c of selected) for (const k of c.uses ?? []) if ((k !== 'reader' && k !== 'consent') || target.clients[k]) keys.add(k);
  if (selected.some((c) => c.needs?.records?.length || c.needs?.key)) keys.add('full');
  const preflightRoles = (['full', 'reader', 'consent'] as const).filter((r) => keys.has(r) && target.clients[r]);
  const explicit = selected
    .filter((c) => c.probe !== 'token')
    .reduce((n, c) => n + (typeof c.tokenRequests === 'function' ? c.tokenRequests(profile) : (c.tokenRequests ?? 0)), 0);
  const shared = preflightRoles.length + (keys.has('subset') ? 1 : 0) + (keys.has('narrow') ? 1 : 0);
  return { preflightRoles: [...preflightRoles], tokenRequests: explicit + shared };
}

/** The plan for `checks` (given in run order) against a target under a profile and tier. */
export function planRun(checks: readonly Check[], options: PlanOptions): RunPlan {
  const { target, profile, tier } = options;
  const selected: Check[] = [];
  const notRun: CheckResult[] = [];
  for (const check of checks) {
    if (!selectedByOnly(check, options.only)) continue;
    if (options.exclude?.some((e) => matchesPattern(check.id, e))) {
      notRun.push(checkResult(check, { verdict: 'skip', reason: 'excluded by --exclude' }));
      continue;
    }
    const excluded = profileExclusion(check, profile);
    const missing = excluded ? undefined : missingPrecondition(check, target, tier);
    if (excluded) notRun.push(checkResult(check, { verdict: 'na', reason: excluded }));
    else if (missing) notRun.push(checkResult(check, { verdict: 'skip', reason: missing }));
    else selected.push(check);
  }
  return { selected, notRun, ...tokenCount(selected, target, profile), hasTokenProbe: selected.some((c) => c.probe === 'token') };
}
