/**
 * Resources. Search paging is read-only and always runs; the rest writes and runs only with `writes: true`:
 * create and read back, update with a current and a stale If-Match, conditional update, and a transaction that
 * must roll back. Everything the kit creates carries the target file's write identifier (writeIdentifier: a system
 * the deployment accepts, default urn:spp-kit:conformance, and a value prefix) with the run id in the value, so it
 * stays recognisable (the API deletes nothing). A write the target refuses says which identifier it was refused.
 */
import { kitOperation } from '../kit-contract.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { KIT_IDENTIFIER_SYSTEM } from '../target.js';
import { contractFor } from '../../contract/contract.js';
import { ERROR_BODY_IDS, errorBodyName, errorBodyProblem, errorCodeOf, errorRequirement, exampleBody, expectedFor, label } from './helpers.js';
import { isValidationAnswer } from './probes.js';
import { asBundle, requireShape, type SearchBundle } from './shapes.js';

/** The contract's example Individual, re-identified with the target file's write identifier. */
function individual(ctx: CheckContext, n: number): { body: Record<string, any>; identifier: string } {
  const body = (exampleBody(kitOperation('createIndividual')) ?? { resourceType: 'Individual' }) as Record<string, any>;
  const { system, valuePrefix } = ctx.target.writeIdentifier;
  const value = `${valuePrefix}${ctx.runId}-${n}`;
  body.identifier = [{ system, value }];
  if (body.name && typeof body.name === 'object') body.name = { ...body.name, family: `SppKit-${ctx.runId}` };
  return { body, identifier: `${system}|${value}` };
}

/**
 * A record the kit wrote refused as invalid (400/422): a business rule the contract allows (an identifier type the
 * deployment does not know), not a deviation — the check cannot go on, and says what to set in the target file.
 */
function refusedAsInvalid(ctx: CheckContext, r: HttpResult, identifier: string): void {
  if (isValidationAnswer(r)) ctx.skip(`precondition not met: ${refusedWrite(ctx, r, identifier)}`);
}

/** Why the target refused a record the kit wrote, and what to do about it (the identifier system is the usual cause). */
function refusedWrite(ctx: CheckContext, r: HttpResult, identifier: string): string {
  const why = r.text.slice(0, 200).replace(/\s+/g, ' ');
  const hint = isValidationAnswer(r)
    ? ctx.target.writeIdentifier.system === KIT_IDENTIFIER_SYSTEM
      ? `; a deployment that accepts only its own identifier types refuses ${KIT_IDENTIFIER_SYSTEM}: name one it accepts in writeIdentifier.system (and a valuePrefix) in the target file`
      : `; check that writeIdentifier.system (${ctx.target.writeIdentifier.system}) is an identifier type the deployment accepts`
    : '';
  return `the target refused to create the record ${identifier} (${r.status} ${why})${hint}`;
}

/** Whether the run's contract declares a response header on an operation's answer. */
function declaresHeader(operation: string, status: number, header: string): boolean {
  const headers = kitOperation(operation).responses.get(status)?.headers ?? {};
  return Object.keys(headers).some((h) => h.toLowerCase() === header.toLowerCase());
}

async function searchByIdentifier(ctx: CheckContext, identifier: string): Promise<HttpResult> {
  return ctx.api(kitOperation('searchIndividuals'), { token: await ctx.token('full'), query: { identifier } });
}

type Bundle = SearchBundle;

const key = (e: NonNullable<Bundle['entry']>[number]) => e.fullUrl ?? JSON.stringify(e.resource?.identifier ?? []);

/** Pages of `size` along the next links (at most 40), asserting no page is larger; what they held. */
async function walkPages(ctx: CheckContext, token: RoleToken, size: number) {
  const op = kitOperation('searchIndividuals');
  let r = await ctx.api(op, { token, query: { _count: String(size) } });
  const seen = new Set<string>();
  const totals = new Set<number>();
  const evidence: HttpResult[] = [r];
  let dupes = 0;
  let pages = 0;
  for (; pages < 40 && r.status === 200; pages++) {
    const b = asBundle(r.json) ?? {};
    if (typeof b.total === 'number') totals.add(b.total);
    if ((b.entry?.length ?? 0) > size) ctx.assert('OSPP-RES-04', false, `page ${pages + 1} holds ${b.entry?.length} entries for _count=${size}`, r);
    for (const e of b.entry ?? []) {
      const k = key(e);
      if (seen.has(k)) dupes++;
      seen.add(k);
    }
    const next = b.link?.find((l) => l.relation === 'next')?.url;
    if (!next) break;
    r = await ctx.request({
      method: 'GET',
      url: new URL(next, ctx.target.baseUrl).href,
      headers: { accept: 'application/json', authorization: `Bearer ${token.accessToken}` },
      operation: op,
      role: 'full',
    });
    evidence.push(r);
  }
  const complete = !asBundle(r.json)?.link?.some((l) => l.relation === 'next');
  return { seen, dupes, pages, totals, evidence, complete };
}

