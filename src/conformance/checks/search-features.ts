/**
 * What the published guide promises a search and a read beyond paging by links: offset paging, multi-key sort,
 * `_elements` and `_extensions`. Read-only; each check reads the target's own data, so an order or a field is
 * judged only where the data can show it (a sort key's ties, a record with an extension), and says so.
 */
import { kitOperation } from '../kit-contract.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { label } from './helpers.js';
import { asBundle, requireShape } from './shapes.js';

type Resource = Record<string, unknown> & { identifier?: Array<{ system: string; value: string }>; meta?: { lastUpdated?: string } };

const search = () => kitOperation('searchIndividuals');
const bundleOf = (r: HttpResult) => (r.status === 200 ? asBundle(r.json) : undefined);
const resources = (r: HttpResult) => (bundleOf(r)?.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
const keyOf = (res: Resource) => JSON.stringify(res.identifier ?? []);

async function searchAs(ctx: CheckContext, token: RoleToken, query: Record<string, string>): Promise<HttpResult> {
  return ctx.api(search(), { token, query });
}

/** The first page's total, or a skip when the target has nothing to search (then no order or field can be judged). */
async function totalOrSkip(ctx: CheckContext, token: RoleToken): Promise<{ total: number; first: HttpResult }> {
  await requireShape(ctx, 'search');
  const first = await searchAs(ctx, token, { _count: '100' });
  const total = bundleOf(first)?.total;
  if (typeof total !== 'number') ctx.skip(`precondition not met: ${label(search(), first)} gave no total`);
  if (total === 0) ctx.skip('precondition not met: the full client finds no Individual to page, sort or select from');
  return { total, first };
}

/** Fields of a resource beyond those `_elements` always keeps. */
function extraFields(res: Resource, asked: readonly string[]): string[] {
  // The discriminator is always returned: resourceType (published) or type (deployed), as the kit reads either dialect.
  const allowed = new Set(['resourceType', 'type', 'identifier', 'meta', ...asked.map((a) => a.split('.')[0]!)]);
  const extra = Object.keys(res).filter((k) => !allowed.has(k));
  // A dotted element keeps only that field of the object.
  for (const dotted of asked.filter((a) => a.includes('.'))) {
    const [outer, inner] = dotted.split('.') as [string, string];
    const value = res[outer];
    if (value && typeof value === 'object' && !Array.isArray(value))
      extra.push(
        ...Object.keys(value)
          .filter((k) => k !== inner)
          .map((k) => `${outer}.${k}`),
      );
  }
  return extra;
}

/** Extension block names of a resource (the `extension` object's keys). */
function extensionNames(res: Resource): string[] {
  const ext = res.extension;
  return ext && typeof ext === 'object' && !Array.isArray(ext) ? Object.keys(ext) : [];
}

/** Adjacent pairs out of order under `before(a, b)` (true when a may come before b). */
function outOfOrder<T>(items: T[], before: (a: T, b: T) => boolean): number {
  let n = 0;
  for (let i = 1; i < items.length; i++) if (!before(items[i - 1]!, items[i]!)) n++;
  return n;
}

const birthDate = (r: Resource) => (typeof r.birthDate === 'string' ? r.birthDate : undefined);
const lastUpdated = (r: Resource) => (typeof r.meta?.lastUpdated === 'string' ? Date.parse(r.meta.lastUpdated) : undefined);

export const searchFeatureChecks: Check[] = [
  {
    id: 'search-offset-paging',
    title: 'Offset paging visits every match once, with one total, and its next links continue it',
    suite: 'resources',
    verifies: ['OSPP-SR-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      const { total } = await totalOrSkip(ctx, token);
      const size = Math.max(1, Math.min(25, Math.ceil(Math.min(total, 100) / 4)));
      const reach = Math.min(total, 40 * size);
      const seen = new Set<string>();
      const totals = new Set<number>();
      const pages: HttpResult[] = [];
      let dupes = 0;
      let short = '';
      for (let offset = 0; offset < reach; offset += size) {
        const r = await searchAs(ctx, token, { _count: String(size), _offset: String(offset) });
        pages.push(r);
        const b = bundleOf(r);
        if (!b) {
          ctx.assert('OSPP-SR-01', false, `${label(search(), r)} for _offset=${offset}&_count=${size}`, r);
          return;
        }
        if (typeof b.total === 'number') totals.add(b.total);
        const got = resources(r);
        const expected = Math.min(size, total - offset);
        if (got.length !== expected && !short) short = `_offset=${offset}&_count=${size} holds ${got.length} entries, ${expected} expected of total ${total}`;
        for (const res of got) {
          if (seen.has(keyOf(res))) dupes++;
          seen.add(keyOf(res));
        }
      }
      ctx.measure('offset.pages', pages.length);
      ctx.assert('OSPP-SR-01', !short, short || `${pages.length} pages of ${size} by _offset each hold what total (${total}) leaves for them`, pages);
      ctx.assert('OSPP-SR-01', dupes === 0, `${pages.length} pages of ${size} by _offset: ${dupes} duplicate entries`, pages);
      ctx.assert('OSPP-SR-01', totals.size === 1 && totals.has(total), `total on every page: ${[...totals].join(', ')} (first page said ${total})`, pages);
      if (reach === total)
        ctx.assert('OSPP-SR-01', seen.size === total, `paging by _offset to the end visits ${seen.size} records; total says ${total}`, pages);
      // The first offset page's next link leads to what _offset=size holds.
      const next = bundleOf(pages[0]!)?.link?.find((l) => l.relation === 'next')?.url;
      if (total > size) {
        if (!next) {
          ctx.assert('OSPP-SR-01', false, `_offset=0&_count=${size} of ${total} matches has no next link`, pages[0]);
          return;
        }
        const followed = await ctx.request({
          method: 'GET',
          url: new URL(next, ctx.target.baseUrl).href,
          headers: { accept: 'application/json', authorization: `Bearer ${token.accessToken}` },
          operation: search(),
          role: 'full',
        });
        const a = resources(followed).map(keyOf);
        const b = resources(pages[1]!).map(keyOf);
        ctx.assert(
          'OSPP-SR-01',
          a.length > 0 && JSON.stringify(a) === JSON.stringify(b),
          `the next link of _offset=0 → ${followed.status}, ${a.length} entries, ${JSON.stringify(a) === JSON.stringify(b) ? 'the same' : 'not the same'} as _offset=${size}`,
          [pages[0]!, followed, pages[1]!],
        );
      }
    },
  },
  {
    id: 'search-multi-key-sort',
    title: 'A multi-key _sort orders by each key in turn, in the direction asked',
    suite: 'resources',
    verifies: ['OSPP-SR-02'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      await totalOrSkip(ctx, token);
      // Dates compare as text and instants as numbers, whatever the target's collation: only those keys are judged.
      const byBirth = await searchAs(ctx, token, { _sort: '-birthDate,name', _count: '100' });
      const dated = resources(byBirth).filter((r) => birthDate(r) !== undefined);
      const wrong = outOfOrder(dated, (a, b) => birthDate(a)! >= birthDate(b)!);
      ctx.assert(
        'OSPP-SR-02',
        byBirth.status === 200 && wrong === 0,
        `_sort=-birthDate,name → ${byBirth.status}: ${wrong} of ${dated.length} dated entries out of descending birthDate order`,
        byBirth,
      );
      // The second key decides among ties of the first: _lastUpdated ascending, then birthDate descending.
      const byUpdate = await searchAs(ctx, token, { _sort: '_lastUpdated,-birthDate', _count: '100' });
      const stamped = resources(byUpdate).filter((r) => lastUpdated(r) !== undefined);
      const primary = outOfOrder(stamped, (a, b) => lastUpdated(a)! <= lastUpdated(b)!);
      let tied = 0;
      const secondary = outOfOrder(stamped, (a, b) => {
        if (lastUpdated(a) !== lastUpdated(b) || !birthDate(a) || !birthDate(b)) return true;
        tied++;
        return birthDate(a)! >= birthDate(b)!;
      });
      ctx.measure('sort.tiedPairs', tied);
      ctx.assert(
        'OSPP-SR-02',
        byUpdate.status === 200 && primary === 0 && secondary === 0,
        `_sort=_lastUpdated,-birthDate → ${byUpdate.status}: ${primary} pairs out of _lastUpdated order, ${secondary} of ${tied} pairs with the same _lastUpdated out of descending birthDate order` +
          (tied === 0 ? ' (no two records share _lastUpdated here, so the second key could not be seen at work)' : ''),
        byUpdate,
      );
    },
  },
  {
    id: 'search-elements',
    title: '_elements returns only the fields asked for, on searches and reads',
    suite: 'resources',
    verifies: ['OSPP-SR-03'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      await totalOrSkip(ctx, token);
      const searched = await searchAs(ctx, token, { _elements: 'name', _count: '20' });
      const found = resources(searched);
      const extra = [...new Set(found.flatMap((r) => extraFields(r, ['name'])))];
      ctx.assert(
        'OSPP-SR-03',
        searched.status === 200 && found.length > 0 && extra.length === 0 && found.some((r) => r.name !== undefined),
        `search _elements=name → ${searched.status}, ${found.length} entries${extra.length ? `, with ${extra.join(', ')}` : ', each with no field but resourceType, identifier, meta and name'}`,
        searched,
      );
      const first = found.find((r) => r.identifier?.length);
      if (!first) return;
      const identifier = `${first.identifier![0]!.system}|${first.identifier![0]!.value}`;
      const read = await ctx.api(kitOperation('readIndividual'), { token, params: { identifier }, query: { _elements: 'birthDate,name.family' } });
      const got = read.status === 200 ? (read.json as Resource) : undefined;
      const readExtra = got ? extraFields(got, ['birthDate', 'name.family']) : [];
      ctx.assert(
        'OSPP-SR-03',
        !!got && readExtra.length === 0,
        `read _elements=birthDate,name.family → ${read.status}${readExtra.length ? `, with ${readExtra.join(', ')}` : ''}`,
        read,
      );
    },
  },
  {
    id: 'search-extensions',
    title: 'Extension blocks come only when asked for, only those named, and unknown names are ignored',
    suite: 'resources',
    verifies: ['OSPP-SR-04'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const token = await ctx.token('full');
      await totalOrSkip(ctx, token);
      const plain = await searchAs(ctx, token, { _count: '100' });
      const unasked = resources(plain).filter((r) => extensionNames(r).length > 0).length;
      ctx.assert('OSPP-SR-04', unasked === 0, `search without _extensions: ${unasked} entries carry extension blocks`, plain);
      const unknown = await searchAs(ctx, token, { _count: '100', _extensions: 'sppkit-no-such-extension' });
      const named = resources(unknown).filter((r) => extensionNames(r).length > 0).length;
      ctx.assert(
        'OSPP-SR-04',
        unknown.status === 200 && named === 0,
        `search _extensions=sppkit-no-such-extension → ${unknown.status}${unknown.status === 200 ? `, ${named} entries with extension blocks` : ' (an unknown name is to be ignored)'}`,
        unknown,
      );
      const all = await searchAs(ctx, token, { _count: '100', _extensions: '*' });
      const withBlocks = resources(all).filter((r) => extensionNames(r).length > 0);
      ctx.measure('extensions.recordsWithBlocks', withBlocks.length);
      if (withBlocks.length === 0) {
        ctx.assert(
          'OSPP-SR-04',
          all.status === 200,
          `search _extensions=* → ${all.status}, no record of the first 100 has an extension block (only refusal could be judged)`,
          all,
        );
        return;
      }
      // One name of those seen: asked by name, only it comes back.
      const name = extensionNames(withBlocks[0]!)[0]!;
      const one = await searchAs(ctx, token, { _count: '100', _extensions: name });
      const others = [...new Set(resources(one).flatMap(extensionNames))].filter((n) => n !== name);
      const carrying = resources(one).filter((r) => extensionNames(r).includes(name)).length;
      ctx.assert(
        'OSPP-SR-04',
        one.status === 200 && carrying > 0 && others.length === 0,
        `search _extensions=${name} → ${one.status}, ${carrying} entries with ${name}${others.length ? `, and also ${others.join(', ')}` : ', no other block'} (with *: ${withBlocks.length})`,
        [all, one],
      );
    },
  },
];
