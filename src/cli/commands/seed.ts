import { InvalidArgumentError, type Command } from 'commander';
import { seedRegistry } from '../../server/registry/seed.js';
import type { Db } from '../../server/store/db.js';
import { progressLine } from '../../terminal/progress.js';

function wholeNumber(min: number) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`a whole number of at least ${min} is needed.`);
    return Number(v);
  };
}

/** spp-kit seed --individuals N [--seed S] */
export function register(program: Command, openDb: () => Db): void {
  program
    .command('seed')
    .description('Add a synthetic registry (households, identifiers, programme enrolments) for scale testing')
    .requiredOption('--individuals <n>', 'how many individuals to generate (in households of about four)', wholeNumber(1))
    .option('--seed <s>', 'random seed: the same seed gives the same people', wholeNumber(0), 1)
    .option('--json', 'machine-readable output')
    .action((opts: { individuals: number; seed: number; json?: boolean }) => {
      // On stderr, so that --json output stays one document: a redrawn line on a terminal, plain lines elsewhere.
      const progress = progressLine({ label: 'seeding individuals', total: opts.individuals });
      const report = seedRegistry(openDb(), {
        individuals: opts.individuals,
        seed: opts.seed,
        onProgress: (n, phase) => (phase === 'rows' ? progress.update(n) : progress.update(n, 'building the indexes and the text index')),
      });
      progress.done();
      console.log(
        opts.json
          ? JSON.stringify(report, null, 2)
          : `seeded ${report.individuals} individuals in ${report.groups} households, ${report.programMemberships} programme enrolments (${(report.ms / 1000).toFixed(1)} s)`,
      );
    });
}
