/** A call with a time by which it must have ended. */
export interface Expiring {
  /** Date.now() value; Infinity for none. */
  readonly deadline: number;
  /** Ends the call with DEADLINE_EXCEEDED. */
  expire(): void;
}

/** How often pending calls are checked: a deadline is kept to within this. */
const SWEEP_MS = 50;

/**
 * The client-side deadline of a connection's calls: one timer for all of
 * them instead of grpc-js's per call (a timer, a `grpc-timeout` header
 * formatted and parsed, a closure). KubeMQ keeps a request's own Timeout
 * and answers it; this only ends calls a broker never answers (it stalled
 * or went away), to within {@link SWEEP_MS}.
 */
export class DeadlineGuard {
  private readonly pending = new Set<Expiring>();
  private timer: NodeJS.Timeout | undefined;

  /** Watches `call` until {@link delete}; a call without a deadline is not watched. */
  add(call: Expiring): void {
    if (call.deadline === Infinity) return;
    this.pending.add(call);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  delete(call: Expiring): void {
    this.pending.delete(call);
  }

  /** Stops watching (the connection closes: its calls are cancelled anyway). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private sweep(): void {
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const call of this.pending) {
      if (call.deadline > now) continue;
      this.pending.delete(call);
      call.expire();
    }
  }
}
