/**
 * The shape of what the registry answers — a searchset Bundle with `total` and `entry`, resources with
 * `resourceType` — detected once per run. A target whose answers have another shape (OpenSPP's deployed
 * `{data, meta, links}` envelope, a `type` discriminator) is reported once, under OSPP-CT-01, by the
 * `contract-shapes` check; the checks that read totals and entries then stop as inconclusive with that reason
 * instead of failing with "total undefined" — the cause is reported, the cascade is not.
 */
import { getOperation } from '../../contract/index.js';
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { cutOff } from '../stopped.js';
import { servedness } from './probes.js';

export interface Shapes {
  /** Why search answers are not searchset Bundles (undefined: they are, or the kit could not tell). */
  search?: string;
  /** Why resources are not FHIR-style resources with resourceType. */
  resource?: string;
  /** The answer the shapes were read from. */
  answer?: HttpResult;
}

const keysOf = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).join(', ') || 'none' : typeof v);

/** What a search answer's envelope and first resource look like, against the contract's searchset Bundle. */
function describe(body: unknown): Shapes {
  const b = (body ?? {}) as Record<string, unknown>;
  const bundle = b.resourceType === 'Bundle' && b.type === 'searchset' && typeof b.total === 'number' && (b.entry === undefined || Array.isArray(b.entry));
  const shapes: Shapes = {};
  if (!bundle) shapes.search = `search answers are not searchset Bundles (resourceType, type, total, entry): the envelope has ${keysOf(body)}`;
  const entries = Array.isArray(b.entry) ? (b.entry as Array<{ resource?: unknown }>).map((e) => e?.resource) : Array.isArray(b.data) ? b.data : [];
  const first = entries[0] as Record<string, unknown> | undefined;
  if (first && first.resourceType !== 'Individual')
    shapes.resource = `resources carry ${first.type !== undefined ? `type: ${JSON.stringify(first.type)}` : `no discriminator (keys: ${keysOf(first)})`} instead of resourceType: "Individual"`;
  return shapes;
}

/** The registry's answer shapes, read once per run from a one-entry search with the full client's token. */
export function contractShapes(ctx: CheckContext): Promise<Shapes> {
  return ctx.memo('shapes', async () => {
    const op = getOperation('searchIndividuals');
    if (!ctx.profile.contract || !ctx.target.clients.full || !(await servedness(ctx, op)).served) return {};
    const token = await ctx.token('full');
    // Not sent as the operation: the shape is reported once here, not as a contract issue of every answer.
    const r = await ctx.request({
      method: 'GET',
      url: `${ctx.target.baseUrl}${op.pathTemplate}?_count=1`,
      headers: { accept: 'application/json', authorization: `Bearer ${token.accessToken}` },
      role: 'full',
    });
    if (r.status !== 200 || !r.json) return {};
    return { ...describe(r.json), answer: r };
  });
}

/** Stops a check that reads search envelopes (or resources) as inconclusive when their shape is not the contract's. */
export async function requireShape(ctx: CheckContext, kind: 'search' | 'resource'): Promise<void> {
  const shapes = await contractShapes(ctx);
  const problem = kind === 'search' ? shapes.search : shapes.resource;
  if (problem) throw cutOff(`${problem} (reported once by contract-shapes under OSPP-CT-01): this check cannot read the answers`);
}

export const shapeChecks: Check[] = [
  {
    id: 'contract-shapes',
    title: 'Search answers are searchset Bundles and resources carry resourceType (the checks that read them depend on it)',
    suite: 'discovery',
    verifies: ['OSPP-CT-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    notApplicable: (p) => (p.contract ? undefined : `the ${p.name} profile does not use the OpenSPP contract`),
    async run(ctx: CheckContext) {
      const shapes = await contractShapes(ctx);
      if (!shapes.answer) ctx.skip('the full client could not search Individuals: the shape of the answers is unknown');
      const problems = [shapes.search, shapes.resource].filter((p): p is string => !!p);
      ctx.assert(
        'OSPP-CT-01',
        problems.length === 0,
        problems.length
          ? `${problems.join('; ')}: the checks that read totals and entries are inconclusive`
          : 'a searchset Bundle of resources with resourceType',
        shapes.answer,
        { cause: `answers in another shape than the contract's: ${problems.join('; ')}` },
      );
    },
  },
];
