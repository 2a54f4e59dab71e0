/**
 * Requests waiting for their response, so that `close()` can fail them all
 * at once instead of leaving callers to their timeouts.
 */
export class PendingRequests {
  private readonly pending = new Set<(reason: Error) => void>();

  /** Registers a way to fail one request; returns its removal. */
  add(fail: (reason: Error) => void): () => void {
    this.pending.add(fail);
    return () => this.pending.delete(fail);
  }

  /** Fails every pending request with `reason` and forgets them. */
  failAll(reason: (count: number) => Error): void {
    const entries = [...this.pending];
    this.pending.clear();
    const error = reason(entries.length);
    for (const fail of entries) fail(error);
  }
}
