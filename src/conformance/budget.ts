/**
 * Request budgets. A budget counts requests against a per-minute and a per-day limit and says how long to wait
 * before one more request fits. The minute is counted as a sliding window: a target that counts fixed windows
 * (aligned or not) then never sees more than its limit inside any of them. Pure: the clock is a parameter.
 */

export interface Limits {
  perMinute: number;
  perDay: number;
}

export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The day's budget cannot hold the next request (or a burst exceeds the minute's limit): waiting cannot help. */
export class BudgetExhausted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExhausted';
  }
}

/** Requests sent to one endpoint (the token endpoint, or the API with one client's tokens) against its limits. */
export class RequestBudget {
  /** Timestamps (ms) of the requests sent, oldest first. */
  readonly history: number[];
  /** Set when the target refused with a Retry-After longer than the kit waits: nothing fits before then. */
  blockedUntil = 0;
  /** Called with each request's time as it is recorded (the token ledger keeps the day's spend across runs). */
  onRecord: ((t: number) => void) | undefined;

  constructor(
    readonly name: string,
    readonly limits: Limits,
    history: readonly number[] = [],
    /** Slack for transit time and the target's clock. */
    readonly marginMs = 1_000,
  ) {
    this.history = [...history].sort((a, b) => a - b);
  }

  inLastMinute(now: number): number[] {
    return this.history.filter((t) => t > now - MINUTE_MS - this.marginMs);
  }

  usedToday(now: number): number {
    return this.history.filter((t) => t > now - DAY_MS).length;
  }

  /** Milliseconds to wait before `n` more requests fit; throws BudgetExhausted when the day's budget cannot hold them. */
  delayFor(now: number, n = 1): number {
    if (n > this.limits.perMinute) throw new BudgetExhausted(`${this.name}: ${n} requests at once exceed the limit of ${this.limits.perMinute} per minute`);
    if (this.usedToday(now) + n > this.limits.perDay) {
      throw new BudgetExhausted(
        `${this.name}: the day's budget of ${this.limits.perDay} requests is spent (${this.usedToday(now)} used in the last 24 h, earlier runs included)`,
      );
    }
    const blocked = Math.max(0, this.blockedUntil - now);
    const recent = this.inLastMinute(now);
    const excess = recent.length + n - this.limits.perMinute;
    if (excess <= 0) return blocked;
    return Math.max(blocked, recent[excess - 1]! + MINUTE_MS + this.marginMs - now);
  }

  /** The target said (429 + Retry-After) that nothing more is accepted before `until`. */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  record(now: number): void {
    this.history.push(now);
    this.onRecord?.(now);
  }
}

export interface PlanInput {
  tokenRequests: number;
  /** Requests the token-endpoint rate-limit probe may spend (up to twice the limit + 1). */
  probeRequests: number;
  limits: Limits;
  /** Token requests earlier runs sent in the last 24 h (the ledger). */
  spentEarlier?: number;
}

export interface BudgetPlan {
  tokenRequests: number;
  probeRequests: number;
  /** Minute windows the run needs for its token requests. */
  windows: number;
  /** Lower bound on the time spent waiting for windows, in seconds. */
  minWaitSeconds: number;
  /** Share of the day's token budget the run uses, 0..1+. */
  dayShare: number;
  fitsInDay: boolean;
  lines: string[];
}

/** The static token plan printed before a run starts. Pure. */
export function planBudget(input: PlanInput): BudgetPlan {
  const { tokenRequests, probeRequests, limits } = input;
  const spent = input.spentEarlier ?? 0;
  const windows = Math.max(1, Math.ceil(tokenRequests / limits.perMinute));
  const minWaitSeconds = (windows - 1) * 60;
  const total = tokenRequests + probeRequests;
  const dayShare = total / limits.perDay;
  const left = Math.max(0, limits.perDay - spent);
  const lines = [
    `token requests: ${tokenRequests} for the checks${probeRequests ? ` + up to ${probeRequests} for the rate-limit probe` : ''}; limit ${limits.perMinute}/min and ${limits.perDay}/day`,
  ];
  if (windows > 1) lines.push(`needs ${windows} one-minute windows: at least ${minWaitSeconds} s of waiting (the kit prints each wait)`);
  const earlier = spent ? ` (${left} of ${limits.perDay} left today: earlier runs from this machine spent ${spent} in the last 24 h)` : '';
  lines.push(
    `uses ${Math.round(dayShare * 100)}% of the day's token budget${earlier}${total > left ? ' - more than is left: the last checks will be inconclusive' : ''}`,
  );
  return { tokenRequests, probeRequests, windows, minWaitSeconds, dayShare, fitsInDay: total <= left, lines };
}
