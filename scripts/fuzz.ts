/**
 * npm run fuzz [-- --requests 20000] [-- --seed N] [-- --dialect published|deployed]
 *
 * The open-ended fuzzing tier: a new seed each run (printed first, so that any failure can be replayed with
 * `--seed`), against the reference server in memory on a loopback port. Exit 1 when an invariant broke.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isDialect } from '../src/contract/contract.js';
import { describeReport, fuzz } from '../test/fuzz/engine.js';
import { startFuzzTarget } from '../test/fuzz/target.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, seed: { type: 'string' }, dialect: { type: 'string', default: 'published' } },
});
const requests = Number(values.requests);
const seed = values.seed !== undefined ? Number(values.seed) : randomInt(1, 2 ** 31 - 1);
const dialect = values.dialect;
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed) || !isDialect(dialect)) {
  console.error('usage: npm run fuzz [-- --requests N] [-- --seed N] [-- --dialect published|deployed]');
  process.exit(2);
}
console.log(`fuzz: ${dialect} dialect, seed ${seed} (replay with: npm run fuzz -- --dialect ${dialect} --seed ${seed} --requests ${requests})`);
const target = await startFuzzTarget(dialect);
try {
  const report = await fuzz({
    origin: target.origin,
    contract: target.context.contract,
    context: target.context,
    seed,
    requests,
    livenessEvery: 500,
    onProgress: (done) => {
      if (done % 5000 === 0 || done === requests) console.log(`  ${done}/${requests}`);
    },
  });
  console.log(describeReport(report));
  process.exitCode = report.violations.length ? 1 : 0;
} finally {
  await target.close();
}
