/**
 * The last sequences a grouped subscription handed on, to skip a copy the
 * broker sends again (after a restart). Bounded: a copy older than the
 * last `capacity` events is not recognised.
 */
export class RecentSequences {
  private readonly seen = new Set<bigint>();
  private readonly order: bigint[] = [];
  private head = 0;

  constructor(private readonly capacity = 10_000) {}

  /** Adds `sequence`; false when it was already there. */
  add(sequence: bigint): boolean {
    if (this.seen.has(sequence)) return false;
    this.seen.add(sequence);
    this.order.push(sequence);
    if (this.order.length - this.head > this.capacity) {
      this.seen.delete(this.order[this.head]);
      this.head += 1;
      if (this.head > this.capacity) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
    return true;
  }
}
