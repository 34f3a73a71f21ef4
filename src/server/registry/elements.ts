/** `_elements`: the top-level fields a client wants. `resourceType`, `identifier` and `meta` always stay. */

const ALWAYS = ['resourceType', 'identifier', 'meta'];

export function parseElements(value: unknown): ReadonlySet<string> | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return new Set(value.split(','));
}

export function narrow<T extends object>(resource: T, elements: ReadonlySet<string> | undefined): T {
  if (!elements) return resource;
  return Object.fromEntries(Object.entries(resource).filter(([k]) => ALWAYS.includes(k) || elements.has(k))) as T;
}
