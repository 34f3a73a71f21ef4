/**
 * The bounded fuzzing tier of `npm test`: a fixed seed per dialect, so the same requests every run, over every
 * operation of the dialect's contract and every strategy of the generator. `npm run fuzz` runs the open-ended tier
 * with a new seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/contract/contract.js';
import { describeReport, fuzz } from './engine.js';
import { startFuzzTarget } from './target.js';

const TIERS: Array<{ dialect: Dialect; seed: number; requests: number }> = [
  { dialect: 'published', seed: 20261129, requests: 2500 },
  { dialect: 'deployed', seed: 20261130, requests: 2500 },
];

describe.each(TIERS)('the $dialect dialect', ({ dialect, seed, requests }) => {
  let target: Awaited<ReturnType<typeof startFuzzTarget>>;
  beforeAll(async () => {
    target = await startFuzzTarget(dialect);
  });
  afterAll(() => target.close());

  it(`holds every invariant for ${requests} contract-driven hostile requests (seed ${seed})`, async () => {
    const report = await fuzz({ origin: target.origin, contract: target.context.contract, context: target.context, seed, requests });
    console.log(describeReport(report));
    expect(report.requests).toBeGreaterThanOrEqual(2000);
    // Every operation was attacked, with every strategy that applies to it.
    expect(Object.keys(report.byOperation).sort()).toEqual([...target.context.contract.operations.keys()].sort());
    expect(report.violations).toEqual([]);
  }, 120_000);
});
