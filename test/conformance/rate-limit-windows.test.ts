/**
 * Fixed windows and the rate-limit probes (token endpoint and API): a server whose minute window begins anew in the middle of the kit's probe
 * lets more than the limit through in that probe and is still right (found in a README run: "no 429 after 61
 * failed attempts" against the reference server); a server whose limit is higher than declared is not. Both are
 * strangers: a proxy counts the requests in windows of its own, in front of a reference server whose own
 * limits are out of reach.
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { publishedContract } from '../../src/contract/contract.js';
import { ApiError, operationOutcome } from '../../src/contract/errors.js';
import { RAISED, referenceTarget } from './harness.js';
import { isApi, isTokenEndpoint, without, type Mutation } from './mutants/proxy.js';
import { behindProxy } from './strangers/proxied.js';

const DECLARED = 12;

/** A fixed-window limiter on the token endpoint: `limit` per 60 s window, the window begun `age` ms ago; optionally a new window at the n-th failed attempt. */
function tokenWindow(limit: number, options: { age: number; newWindowAtFailure?: number }): Mutation {
  let start = Date.now() - options.age;
  let count = 0;
  let failures = 0;
  return {
    response: (res, req) => {
      if (!isTokenEndpoint(req)) return res;
      if (res.status >= 400 && res.status < 500 && ++failures === options.newWindowAtFailure) {
        start = Date.now();
        count = 0;
      }
      if (++count <= limit) return res;
      const retryAfter = Math.max(1, Math.ceil((start + 60_000 - Date.now()) / 1000));
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', 'retry-after': String(retryAfter) },
        body: JSON.stringify({ error: 'invalid_request', error_description: 'Too many requests.' }),
      };
    },
  };
}

/** The same on the API, with no quota headers (the burst then has only the 429's Retry-After to go by). */
function apiWindow(limit: number, options: { age: number; newWindowAt?: number }): Mutation {
  let start = Date.now() - options.age;
  let count = 0;
  let seen = 0;
  return {
    response: (res, req) => {
      if (!isApi(req)) return res;
      const plain = without(res, 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset');
      if (++seen === options.newWindowAt) {
        start = Date.now();
        count = 0;
      }
      if (++count <= limit) return plain;
      const retryAfter = Math.max(1, Math.ceil((start + 60_000 - Date.now()) / 1000));
      const body = operationOutcome(publishedContract.errors, new ApiError('RATE_LIMIT_EXCEEDED', 'Too many requests.'));
      return { status: 429, headers: { 'content-type': 'application/json', 'retry-after': String(retryAfter) }, body: JSON.stringify(body) };
    },
  };
}

async function probe(mutation: Mutation, checkId = 'ratelimit-token') {
  const bench = await behindProxy(mutation);
  try {
    const declared = { perMinute: DECLARED, perDay: 10_000 };
    const target = referenceTarget(bench.baseUrl, {
      rateLimits: checkId === 'ratelimit-token' ? { ...RAISED, token: declared } : { ...RAISED, api: declared },
    });
    // The proxy's 429 and headers are not the contract's: only the window is judged here.
    const outcome = await runConformance({ target, only: [checkId], exclude: ['OSPP-CT-01'], out: () => {} });
    const check = outcome.report!.checks.find((c) => c.checkId === checkId)!;
    const verdict = (id: string) => outcome.report!.requirements.find((r) => r.id === id)?.verdict;
    return { outcome, check, verdict };
  } finally {
    await bench.close();
  }
}

describe('the token probe against fixed windows', () => {
  it('a window that begins anew inside the probe: more than the limit pass, and the server is right (RL-04, CA-07 pass)', async () => {
    const { outcome, check, verdict } = await probe(tokenWindow(DECLARED, { age: 30_000, newWindowAtFailure: 5 }));
    expect(verdict('RL-04'), check.reason).toBe('pass');
    expect(verdict('CA-07')).toBe('pass');
    expect(JSON.stringify(check)).toMatch(/fixed window reset [\d.]+ s into the probe/);
    expect(
      outcome.report!.requirements.filter((r) => r.verdict === 'fail').map((r) => `${r.id}`),
      JSON.stringify(outcome.report!.checks.map((c) => c.reason)),
    ).toEqual([]);
    expect(outcome.exitCode).toBe(0);
  }, 60_000);

  it('a limit twice the declared one, in a window begun before the probe: RL-04 fails, saying so', async () => {
    const { outcome, check, verdict } = await probe(tokenWindow(2 * DECLARED, { age: 30_000 }));
    expect(verdict('RL-04')).toBe('fail');
    expect(JSON.stringify(check)).toMatch(/began [\d.]+ s before the probe .*higher than declared/);
    expect(outcome.exitCode).toBe(1);
  }, 60_000);

  it('no 429 within twice the limit: RL-04 and CA-07 fail', async () => {
    const { outcome, verdict } = await probe(tokenWindow(10 * DECLARED, { age: 30_000 }));
    expect(verdict('RL-04')).toBe('fail');
    expect(verdict('CA-07')).toBe('fail');
    expect(outcome.exitCode).toBe(1);
  }, 60_000);
});

describe('the API burst against fixed windows, without quota headers', () => {
  it('a window that begins anew inside the burst: more than the limit pass, and the server is right (OSPP-RL-01 passes)', async () => {
    const { outcome, check, verdict } = await probe(apiWindow(DECLARED, { age: 30_000, newWindowAt: 6 }), 'ratelimit-api');
    expect(verdict('OSPP-RL-01'), check.reason).toBe('pass');
    expect(JSON.stringify(check)).toMatch(/fixed window reset [\d.]+ s into the probe/);
    expect(outcome.report!.summary.mustFailures).toEqual([]);
  }, 60_000);

  it('a limit twice the declared one: OSPP-RL-01 fails, saying the limit is higher than declared', async () => {
    const { check, verdict } = await probe(apiWindow(2 * DECLARED, { age: 30_000 }), 'ratelimit-api');
    expect(verdict('OSPP-RL-01')).toBe('fail');
    expect(JSON.stringify(check)).toMatch(/higher than declared/);
  }, 60_000);
});
