/**
 * What one check records while it runs: its assertions (on the requirement ids it declares only), the exchanges
 * it made or adopted, its measurements, the requirements that are not applicable (ruled out by the profile, or
 * declared by the check at run time), and how many token-endpoint requests it sent.
 */
import type { AssertHow, Check, Evidence } from './check.js';
import type { Masker } from './mask.js';
import { applicability, type Profile } from './profiles.js';
import type { Assertion, Exchange } from './types.js';

/** The requirement every answer of a contract operation verifies (or breaks). */
const CONTRACT_REQUIREMENT = 'OSPP-CT-01';

/** A contract issue's text without what differs between operations: the values seen, the operation's own name. */
function issueCause(message: string): string {
  return message.replace(/ \(got [^)]*\)/g, '').replace(/ for [A-Za-z]+ \(declared: [^)]*\)/g, ' for the operation');
}

/**
 * OSPP-CT-01 for one answer of a contract operation: one assertion per contract issue the http layer found in it
 * (each its own observation, so that the same deviation across operations is one root cause), or one that it conforms.
 */
function contractAssertions(exchange: Exchange): Assertion[] {
  const issues = exchange.contractIssues ?? [];
  const answer = `${exchange.operation} ${exchange.response?.status}`;
  if (!issues.length) return [{ requirement: CONTRACT_REQUIREMENT, ok: true, message: `${answer} conforms to the contract`, evidence: [exchange.id] }];
  const kind = `a ${String(exchange.response?.status ?? '?').slice(0, 1)}xx answer`;
  return issues.map((i) => ({
    requirement: CONTRACT_REQUIREMENT,
    ok: false,
    message: `${answer} breaks the contract: ${i.pointer} ${i.message}`,
    evidence: [exchange.id],
    cause: `${kind}: ${i.pointer} ${issueCause(i.message)}`,
  }));
}

function evidenceIds(evidence: Evidence): number[] {
  return (Array.isArray(evidence) ? evidence : [evidence]).map((r) => ('exchange' in r ? r.exchange.id : r.id));
}

/** The record of one check run; run-check.ts turns it into the CheckResult. */
export class CheckRecorder {
  readonly assertions: Assertion[] = [];
  readonly exchanges: Exchange[] = [];
  readonly measurements: Record<string, string | number | boolean> = {};
  tokenRequests = 0;
  /** Grows by OSPP-CT-01 once the check records an answer of a contract operation. */
  private readonly verifies: Set<string>;
  /** Ruled out by the profile: assertions on these ids are ignored. */
  private readonly profileNa = new Map<string, string>();
  /** Did not arise in this run (declared by the check): reported as not applicable unless asserted. */
  private readonly runtimeNa = new Map<string, string>();

  constructor(
    private readonly check: Check,
    private readonly profile: Profile,
    private readonly masker: Masker,
  ) {
    this.verifies = new Set(check.verifies);
    for (const id of check.verifies) {
      const a = applicability(profile, id);
      if (!a.applies) this.profileNa.set(id, a.reason);
    }
  }

  /** Records an observation on a declared requirement; returns `ok`. Asserting an undeclared id is a kit bug. */
  assert(requirement: string, ok: boolean, message: string, evidence?: Evidence, how: AssertHow = {}): boolean {
    if (!this.verifies.has(requirement)) throw new Error(`check ${this.check.id} asserts ${requirement}, which it does not declare in verifies`);
    if (this.profileNa.has(requirement)) return ok;
    this.assertions.push({
      requirement,
      ok,
      message: this.masker.text(message),
      ...(evidence ? { evidence: evidenceIds(evidence) } : {}),
      ...(how.weight && !ok ? { weight: how.weight } : {}),
      ...(how.cause && !ok ? { cause: this.masker.text(how.cause) } : {}),
    });
    return ok;
  }

  notApplicable(requirement: string, reason: string): void {
    if (!this.verifies.has(requirement)) throw new Error(`check ${this.check.id} marks ${requirement} not applicable, which it does not declare`);
    if (!this.profileNa.has(requirement)) this.runtimeNa.set(requirement, reason);
  }

  measure(name: string, value: string | number | boolean): void {
    this.measurements[name] = typeof value === 'string' ? this.masker.text(value) : value;
  }

  /** An exchange the check sent (recorded before its answer arrives, so a network failure is evidence too) or adopted. */
  exchange(exchange: Exchange): void {
    if (!this.exchanges.includes(exchange)) this.exchanges.push(exchange);
  }

  /** An answer the check received: when it stands for a contract operation, it verifies or breaks OSPP-CT-01. */
  answer(exchange: Exchange): void {
    if (!this.profile.contract || !exchange.operation) return;
    this.verifies.add(CONTRACT_REQUIREMENT);
    this.assertions.push(...contractAssertions(exchange));
  }

  /** The requirement ids the check verified, OSPP-CT-01 included once it applied. */
  requirements(): string[] {
    return [...this.verifies];
  }

  /** Every requirement that is not applicable, with its reason (the profile's wins). */
  notApplicableReasons(): Map<string, string> {
    return new Map([...this.runtimeNa, ...this.profileNa]);
  }
}
