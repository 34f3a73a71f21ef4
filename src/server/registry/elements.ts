/**
 * What of a record a client gets: the fields `_elements` names (top-level `name`, or one field inside an object-
 * valued one, `name.family`), the extension blocks `_extensions` asks for, and — for a consent-bound client whose
 * consent is `basic` — only the basic fields. `resourceType`, `identifier` and `meta` always stay. Pure.
 */

const ALWAYS = new Set(['resourceType', 'identifier', 'meta']);
/** What a `basic` consent lets its grantee see (the published guide's `individual:basic`). */
const BASIC = new Set(['active', 'name']);

export interface Shape {
  /** Top-level field → the sub-fields wanted (undefined: all of it). Undefined map: every field. */
  elements?: ReadonlyMap<string, ReadonlySet<string> | undefined>;
  /** Extension names to include, or `*`; undefined: none (extensions are only returned when asked for). */
  extensions?: ReadonlySet<string> | '*';
  /** A consent that covers the basic fields only. */
  basicOnly?: boolean;
}

/** `_elements` → top-level fields and the sub-fields wanted inside them. */
export function parseElements(value: unknown): Shape['elements'] {
  if (typeof value !== 'string' || value === '') return undefined;
  const out = new Map<string, Set<string> | undefined>();
  for (const item of value.split(',')) {
    const [top, sub] = item.split('.') as [string, string | undefined];
    if (sub === undefined) out.set(top, undefined);
    else if (!out.has(top) || out.get(top) !== undefined) out.set(top, new Set([...(out.get(top) ?? []), sub]));
  }
  return out;
}

/** `_extensions` → names, or `*`. */
export function parseExtensions(value: unknown): Shape['extensions'] {
  if (typeof value !== 'string' || value === '') return undefined;
  const names = value.split(',');
  return names.includes('*') ? '*' : new Set(names);
}

/** The shape of a request: what its `_elements` and `_extensions` parameters ask for. */
export function shapeOf(query: { _elements?: unknown; _extensions?: unknown }): Shape {
  const elements = parseElements(query._elements);
  const extensions = parseExtensions(query._extensions);
  return { ...(elements ? { elements } : {}), ...(extensions ? { extensions } : {}) };
}

/** Whether a top-level field is wanted (renderers skip computing what is not). */
export function wants(shape: Shape | undefined, field: string): boolean {
  if (shape?.basicOnly && !BASIC.has(field) && !ALWAYS.has(field)) return false;
  // Extension blocks are returned when `_extensions` asks for them, whatever `_elements` says.
  if (field === 'extension') return shape?.extensions !== undefined;
  return !shape?.elements || ALWAYS.has(field) || shape.elements.has(field);
}

function pick(value: unknown, fields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => pick(v, fields)).filter((v) => v !== undefined);
  if (value === null || typeof value !== 'object') return undefined;
  const out = Object.fromEntries(Object.entries(value).filter(([k]) => fields.has(k)));
  return Object.keys(out).length ? out : undefined;
}

/** The record cut to its shape. */
export function narrow<T extends object>(resource: T, shape: Shape | undefined): T {
  if (!shape || (!shape.elements && !shape.basicOnly && shape.extensions === undefined)) return withoutExtensions(resource, shape);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    if (k === 'extension') {
      const ext = extensionsWanted(v as Record<string, unknown>, shape);
      if (ext) out.extension = ext;
      continue;
    }
    if (!wants(shape, k)) continue;
    // What every answer carries is never cut down (`identifier.system` keeps the whole identifier).
    const sub = ALWAYS.has(k) ? undefined : shape.elements?.get(k);
    if (sub === undefined) out[k] = v;
    else {
      const picked = pick(v, sub);
      if (picked !== undefined && !(Array.isArray(picked) && picked.length === 0)) out[k] = picked;
    }
  }
  return out as T;
}

function withoutExtensions<T extends object>(resource: T, shape: Shape | undefined): T {
  if (!('extension' in resource) || shape?.extensions !== undefined) return resource;
  const { extension: _dropped, ...rest } = resource as T & { extension?: unknown };
  return rest as T;
}

function extensionsWanted(blocks: Record<string, unknown> | undefined, shape: Shape): Record<string, unknown> | undefined {
  if (!blocks || shape.extensions === undefined || shape.basicOnly) return undefined;
  const names = shape.extensions;
  const kept = Object.fromEntries(Object.entries(blocks).filter(([name]) => names === '*' || names.has(name)));
  return Object.keys(kept).length ? kept : undefined;
}
