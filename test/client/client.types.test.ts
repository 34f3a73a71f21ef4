/**
 * Type-level guarantees of the client, checked by `tsc` (npm test runs `npm run typecheck`): every
 * `@ts-expect-error` below must meet an error, or the type check fails. The functions are never called; the
 * runtime half only shows the file loads.
 */
import { describe, expect, it } from 'vitest';
import { unwrap, type ErrorCode, type SppClient } from '../../src/client/index.js';
import type { components } from '../../src/contract/generated/types.js';

type Individual = components['schemas']['Individual'];
const identifier = 'urn:gov:ph:psa:national-id|PH-123456789';

export async function correctUsage(spp: SppClient) {
  // Paths, parameters and response bodies come from the contract.
  const search = await spp.GET('/Individual', { params: { query: { name: 'santos', _count: 10, birthdate: ['ge1980-01-01'] } } });
  if (search.data) {
    const total: number = search.data.total;
    const first: Individual | undefined = search.data.entry[0]?.resource;
    void total;
    void first;
  }
  // `error` is the operation's OperationOutcome, so its code is the contract's ErrorCode.
  const read = await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } });
  if (read.error) {
    const code: ErrorCode | undefined = read.error.issue[0]?.details.coding[0]?.code;
    void code;
  }
  const person: Individual = unwrap(read);
  const version: string = person.meta.versionId;
  void version;
  // Headers declared by the operation, and bodies declared by it.
  await spp.GET('/metadata');
  await spp.POST('/oauth/token', { body: { grant_type: 'client_credentials', scope: 'individual:read' } });
  const token: string = await spp.tokens.getToken();
  void token;
}

export async function mistakes(spp: SppClient) {
  // @ts-expect-error a path the contract does not have
  await spp.GET('/Person/{identifier}', { params: { path: { identifier } } });

  // @ts-expect-error a method the path does not have (no DELETE in API V2)
  await spp.DELETE('/Individual/{identifier}', { params: { path: { identifier } } });

  // @ts-expect-error `surname` is not a search parameter of GET /Individual
  await spp.GET('/Individual', { params: { query: { surname: 'Santos' } } });

  // @ts-expect-error … not even next to a correct one (plain openapi-fetch lets this one through)
  await spp.GET('/Individual', { params: { query: { name: 'santos', surname: 'Santos' } } });

  // @ts-expect-error `_count` is a number, not a string
  await spp.GET('/Individual', { params: { query: { _count: '10' } } });

  // @ts-expect-error the identifier path parameter is required
  await spp.GET('/Individual/{identifier}');

  // @ts-expect-error `client_name` is not a field of the token request body (plain openapi-fetch lets it through)
  await spp.POST('/oauth/token', { body: { grant_type: 'client_credentials', client_name: 'x' } });

  // @ts-expect-error `If-Match` is the header PUT declares; `If-None-Match` is not
  await spp.PUT('/Individual/{identifier}', { params: { path: { identifier }, header: { 'If-None-Match': '"3"' } }, body: {} as never });

  // A correct replacement compiles…
  await spp.PUT('/Individual/{identifier}', {
    params: { path: { identifier }, header: { 'If-Match': '"3"' } },
    body: { resourceType: 'Individual', identifier: [{ system: 'urn:a', value: 'b' }], name: { family: 'Santos' } },
  });
  // …and `resourceType` must be the path's type
  await spp.PUT('/Individual/{identifier}', {
    params: { path: { identifier } },
    // @ts-expect-error 'Group' is not the path's resourceType
    body: { resourceType: 'Group', identifier: [{ system: 'urn:a', value: 'b' }], name: { family: 'Santos' } },
  });
  await spp.PUT('/Individual/{identifier}', {
    params: { path: { identifier } },
    // @ts-expect-error `surname` is not a field of IndividualInput
    body: { resourceType: 'Individual', identifier: [{ system: 'urn:a', value: 'b' }], name: { family: 'Santos' }, surname: 'Santos' },
  });

  const read = await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } });
  // @ts-expect-error versionId is a string
  const n: number | undefined = read.data?.meta.versionId;
  void n;
  // @ts-expect-error error codes are the contract's enum
  const c: 'NOT_A_CODE' | undefined = read.error?.issue[0]?.details.coding[0]?.code;
  void c;
}

describe('client types', () => {
  it('are checked by tsc; this file only needs to load', () => {
    expect(typeof correctUsage).toBe('function');
    expect(typeof mistakes).toBe('function');
  });
});
