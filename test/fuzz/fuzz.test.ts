/**
 * The bounded fuzzing tier of `npm test`: a fixed seed, so the same requests every run, over every operation of
 * the contract and every strategy of the generator. `npm run fuzz` runs the open-ended tier with a new seed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeReport, fuzz } from './engine.js';
import { startFuzzTarget } from './target.js';

const SEED = 20261129;
const REQUESTS = 2500;
let target: Awaited<ReturnType<typeof startFuzzTarget>>;

beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(() => target.close());

it(`holds every invariant for ${REQUESTS} contract-driven hostile requests (seed ${SEED})`, async () => {
  const report = await fuzz({ origin: target.origin, contract: target.context.contract, context: target.context, seed: SEED, requests: REQUESTS });
  console.log(describeReport(report));
  expect(report.requests).toBeGreaterThanOrEqual(2000);
  // Every operation was attacked, with every strategy that applies to it.
  expect(Object.keys(report.byOperation).sort()).toEqual([...target.context.contract.operations.keys()].sort());
  expect(report.violations).toEqual([]);
}, 120_000);
