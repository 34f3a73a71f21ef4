/** What a function throws (undefined when it returns): for asserting on typed errors' fields. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
