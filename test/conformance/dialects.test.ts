/**
 * The kit speaks both dialects (issue 15, point 3): each profile against the reference server in each dialect,
 * in-process, limits raised (declared in the target) so no check waits.
 *
 *   openspp           × published → exit 0        openspp-deployed × deployed  → exit 0
 *   openspp           × deployed  → exit 1        openspp-deployed × published → exit 1
 *
 * A mismatched run fails exactly the requirements listed below, and nothing is inconclusive or broken: each
 * expected failure is tied to the differences between the two contracts that explain it — ids of
 * `dialectDifferences(published, deployed)` (src/docs/dialect-diff.ts) — or, where the contracts do not say it in a
 * form the diff compares (JWT header and claims, how the token endpoint reads credentials), to the section of the
 * OpenSPP 2 implementation notes that does (the notes the deployed contract was written from). The lists are
 * derived from the contracts and the notes, not from what the kit prints: the test then proves the kit finds each
 * of them, and nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedContract, publishedContract } from '../../src/contract/contract.js';
import { applicability, loadProfile } from '../../src/conformance/profiles.js';
import { runConformance, type RunOutcome } from '../../src/conformance/runner.js';
import { dialectDifferences } from '../../src/docs/dialect-diff.js';
import type { RunningServer } from '../../src/server/serve.js';
import { referenceTarget, startReference } from './harness.js';

/** Why a requirement fails in a mismatched run: dialect-diff ids and/or implementation-note sections (`§1.2`). */
interface Because {
  differences?: string[];
  notes?: string[];
  /** The requirement is one of the published contract's own (excluded by openspp-deployed) rather than shared. */
  published?: true;
}

/**
 * openspp (the published contract) against the deployed dialect: the published pages' rules the deployed module
 * does not follow. `published`: a rule the openspp-deployed profile replaces or rules out, citing the same cause;
 * the others are shared requirements whose published form (a scope, a header, an operation) differs.
 */
const OPENSPP_ON_DEPLOYED: Record<string, Because> = {
  // Token endpoint (implementation notes §1): how credentials are read, FastAPI errors, no cache headers, all scopes, 24 h JWTs.
  'CA-05': { notes: ['§1.1'], published: true }, // form credentials are taken over Basic ones, not refused
  'CA-08': { notes: ['§1.1'], differences: ['document:errors'], published: true }, // no credentials: 400 {"detail"}, not invalid_client
  'CC-02': { notes: ['§1.2'], differences: ['document:errors'], published: true }, // another grant_type: 400 {"detail"}
  'TERR-01': { notes: ['§1.2'], differences: ['document:errors'], published: true },
  'TERR-02': { notes: ['§1.2'], differences: ['headers:POST /oauth/token:401'], published: true },
  'TERR-03': { notes: ['§1.2'], differences: ['document:errors'], published: true },
  'O21-05': { notes: ['§1.1', '§1.2'], differences: ['headers:POST /oauth/token:401'], published: true },
  'OSPP-TOK-03': { notes: ['§1.2', '§11'], differences: ['document:errors'], published: true }, // wrong secret: 401 {"detail"}, not 400 invalid_client
  'TR-06': { notes: ['§1.3'], differences: ['headers:POST /oauth/token:200'], published: true },
  'TR-07': { notes: ['§1.3'], differences: ['headers:POST /oauth/token:200'], published: true },
  'O21-02': { notes: ['§1.3'], differences: ['headers:POST /oauth/token:200'], published: true },
  'OSPP-SC-04': { notes: ['§1.1'], differences: ['request:POST /oauth/token:fields'], published: true }, // the scope parameter is ignored
  'AT-01': { notes: ['§1.4'], published: true }, // typ JWT, not at+jwt
  'AT-03': { notes: ['§1.4'], published: true }, // no jti
  'AT-06': { notes: ['§1.4'], published: true }, // its own tokens are typed JWT
  // Refusals at the resource server (§2, §2.1, §3): {"detail"} bodies, a challenge only without a token.
  'OO-01': { differences: ['document:errors'], published: true },
  'OSPP-ERR-01': { differences: ['document:errors'], published: true },
  'OSPP-ERR-02': { differences: ['document:errors'], published: true },
  'RS-05': { notes: ['§2'], differences: ['headers:GET /Individual:401'], published: true },
  'HTTP-01': { notes: ['§1.2', '§2'], differences: ['headers:GET /Individual:401', 'headers:POST /oauth/token:401'], published: true },
  // Shared requirements whose published form differs.
  // The consent endpoints need a token only: a token without consent:* is accepted.
  'RS-15': { differences: ['scopes:GET /Consent/{consentId}', 'scopes:DELETE /Consent/{consentId}'] },
  'O21-04': { differences: ['scopes:GET /Consent/{consentId}', 'scopes:DELETE /Consent/{consentId}'] },
  'OSPP-SC-01': { differences: ['scopes:GET /Consent/{consentId}', 'scopes:DELETE /Consent/{consentId}'] },
  // The codes the published rules name (CONSENT_REQUIRED, RATE_LIMIT_EXCEEDED, VERSION_CONFLICT, TRANSACTION_FAILED) are not on the wire.
  'OSPP-CON-02': { differences: ['document:errors'] },
  'OSPP-RL-01': { differences: ['document:errors'] },
  'OSPP-RES-05': { differences: ['document:errors'] },
  'OSPP-RES-02': { differences: ['document:errors', 'headers:PUT /Individual/{identifier}:200'] },
  'OSPP-RES-01': { differences: ['headers:POST /Individual:201'] }, // ETag on reads only
  'OSPP-RES-03': { differences: ['operation:PUT /Individual'] }, // no conditional update
  'OSPP-MD-01': { differences: ['response:GET /metadata:fields'] }, // no rateLimits in the capability statement
  'OSPP-CT-01': { differences: ['document:errors', 'response:GET /Individual:fields', 'schema:Individual:properties', 'headers:POST /oauth/token:200'] },
  // Search: the module sorts by one field; a multi-key _sort is documented only.
  'OSPP-SR-02': { notes: ['§11'], published: true },
};

