// The jwt checks as one vitest file (the runner orders files by their number: rate limits last).
import { registerSuite } from '../bridge.js';
import { checksOfSuite } from '../checks/index.js';

registerSuite('jwt', checksOfSuite('jwt'));