export const resourceChecks: Check[] = [
  {
    id: 'search-paging',
    title: 'Search total is exact and next links page without duplicates or gaps',
    suite: 'resources',
    verifies: ['OSPP-RES-04'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      await requireShape(ctx, 'search');
      const token = await ctx.token('full');
      const op = kitOperation('searchIndividuals');
      // One big page first: when everything fits, total must equal the number of entries.
      const big = await ctx.api(op, { token, query: { _count: '100' } });
      const all = asBundle(big.json);
      ctx.assert('OSPP-RES-04', big.status === 200 && typeof all?.total === 'number', `${label(op, big)} total ${all?.total}`, big);
      if (typeof all?.total !== 'number') return;
      const hasNext = !!all.link?.some((l) => l.relation === 'next');
      if (!hasNext)
        ctx.assert(
          'OSPP-RES-04',
          all.total === (all.entry?.length ?? 0),
          `one page holds everything: total ${all.total}, entries ${all.entry?.length ?? 0}`,
          big,
        );
      // Then small pages along the next links (bounded): no duplicates, no gaps, the same total throughout.
      const size = Math.max(1, Math.min(25, Math.ceil(Math.min(all.total, 100) / 4)));
      const walk = await walkPages(ctx, token, size);
      const { seen, dupes, pages, totals, evidence } = walk;
      ctx.assert('OSPP-RES-04', dupes === 0, `${pages + 1} pages of ${size}: ${dupes} duplicate entries`, evidence);
      ctx.assert('OSPP-RES-04', totals.size <= 1, `total stays the same across pages (${[...totals].join(', ')})`, evidence);
      if (walk.complete) ctx.assert('OSPP-RES-04', seen.size === all.total, `paging to the end visits ${seen.size} records; total says ${all.total}`, evidence);
    },
  },
  {
    id: 'resource-create-read',
    title: 'POST creates an Individual (201, Location, ETag) that GET returns',
    suite: 'resources',
    verifies: ['OSPP-RES-01'],
    needs: { clients: ['full'], writes: true },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const { body, identifier } = individual(ctx, 1);
      const created = await ctx.api(kitOperation('createIndividual'), { token, body });
      refusedAsInvalid(ctx, created, identifier);
      ctx.measure('created', identifier);
      // ETag on the 201 where the contract declares one (the deployed module sends it on reads only).
      const etagDue = declaresHeader('createIndividual', 201, 'ETag');
      ctx.assert(
        'OSPP-RES-01',
        created.status === 201 && !!created.headers.get('location') && (!etagDue || !!created.headers.get('etag')),
        created.status === 201
          ? `${label(kitOperation('createIndividual'), created)}, Location ${created.headers.get('location') ?? '(none)'}, ETag ${created.headers.get('etag') ?? '(none)'}`
          : refusedWrite(ctx, created, identifier),
        created,
      );
      const read = await ctx.api(kitOperation('readIndividual'), { token, params: { identifier } });
      const got = read.json as Record<string, any> | undefined;
      ctx.assert(
        'OSPP-RES-01',
        read.status === 200 && got?.name?.family === body.name?.family && got?.birthDate === body.birthDate,
        `read back → ${read.status}, family ${got?.name?.family}, birthDate ${got?.birthDate}`,
        read,
      );
    },
  },
  {
    id: 'resource-if-match',
    title: 'PUT with the current If-Match updates; a stale one gets 409 and writes nothing',
    suite: 'resources',
    verifies: ['OSPP-RES-02', ...ERROR_BODY_IDS],
    needs: { clients: ['full'], writes: true },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const { body, identifier } = individual(ctx, 2);
      const created = await ctx.api(kitOperation('createIndividual'), { token, body });
      if (created.status !== 201) ctx.skip(`precondition not met: ${refusedWrite(ctx, created, identifier)}`);
      // The version to update from: the create's ETag, else a read's (the deployed module sends it on reads only).
      const v1 = created.headers.get('etag') ?? (await ctx.api(kitOperation('readIndividual'), { token, params: { identifier } })).headers.get('etag');
      if (!v1) ctx.skip('precondition not met: the target sent no ETag for the record it created, on the create or on a read');
      const update = kitOperation('updateIndividual');
      const first = { ...body, name: { ...body.name, given: 'Updated' } };
      const ok = await ctx.api(update, { token, params: { identifier }, headers: { 'if-match': v1 }, body: first });
      // The new version: the update's ETag, else (where the contract declares none on it) a read's.
      const v2 =
        ok.headers.get('etag') ??
        (ok.status === 200 && !declaresHeader('updateIndividual', 200, 'ETag')
          ? (await ctx.api(kitOperation('readIndividual'), { token, params: { identifier } })).headers.get('etag')
          : null);
      ctx.assert('OSPP-RES-02', ok.status === 200 && !!v2 && v2 !== v1, `PUT with If-Match ${v1} → ${ok.status}, ETag ${v2 ?? '(none)'}`, ok);
      const stale = await ctx.api(update, {
        token,
        params: { identifier },
        headers: { 'if-match': v1 },
        body: { ...body, name: { ...body.name, given: 'Stale' } },
      });
      ctx.assert(
        'OSPP-RES-02',
        stale.status === expectedFor('VERSION_CONFLICT').status && errorCodeOf(stale.json) === 'VERSION_CONFLICT',
        `PUT with the stale If-Match ${v1} → ${stale.status} ${errorCodeOf(stale.json) ?? ''}`,
        stale,
      );
      const problem = errorBodyProblem(stale.json, stale.status);
      ctx.assert(errorRequirement('OO-01')!, !problem, problem ?? `the 409 is an ${errorBodyName()}`, stale);
      const after = await ctx.api(kitOperation('readIndividual'), { token, params: { identifier } });
      const given = (after.json as Record<string, any> | undefined)?.name?.given;
      ctx.assert('OSPP-RES-02', given === 'Updated', `after the refused update the record still says given=${given}`, after);
    },
  },
  {
    id: 'resource-conditional-update',
    title: 'PUT /Individual?identifier= creates when absent (201) and updates when present (200)',
    suite: 'resources',
    verifies: ['OSPP-RES-03'],
    needs: { clients: ['full'], writes: true },
    uses: ['full'],
    notApplicable: (p) =>
      contractFor(p.dialect).operations.has('conditionalUpdateIndividual') ? undefined : `the ${p.dialect} contract has no conditional update`,
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const { body, identifier } = individual(ctx, 3);
      const op = kitOperation('conditionalUpdateIndividual');
      const created = await ctx.api(op, { token, query: { identifier }, body });
      refusedAsInvalid(ctx, created, identifier);
      ctx.assert('OSPP-RES-03', created.status === 201, `${label(op, created)} for an absent identifier`, created);
      const updated = await ctx.api(op, { token, query: { identifier }, body: { ...body, active: false } });
      ctx.assert(
        'OSPP-RES-03',
        updated.status === 200 && (updated.json as { active?: boolean } | undefined)?.active === false,
        `${label(op, updated)} for the same identifier, active=${(updated.json as { active?: boolean } | undefined)?.active}`,
        updated,
      );
    },
  },
  {
    id: 'resource-transaction-rollback',
    title: 'A transaction with a failing entry writes nothing and names the entry',
    suite: 'resources',
    verifies: ['OSPP-RES-05', ...ERROR_BODY_IDS],
    needs: { clients: ['full'], writes: true },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const { body, identifier } = individual(ctx, 4);
      // The second entry repeats the first one's identifier: valid on its own, fatal together.
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Individual' }, resource: body },
          { request: { method: 'POST', url: 'Individual' }, resource: { ...body, name: { ...body.name, given: 'Duplicate' } } },
        ],
      };
      const r = await ctx.api(kitOperation('processBatch'), { token, body: bundle });
      const problem = errorBodyProblem(r.json, r.status);
      // The OperationOutcome: the body (published), or inside detail (deployed); the entry named by expression or diagnostics.
      type Issue = { expression?: string[]; diagnostics?: string };
      const json = r.json as { issue?: Issue[]; detail?: { issue?: Issue[] } } | undefined;
      const issues = json?.issue ?? json?.detail?.issue ?? [];
      const named = issues.some((i) => (i.expression ?? []).some((e) => /entry\[1\]/.test(e)) || /\bentry 1\b/.test(i.diagnostics ?? ''));
      ctx.assert(
        'OSPP-RES-05',
        r.status >= 400 && errorCodeOf(r.json) === 'TRANSACTION_FAILED' && named,
        `transaction with a duplicate second entry → ${r.status} ${errorCodeOf(r.json) ?? ''}${named ? ', names entry[1]' : ', does not name entry[1]'}`,
        r,
      );
      ctx.assert(errorRequirement('OO-01')!, !problem, problem ?? `the failure is an ${errorBodyName()}`, r);
      await requireShape(ctx, 'search');
      const after = await searchByIdentifier(ctx, identifier);
      const total = asBundle(after.json)?.total;
      ctx.assert('OSPP-RES-05', after.status === 200 && total === 0, `after the failed transaction a search for the first entry finds ${total}`, after);
    },
  },
];