/** openspp-deployed (the deployed contract) against the published dialect: the mirror image. */
const DEPLOYED_ON_PUBLISHED: Record<string, Because> = {
  'OSPP-DEP-ERR-01': { differences: ['document:errors'] },
  'OSPP-DEP-ERR-02': { differences: ['document:errors'] },
  'OSPP-DEP-ERR-03': { differences: ['document:errors'] },
  'OSPP-DEP-TOK-01': { differences: ['document:errors'], notes: ['§11'] }, // OAuth error bodies, 400 invalid_client for a wrong secret
  'OSPP-DEP-TOK-02': { differences: ['document:token-lifetime'] }, // 3600, not 86400
  'OSPP-DEP-TOK-03': { notes: ['§1.4'] }, // at+jwt with a scope string, no scopes array
  // Shared requirements whose deployed form differs.
  'OSPP-SC-03': { differences: ['document:scopes'] }, // consent:* scopes the deployed catalogue does not have
  // Consent endpoints need a scope in the published dialect; the filter endpoints do not exist there (their paths read a record).
  'OSPP-SC-01': { differences: ['scopes:GET /Consent/{consentId}', 'scopes:DELETE /Consent/{consentId}', 'operation:GET /Individual/_filters'] },
  'OSPP-SC-02': { differences: ['operation:GET /Individual/_filters', 'operation:GET /Group/_filters', 'operation:GET /ProgramMembership/_filters'] },
  'OSPP-CON-02': { differences: ['document:errors'] }, // 403 CONSENT_REQUIRED, not "Access denied"
  'OSPP-RL-01': { differences: ['document:errors'] }, // OperationOutcome 429, not "Rate limit exceeded"
  'OSPP-RES-05': { differences: ['document:errors'] }, // OperationOutcome, not an OperationOutcome inside detail
  'OSPP-CT-01': {
    differences: ['document:errors', 'response:GET /Individual:fields', 'schema:Individual:properties', 'operation:PATCH /Individual/{identifier}'],
  },
};

const differences = new Set(dialectDifferences(publishedContract, deployedContract).map((d) => d.id));

