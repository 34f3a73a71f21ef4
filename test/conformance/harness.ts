/**
 * The kit's own test bench: the reference server in-process on a free port of 127.0.0.1 (in-memory database,
 * demo clients and registry, a fixed HS256 secret), limits raised so a fast run needs no waiting — and declared
 * in the target, as the kit requires — plus a target built from fixtures/targets/reference.yaml.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';
import { loadConfig, type ConfigInput } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/serve.js';
import { parseTarget, type Target } from '../../src/conformance/target.js';

export const TEST_JWT_SECRET = 'spp-kit-conformance-test-secret-9f3b7c1e5a2d8046b1c9e7f3a5d2b804';

/** Limits a fast run fits in without waiting; the probes then need up to twice the limit + 1 requests each (a fixed window may begin anew inside one). */
export const RAISED = { token: { perMinute: 60, perDay: 100_000 }, api: { perMinute: 400, perDay: 1_000_000 } };

export async function startReference(env: ConfigInput = {}): Promise<RunningServer> {
  const { startReferenceServer } = await import('../../src/server/reference.js');
  return startReferenceServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SPP_DB: ':memory:',
      OPENSPP_JWT_SECRET: TEST_JWT_SECRET,
      SPP_TOKEN_RATE_PER_MINUTE: String(RAISED.token.perMinute),
      SPP_TOKEN_RATE_PER_DAY: String(RAISED.token.perDay),
      SPP_API_RATE_PER_MINUTE: String(RAISED.api.perMinute),
      SPP_API_RATE_PER_DAY: String(RAISED.api.perDay),
      ...env,
    }),
  );
}

/** fixtures/targets/reference.yaml, pointed at `baseUrl`, with the test secret and the raised limits. */
export function referenceTarget(baseUrl: string, overrides: Record<string, unknown> = {}): Target {
  const doc = parse(readFileSync(new URL('../../fixtures/targets/reference.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  return parseTarget({ ...doc, baseUrl, rateLimits: RAISED, jwt: { alg: 'HS256', secret: TEST_JWT_SECRET }, ...overrides }, { env: {} });
}

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

/** What a written JSON report breaks of conformance/report-schema.json (none: it matches). */
export function reportSchemaProblems(reportFile: string): unknown[] {
  const schema = JSON.parse(readFileSync(new URL('../../conformance/report-schema.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return validate(JSON.parse(readFileSync(reportFile, 'utf8'))) ? [] : (validate.errors ?? []);
}
