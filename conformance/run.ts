// Runs `spp-kit conformance` from source, without building dist/ first:
//   npx tsx conformance/run.ts --target fixtures/targets/reference.yaml
import { Command } from 'commander';
import { register } from '../src/cli/commands/conformance.js';

const program = new Command('spp-kit');
register(program);
await program.parseAsync(['node', 'spp-kit', 'conformance', ...process.argv.slice(2)]);
