/**
 * Per-request memory for middleware: what `onRequest` saved for `onResponse`, keyed by openapi-fetch's request
 * id. Bounded, because openapi-fetch skips `onResponse` when a later middleware answers from `onRequest`; the
 * oldest entries are dropped first (their requests then just miss a retry).
 */
export class PendingRequests<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly limit = 10_000) {}

  set(id: string, value: T): void {
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, value);
  }

  /** Returns and forgets the entry of a request. */
  take(id: string): T | undefined {
    const value = this.entries.get(id);
    this.entries.delete(id);
    return value;
  }
}

/** Reads nothing more from a response we discard, so its connection is released. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Already consumed or errored: nothing to release.
  }
}
