/**
 * The client's dialects at the type level, checked by `tsc` (npm test runs `npm run typecheck`): what only the
 * deployed contract has compiles only on a `dialect: 'deployed'` client, what only the published contract has
 * only on a published one, and each side's bodies and answers are its own contract's. Every `@ts-expect-error`
 * below must meet an error, or the type check fails. The functions are never called; the runtime half only
 * shows the file loads.
 */
import { describe, expect, it } from 'vitest';
import { createSppClient, type deployed, type published, type SppClient, type SppDialect, type ValidationProblem } from '../../src/client/index.js';
import type { Dialect } from '../../src/contract/contract.js';

const identifier = 'urn:gov:ph:psa:national-id|PH-123456789';
const options = { baseUrl: 'http://127.0.0.1:1/api/v2/spp', clientId: 'a', clientSecret: 'b' };

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// The client names the same dialects as the server and the kit (it cannot import them: it ships without the contract).
export const sameDialects: Equal<SppDialect, Dialect> = true;

export async function deployedOnly(spp: SppClient<'deployed'>, pub: SppClient) {
  // PATCH (JSON merge patch) of an Individual: deployed only.
  const patched = await spp.PATCH('/Individual/{identifier}', {
    params: { path: { identifier }, header: { 'If-Match': '"1"' } },
    body: { name: { given: 'Maria Elena' }, birthDate: null },
  });
  const type: 'Individual' | undefined = patched.data?.type;
  void type;
  // @ts-expect-error the published dialect has no PATCH on an Individual
  await pub.PATCH('/Individual/{identifier}', { params: { path: { identifier } }, body: { active: false } });

  // Bulk export: deployed only.
  const exported = await spp.POST('/$bulk/export', { body: { type: 'Individual', identifiers: [identifier], _elements: 'name' } });
  const statuses: Array<'success' | 'not_found' | 'access_denied' | 'error'> | undefined = exported.data?.items.map((i) => i.status);
  void statuses;
  // @ts-expect-error the published dialect has no bulk export
  await pub.POST('/$bulk/export', { body: { type: 'Individual', identifiers: [identifier] } });

  // Group member operations, an Individual's groups, structured filters: deployed only.
  await spp.POST('/Group/{identifier}/$add-member', {
    params: { path: { identifier: 'urn:openspp:group|HH-2024-001' } },
    body: { entity: { reference: `Individual/${identifier}` } },
  });
  await spp.GET('/Individual/{identifier}/groups', { params: { path: { identifier } } });
  await spp.GET('/Individual/_filters');
  await spp.GET('/Group/{identifier}/membership-history', { params: { path: { identifier: 'urn:openspp:group|HH-2024-001' } } });
  // @ts-expect-error no $add-member in the published dialect
  await pub.POST('/Group/{identifier}/$add-member', { params: { path: { identifier } }, body: { entity: { reference: 'x' } } });
  // @ts-expect-error no membership history in the published dialect
  await pub.GET('/Group/{identifier}/membership-history', { params: { path: { identifier: 'urn:openspp:group|HH-2024-001' } } });
}

export async function publishedOnly(spp: SppClient<'deployed'>, pub: SppClient<'published'>) {
  const body = { resourceType: 'Individual' as const, identifier: [{ system: 'urn:a', value: 'b' }], name: { family: 'Santos' } };
  // Conditional update on the collection, and Program writes: published only.
  await pub.PUT('/Individual', { params: { query: { identifier: 'urn:a|b' } }, body });
  // @ts-expect-error the deployed dialect has no conditional update
  await spp.PUT('/Individual', { params: { query: { identifier: 'urn:a|b' } }, body });
  // @ts-expect-error the deployed dialect cannot create Programs
  await spp.POST('/Program', { body: {} as never });
}

export async function ownBodiesAndAnswers(spp: SppClient<'deployed'>, pub: SppClient) {
  // The search envelope: {data, meta, links} against a searchset Bundle.
  const page = await spp.GET('/Individual', { params: { query: { name: 'Santos', _count: 20, 'membership-role': 'head' } } });
  if (page.data) {
    const total: number = page.data.meta.total;
    const first: deployed.components['schemas']['Individual'] | undefined = page.data.data[0];
    void total;
    void first;
    // @ts-expect-error a deployed search answer is no Bundle
    void page.data.entry;
  }
  const bundle = await pub.GET('/Individual', { params: { query: { name: 'santos' } } });
  if (bundle.data) {
    const first: published.components['schemas']['Individual'] | undefined = bundle.data.entry[0]?.resource;
    void first;
    // @ts-expect-error a published search answer has no `meta`
    void bundle.data.meta;
  }
  // @ts-expect-error `membership-role` is a deployed search parameter only
  await pub.GET('/Individual', { params: { query: { 'membership-role': 'head' } } });

  // `type` names the resource in the deployed dialect, `resourceType` in the published one.
  await spp.POST('/Individual', { body: { type: 'Individual', identifier: [{ system: 'urn:a', value: 'b' }] } });
  // @ts-expect-error `resourceType` is not a field of the deployed IndividualInput
  await spp.POST('/Individual', { body: { resourceType: 'Individual', identifier: [{ system: 'urn:a', value: 'b' }] } });
  // @ts-expect-error `type` is not a field of the published IndividualInput
  await pub.POST('/Individual', { body: { type: 'Individual', identifier: [{ system: 'urn:a', value: 'b' }], name: { family: 'x' } } });

  // Errors: `{"detail": text | problems}` against an OperationOutcome.
  const read = await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } });
  if (read.error) {
    const detail: string | ValidationProblem[] = read.error.detail;
    void detail;
    // @ts-expect-error a deployed error is no OperationOutcome
    void read.error.issue;
  }
  const pread = await pub.GET('/Individual/{identifier}', { params: { path: { identifier } } });
  if (pread.error) {
    // @ts-expect-error a published error has no `detail`
    void pread.error.detail;
  }
}

export function construction() {
  const pub = createSppClient(options);
  const alsoPub = createSppClient({ ...options, dialect: 'published' });
  const dep = createSppClient({ ...options, dialect: 'deployed' });
  const p: SppClient<'published'> = pub;
  const q: SppClient = alsoPub;
  const d: SppClient<'deployed'> = dep;
  const name: 'deployed' = dep.dialect;
  // @ts-expect-error a deployed client is not a published one
  const wrong: SppClient = dep;
  // The published token endpoint narrows a token to a scope; the deployed one ignores `scope`, so it is refused.
  createSppClient({ ...options, scope: 'individual:read' });
  // @ts-expect-error `scope` is not an option of a deployed client
  createSppClient({ ...options, dialect: 'deployed', scope: 'individual:read' });
  // @ts-expect-error there are two dialects
  createSppClient({ ...options, dialect: 'draft' });
  return [p, q, d, name, wrong];
}

describe('client dialect types', () => {
  it('are checked by tsc; this file only needs to load', () => {
    expect([typeof deployedOnly, typeof publishedOnly, typeof ownBodiesAndAnswers, typeof construction]).toEqual(Array(4).fill('function'));
    expect(sameDialects).toBe(true);
  });
});