const failedRequirements = (o: RunOutcome) => o.report!.requirements.filter((r) => r.verdict === 'fail').map((r) => r.id);
const cutOff = (o: RunOutcome) => [
  ...o.report!.requirements.filter((r) => r.verdict === 'inconclusive' || r.verdict === 'error').map((r) => `${r.id} ${r.verdict}`),
  ...o.report!.checks.filter((c) => c.verdict === 'inconclusive' || c.verdict === 'error').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`),
];

/** A fresh server in `dialect` (each run spends the token window with its rate-limit probe), the kit under `profile`. */
async function runOn(dialect: 'published' | 'deployed', profile: string): Promise<RunOutcome> {
  const server: RunningServer = await startReference({ SPP_DIALECT: dialect });
  try {
    return await runConformance({ target: referenceTarget(server.baseUrl), profile, timingSamples: 10, out: () => {} });
  } finally {
    await server.close();
  }
}

describe('the expected differences are derived from the contracts and the notes', () => {
  for (const [name, table] of [
    ['openspp on deployed', OPENSPP_ON_DEPLOYED],
    ['openspp-deployed on published', DEPLOYED_ON_PUBLISHED],
  ] as const) {
    it(`${name}: every expected failure names a difference dialect-diff computes, or a note section`, () => {
      for (const [id, because] of Object.entries(table)) {
        expect((because.differences?.length ?? 0) + (because.notes?.length ?? 0), id).toBeGreaterThan(0);
        for (const d of because.differences ?? []) expect(differences.has(d), `${id}: ${d} is not a difference of the two contracts`).toBe(true);
      }
    });
  }

  it('a published rule the deployed dialect does not follow is ruled out by openspp-deployed, citing the same cause; a shared one is not', () => {
    const deployed = loadProfile('openspp-deployed');
    for (const [id, because] of Object.entries(OPENSPP_ON_DEPLOYED)) {
      const a = applicability(deployed, id);
      const reason = a.applies ? undefined : a.reason;
      if (!because.published) {
        expect(reason, `${id} is shared: openspp-deployed must judge it`).toBeUndefined();
        continue;
      }
      expect(reason, `${id}: openspp-deployed does not rule it out`).toBeDefined();
      const cited = [...(because.differences ?? []), ...(because.notes ?? []).map((n) => `notes ${n}`)];
      const mentions = cited.some((c) => reason!.includes(c)) || (because.notes ?? []).some((n) => reason!.includes(n));
      expect(mentions, `${id}: '${reason}' cites none of ${cited.join(', ')}`).toBe(true);
    }
    // Every security requirement is shared.
    for (const id of [
      'RS-10',
      'RS-15',
      'JWT-01',
      'JWT-02',
      'BCP-01',
      'AT-09',
      'AT-10',
      'OSPP-SC-01',
      'OSPP-CON-01',
      'OSPP-CON-02',
      'OO-03',
      'OSPP-RL-01',
      'RL-04',
    ])
      expect(applicability(deployed, id).applies, id).toBe(true);
  });
});

describe('the kit against the reference server in each dialect, under each profile', () => {
  const runs: Partial<Record<'pp' | 'dd' | 'pd' | 'dp', RunOutcome>> = {};
  beforeAll(async () => {
    // profile × server: p = openspp / published, d = openspp-deployed / deployed.
    runs.pp = await runOn('published', 'openspp');
    runs.dd = await runOn('deployed', 'openspp-deployed');
    runs.pd = await runOn('deployed', 'openspp');
    runs.dp = await runOn('published', 'openspp-deployed');
  }, 300_000);

  it('openspp against the published dialect: exit 0, nothing failed, cut off or broken', () => {
    const o = runs.pp!;
    expect(o.error).toBeUndefined();
    expect(failedRequirements(o)).toEqual([]);
    expect(cutOff(o)).toEqual([]);
    expect(o.exitCode).toBe(0);
  });

  it('openspp-deployed against the deployed dialect: exit 0, nothing failed, cut off or broken', () => {
    const o = runs.dd!;
    expect(o.error).toBeUndefined();
    expect(failedRequirements(o)).toEqual([]);
    expect(cutOff(o)).toEqual([]);
    expect(o.exitCode).toBe(0);
    expect(o.report!.target.profile).toBe('openspp-deployed');
  });

  it('openspp-deployed really judges: the deployed rules and the shared security requirements pass rather than being skipped', () => {
    const verdict = new Map(runs.dd!.report!.requirements.map((r) => [r.id, r.verdict]));
    for (const id of [
      'OSPP-CT-01',
      'OSPP-DEP-ERR-01',
      'OSPP-DEP-ERR-02',
      'OSPP-DEP-ERR-03',
      'OSPP-DEP-TOK-01',
      'OSPP-DEP-TOK-02',
      'OSPP-DEP-TOK-03',
      // 401 without and with a bad token, 403 on a missing scope, scopes, consent, rate limits, JWT attacks.
      'RS-10',
      'RS-15',
      'RS-16',
      'JWT-01',
      'JWT-02',
      'JWT-03',
      'JWT-04',
      'BCP-01',
      'BCP-02',
      'BCP-05',
      'BCP-06',
      'BCP-07',
      'AT-09',
      'AT-10',
      'OSPP-SC-01',
      'OSPP-CON-01',
      'OSPP-CON-02',
      'OSPP-CON-04',
      'OO-03',
      'OSPP-RL-01',
      'RL-03',
      'RL-04',
      'OSPP-RES-01',
      'OSPP-RES-02',
      'OSPP-RES-04',
      'OSPP-RES-05',
      'OSPP-MD-01',
      // The published guide's search parameters and consent endpoints the deployed contract has too.
      'OSPP-SR-01',
      'OSPP-SR-03',
      'OSPP-CNS-01',
      'OSPP-CNS-02',
      'OSPP-CNS-03',
    ])
      expect(verdict.get(id), id).toBe('pass');
    // The published contract's own rules are ruled out, with the difference as the reason.
    for (const id of ['OO-01', 'OSPP-ERR-01', 'TR-06', 'AT-01', 'OSPP-TOK-04']) expect(verdict.get(id), id).toBe('na');
  });

  for (const [key, profile, dialect, table] of [
    ['pd', 'openspp', 'deployed', OPENSPP_ON_DEPLOYED],
    ['dp', 'openspp-deployed', 'published', DEPLOYED_ON_PUBLISHED],
  ] as const) {
    it(`${profile} against the ${dialect} dialect: exit 1, failing exactly the documented differences, nothing inconclusive or broken`, () => {
      const o = runs[key]!;
      expect(o.error).toBeUndefined();
      expect(cutOff(o)).toEqual([]);
      const failed = failedRequirements(o);
      // Each expected requirement fails (the kit finds every difference) ...
      expect(Object.keys(table).filter((id) => !failed.includes(id))).toEqual([]);
      // ... and nothing else does (no cascade, no false failure).
      expect(failed.filter((id) => !(id in table))).toEqual([]);
      expect(o.exitCode).toBe(1);
    });
  }
});
