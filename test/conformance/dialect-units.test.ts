/**
 * The kit's dialect-aware readers, pure: which requirement an error-body rule is in each dialect, how a deployed
 * `{"detail"}` refusal is read (its shape and the code its text stands for), how the deployed search envelope is
 * read as a Bundle, and how the planner rules each profile's foreign operations out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { allChecks } from '../../src/conformance/checks/index.js';
import { detailProblem, errorBodyProblem, errorCodeOf, errorRequirement } from '../../src/conformance/checks/helpers.js';
import { asBundle, resourceKind } from '../../src/conformance/checks/shapes.js';
import { kitContract, useDialect } from '../../src/conformance/kit-contract.js';
import { planRun } from '../../src/conformance/plan.js';
import { loadProfile } from '../../src/conformance/profiles.js';
import { referenceTarget } from './harness.js';

afterEach(() => useDialect('published'));

describe('the run contract', () => {
  it('is the published one until a run selects the deployed one', () => {
    expect(kitContract().errorStyle).toBe('operation-outcome');
    useDialect('deployed');
    expect(kitContract().errorStyle).toBe('detail');
    expect(kitContract().operations.has('patchIndividual')).toBe(true);
  });

  it('maps the error-body rules to each dialect', () => {
    expect(['OO-01', 'OSPP-ERR-01', 'OSPP-ERR-02', 'OO-02'].map(errorRequirement)).toEqual(['OO-01', 'OSPP-ERR-01', 'OSPP-ERR-02', 'OO-02']);
    useDialect('deployed');
    expect(['OO-01', 'OSPP-ERR-01', 'OSPP-ERR-02', 'OO-02', 'RS-05'].map(errorRequirement)).toEqual([
      'OSPP-DEP-ERR-01',
      'OSPP-DEP-ERR-02',
      'OSPP-DEP-ERR-03',
      undefined,
      'RS-05',
    ]);
  });
});

describe('deployed refusals', () => {
  it('a {"detail"} body: a text, a 422 list of problems, or $batch\'s OperationOutcome inside detail', () => {
    expect(detailProblem({ detail: 'Invalid token' }, 401)).toBeUndefined();
    expect(detailProblem({ detail: [{ loc: ['query', '_count'], msg: 'too big', type: 'value_error' }] }, 422)).toBeUndefined();
    expect(detailProblem({ detail: [{ loc: ['query'], msg: 'x', type: 'y' }] }, 401)).toMatch(/only a 422/);
    expect(detailProblem({ detail: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] } }, 422)).toBeUndefined();
    expect(detailProblem({ resourceType: 'OperationOutcome', issue: [] }, 401)).toMatch(/no detail member/);
    expect(detailProblem({ detail: '' }, 401)).toMatch(/empty/);
  });

  it("the code a text stands for, from the contract (x-error-codes) and the module's fixed texts", () => {
    useDialect('deployed');
    const code = (detail: unknown) => errorCodeOf({ detail });
    expect(code('Missing Authorization header')).toBe('AUTHENTICATION_REQUIRED');
    expect(code('Token expired')).toBe('TOKEN_EXPIRED');
    expect(code('Invalid token')).toBe('INVALID_TOKEN');
    expect(code("Missing required scope 'individual:create'. Request access from your administrator.")).toBe('SCOPE_INSUFFICIENT');
    expect(code("Missing required scopes 'group:create' and 'group:update'. Request access from your administrator.")).toBe('SCOPE_INSUFFICIENT');
    expect(code('Access denied')).toBe('CONSENT_REQUIRED');
    expect(code('Rate limit exceeded. Retry after 12 seconds.')).toBe('RATE_LIMIT_EXCEEDED');
    expect(
      code({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Transaction failed at entry 1 (unknown): x' }] }),
    ).toBe('TRANSACTION_FAILED');
    expect(code('Forbidden')).toBeUndefined();
    // An OperationOutcome is not the deployed dialect's refusal.
    expect(errorBodyProblem({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security' }] }, 401)).toMatch(/no detail member/);
  });
});

describe('search answers in either dialect', () => {
  it('reads the deployed envelope as a Bundle and type as the kind', () => {
    const b = asBundle({ data: [{ type: 'Individual', identifier: [] }], meta: { total: 7, count: 1, offset: 0 }, links: { self: '/a', next: '/b' } });
    expect(b).toEqual({
      total: 7,
      entry: [{ resource: { type: 'Individual', identifier: [] } }],
      link: [
        { relation: 'self', url: '/a' },
        { relation: 'next', url: '/b' },
      ],
    });
    expect(resourceKind({ type: 'Individual' })).toBe('Individual');
    expect(resourceKind({ resourceType: 'Group' })).toBe('Group');
    const bundle = { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] };
    expect(asBundle(bundle)).toBe(bundle);
  });
});

describe('the planner', () => {
  it("rules each profile's foreign operations out of the 401/403 sweep, and the deployed checks out of openspp", () => {
    const target = referenceTarget('http://127.0.0.1:9/api/v2/spp');
    const reasons = (profile: string) =>
      new Map(planRun(allChecks, { target, profile: loadProfile(profile), tier: 'fast' }).notRun.map((c) => [c.checkId, c.reason ?? '']));
    const published = reasons('openspp');
    expect(published.get('auth-no-token/patchIndividual')).toMatch(/the published contract has no secured operation patchIndividual/);
    expect(published.get('deployed-token-lifetime')).toMatch(/deployed dialect's own rule/);
    expect(published.has('auth-no-token/conditionalUpdateIndividual')).toBe(false);
    const deployed = reasons('openspp-deployed');
    expect(deployed.get('auth-no-token/conditionalUpdateIndividual')).toMatch(/the deployed contract has no secured operation/);
    expect(deployed.get('auth-missing-scope/readConsent')).toMatch(/needs no scope in the deployed contract/);
    expect(deployed.get('resource-conditional-update')).toMatch(/no conditional update/);
    expect(deployed.has('auth-no-token/patchIndividual')).toBe(false);
  });
});
