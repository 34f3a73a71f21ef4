/**
 * The shape of what the registry answers — in the published dialect a searchset Bundle with `total` and `entry`
 * and resources with `resourceType`, in the deployed one a `{data, meta, links}` envelope and resources with
 * `type` — detected once per run. A target whose answers have another shape than the run's contract's is reported
 * once, under OSPP-CT-01, by the `contract-shapes` check. The checks that read totals and entries read either
 * dialect's shape (`asBundle`, `resourceKind`), so the difference is one root cause, not a cascade; a shape of
 * neither dialect stops them as inconclusive with that reason instead of failing with "total undefined".
 */
import { kitContract, kitOperation } from '../kit-contract.js';
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
  /** Search answers are in neither dialect's shape: the checks that read them cannot. */
  unreadable?: boolean;
  /** Resources name their kind in neither dialect's way. */
  unreadableResource?: boolean;
}

const keysOf = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).join(', ') || 'none' : typeof v);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** A searchset Bundle (the published dialect). */
const isBundle = (b: Obj) =>
  b.resourceType === 'Bundle' && b.type === 'searchset' && typeof b.total === 'number' && (b.entry === undefined || Array.isArray(b.entry));
/** The deployed dialect's `{data, meta: {total, count, offset}, links}` envelope. */
const isEnvelope = (b: Obj) => Array.isArray(b.data) && isObj(b.meta) && typeof b.meta.total === 'number';

export type SearchBundle = {
  total?: number;
  entry?: Array<{ fullUrl?: string; resource?: Obj & { identifier?: Array<{ system: string; value: string }> } }>;
  link?: Array<{ relation: string; url: string }>;
};

/**
 * A search answer read as a searchset Bundle — as it is in the published dialect, or converted from the deployed
 * `{data, meta, links}` envelope — so that the checks judge totals and paging in either dialect (the envelope
 * itself is OSPP-CT-01's business, reported once by contract-shapes). Anything else is returned as it is.
 */
export function asBundle(body: unknown): SearchBundle | undefined {
  if (!isObj(body)) return undefined;
  if (!isEnvelope(body)) return body;
  const links = isObj(body.links) ? body.links : {};
  return {
    total: (body.meta as Obj).total as number,
    entry: (body.data as unknown[]).map((resource) => ({ resource: resource as Obj })),
    link: Object.entries(links)
      .filter(([, url]) => typeof url === 'string')
      .map(([relation, url]) => ({ relation, url: url as string })),
  };
}

/** A resource's kind: `resourceType` (published) or `type` (deployed). */
export function resourceKind(resource: unknown): unknown {
  return isObj(resource) ? (resource.resourceType ?? resource.type) : undefined;
}

/** What a search answer's envelope and first resource look like, against the run's contract (and whether the kit can read them at all). */
function describe(body: unknown): Shapes {
  const b = (body ?? {}) as Obj;
  const deployed = kitContract().errorStyle === 'detail';
  const [own, other] = deployed ? [isEnvelope(b), isBundle(b)] : [isBundle(b), isEnvelope(b)];
  const shapes: Shapes = {};
  const expected = deployed ? '{data, meta: {total}, links} envelopes' : 'searchset Bundles (resourceType, type, total, entry)';
  if (!own) shapes.search = `search answers are not ${expected}: the envelope has ${keysOf(body)}`;
  if (!own && !other) shapes.unreadable = true;
  const first = asBundle(body)?.entry?.[0]?.resource;
  const discriminator = deployed ? 'type' : 'resourceType';
  if (first && first[discriminator] !== 'Individual') {
    shapes.resource = `resources carry ${first.resourceType !== undefined ? `resourceType: ${JSON.stringify(first.resourceType)}` : first.type !== undefined ? `type: ${JSON.stringify(first.type)}` : `no discriminator (keys: ${keysOf(first)})`} instead of ${discriminator}: "Individual"`;
    if (resourceKind(first) !== 'Individual') shapes.unreadableResource = true;
  }
  return shapes;
}

/** The registry's answer shapes, read once per run from a one-entry search with the full client's token. */
export function contractShapes(ctx: CheckContext): Promise<Shapes> {
  return ctx.memo('shapes', async () => {
    const op = kitOperation('searchIndividuals');
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
  // Either dialect's shape is readable (asBundle, resourceKind); only a third one stops the check.
  const problem = kind === 'search' ? shapes.unreadable && shapes.search : shapes.unreadableResource && shapes.resource;
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
          ? `${problems.join('; ')}${shapes.unreadable || shapes.unreadableResource ? ': the checks that read totals and entries are inconclusive' : ''}`
          : kitContract().errorStyle === 'detail'
            ? 'a {data, meta, links} envelope of resources with type'
            : 'a searchset Bundle of resources with resourceType',
        shapes.answer,
        { cause: `answers in another shape than the contract's: ${problems.join('; ')}` },
      );
    },
  },
];
