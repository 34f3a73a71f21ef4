/**
 * The CheckContext a check talks through: the run's configuration to read, the sending side to reach the target,
 * the recorder to assert on, and the run's shared memos and budgets — one object per check run.
 */
import type { CheckContext } from './check.js';
import type { CheckRecorder } from './recorder.js';
import { CheckSender } from './sender.js';
import type { Session } from './session.js';
import { skipped } from './stopped.js';

/** The context for one run of one check; everything it records lands in `recorder`. */
export function checkContext(session: Session, recorder: CheckRecorder, log: (line: string) => void): CheckContext {
  const { config } = session;
  const sender = new CheckSender(session, recorder, log);
  return {
    target: config.target,
    profile: config.profile,
    tier: config.tier,
    runId: config.runId,
    tokenEndpoint: config.tokenEndpoint,
    clockSkewMs: config.clockSkewMs,
    limits: config.limits,
    metadata: config.metadata,
    timingSamples: config.timingSamples,
    token: (role, scope) => sender.token(role, scope),
    tokenRequest: (call) => sender.tokenRequest(call),
    api: (op, call) => sender.api(op, call),
    request: (spec) => sender.request(spec),
    adopt: (exchangeId) => sender.adopt(exchangeId),
    assert: (requirement, ok, message, evidence, how) => recorder.assert(requirement, ok, message, evidence, how),
    notApplicable: (requirement, reason) => recorder.notApplicable(requirement, reason),
    measure: (name, value) => recorder.measure(name, value),
    skip(reason) {
      throw skipped(reason);
    },
    recent: (kind) => (kind === 'token' ? session.tokenBudget : session.apiBudget(kind)).inLastMinute(Date.now()).length,
    apiAnswers: () => session.apiAnswers,
    memo: (key, compute) => session.memo(key, compute),
    log,
    sleep: (ms) => session.wait(ms),
  };
}
