/**
 * The kit against Glewlwyd (Debian's `glewlwyd` package: an OAuth 2.0 / OpenID Connect server in C) under the
 * rfc6749 profile. Glewlwyd issues a client-credentials token only to a request that names a scope, and refuses one
 * that names none with a bare 403: the kit must say to declare the scope (exit 2), then — with it declared — judge
 * that refusal (SC-03) and everything else on real deviations only. CI installs the package (.ci/run); without it
 * these tests are skipped, and their titles say so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { parseTarget } from '../../src/conformance/target.js';
import { GLEWLWYD_CLIENT, glewlwydInstalled, startGlewlwyd, type RunningGlewlwyd } from './peers.js';

const stateDir = mkdtempSync(join(tmpdir(), 'spp-kit-glewlwyd-state-'));

describe.skipIf(!glewlwydInstalled())('Glewlwyd 2.7 (Debian package) under rfc6749 — skipped when the glewlwyd package is not installed', () => {
  let glewlwyd: RunningGlewlwyd;
  beforeAll(async () => {
    glewlwyd = await startGlewlwyd();
  }, 30_000);
  afterAll(async () => glewlwyd?.close());

  const target = (client: { clientId: string; clientSecret: string; scope?: string }) =>
    parseTarget(
      // Glewlwyd has no token-endpoint limit; one is declared only so that the run is not paced at the assumed 5/min
      // (the rate-limit probe, which would then judge it, is excluded).
      { baseUrl: glewlwyd.issuer, profile: 'rfc6749', clients: { full: client }, rateLimits: { token: { perMinute: 600, perDay: 100_000 } } },
      { env: {} },
    );

  it('10: without a declared scope the bare 403 stops the run with exit 2, saying to declare clients.full.scope', async () => {
    const o = await runConformance({
      target: target({ clientId: GLEWLWYD_CLIENT.clientId, clientSecret: GLEWLWYD_CLIENT.clientSecret }),
      stateDir,
      out: () => {},
    });
    expect(o.exitCode).toBe(2);
    expect(o.error).toMatch(
      /answered 403 for the full client: \(empty body\)\. If the server requires a scope in the token request, declare .* clients\.full\.scope/,
    );
  });

  it('10, 15: with the scope declared the run completes; it fails exactly its real deviations (the bare 403 under SC-03, the GET 401 under HTTP-01)', async () => {
    const o = await runConformance({ target: target(GLEWLWYD_CLIENT), exclude: ['ratelimit-token'], stateDir, out: () => {} });
    expect(o.error).toBeUndefined();
    expect(o.report!.target.tokenEndpoint).toBe(glewlwyd.tokenEndpoint);
    const verdict = (id: string) => o.report!.requirements.find((r) => r.id === id)?.verdict;
    for (const id of ['TR-01', 'TR-02', 'TR-03', 'TR-06', 'TR-07', 'CA-01', 'CA-03', 'CA-04', 'TE-01', 'TE-04', 'TE-05', 'TE-06', 'SC-01', 'CC-03'])
      expect(verdict(id), id).toBe('pass');
    expect(o.report!.summary.mustFailures.sort()).toEqual(['CA-05', 'CA-08', 'CC-02', 'HTTP-01', 'SC-03', 'SC-05', 'TERR-01', 'TERR-02', 'TERR-03']);
    const sc03 = o.report!.checks.find((c) => c.checkId === 'token-scope-omitted')!;
    expect(sc03.assertions.find((a) => a.requirement === 'SC-03')?.message).toMatch(/no scope parameter → 403 \(no error code\)/);
    for (const id of ['MD-01', 'MD-04']) expect(verdict(id), id).toBe('na');
    expect(o.exitCode).toBe(1);
  }, 60_000);
});
