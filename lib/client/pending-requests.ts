/** A request waiting for its response, which `close()` can fail. */
export interface PendingRequest {
  fail(reason: Error): void;
}

/**
 * Requests waiting for their response, so that `close()` can fail them all
 * at once instead of leaving callers to their timeouts.
 */
export class PendingRequests {
  private readonly pending = new Set<PendingRequest>();

  add(request: PendingRequest): void {
    this.pending.add(request);
  }

  delete(request: PendingRequest): void {
    this.pending.delete(request);
  }

  /** Fails every pending request with `reason` and forgets them. */
  failAll(reason: (count: number) => Error): void {
    const entries = [...this.pending];
    this.pending.clear();
    const error = reason(entries.length);
    for (const request of entries) request.fail(error);
  }
}
