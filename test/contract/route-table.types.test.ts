/**
 * Type-level guarantees of the route table, checked by `tsc` (npm test runs `npm run typecheck`): every
 * `@ts-expect-error` below must meet an error, or the type check fails. The runtime half shows that the same
 * mistakes, made where the types cannot see them, are caught by response validation.
 */
import { describe, expect, it } from 'vitest';
import type { components } from '../../src/contract/generated/types.js';
import type { Handler, RouteTable } from '../../src/contract/route-table.js';
import { buildApp, BASE, example } from './harness.js';

type Individual = components['schemas']['Individual'];
const individual = example<Individual>('individual');

// A declared status with its declared body type-checks.
export const good: Handler<'readIndividual', unknown> = () => ({ status: 200, body: individual, headers: { ETag: '"3"', 'X-Consent-Status': 'active' } });

// A status the operation does not declare does not type-check.
export const undeclaredStatus: Handler<'readIndividual', unknown> = async () =>
  // @ts-expect-error 201 is not a response of readIndividual
  ({ status: 201, body: individual });

// The body must be the one declared for that status.
export const wrongBody: Handler<'readIndividual', unknown> = async () =>
  // @ts-expect-error an OperationOutcome is not the 200 body of readIndividual
  ({ status: 200, body: { resourceType: 'OperationOutcome', issue: [] } });

// Error statuses carry OperationOutcomes.
export const errorBody: Handler<'readIndividual', unknown> = () => ({
  status: 404,
  body: {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'not-found', details: { coding: [{ system: 'urn:openspp:error', code: 'RESOURCE_NOT_FOUND' }], text: 'No such Individual.' } },
    ],
  },
});

// Parameters are typed from the contract.
export const params: Handler<'searchIndividuals', unknown> = (req) => {
  const count: number | undefined = req.query._count;
  // @ts-expect-error `surname` is not a search parameter of searchIndividuals
  void req.query.surname;
  void count;
  return { status: 200, body: example('individual-search-bundle') };
};

// A route table must have every operation.
// @ts-expect-error the table lacks most operations
export const incomplete: RouteTable<unknown> = { readIndividual: good };

describe('route table types', () => {
  it('the runtime catches what the types catch, for code the types cannot see', async () => {
    const { app, seen } = buildApp({
      readIndividual: undeclaredStatus as never,
      readGroup: wrongBody as never,
    });
    expect((await app.request(`${BASE}/Individual/urn:a:b|c`)).status).toBe(500);
    expect((await app.request(`${BASE}/Group/urn:a:b|c`)).status).toBe(500);
    expect(seen.violations.map((v) => v.op)).toEqual(['readIndividual', 'readGroup']);
  });
});
