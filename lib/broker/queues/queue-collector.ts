import type { Delivery, QueueConsumer, QueueEngine } from './queue-engine';

/** How a collection ends: with what it gathered, and how many expired messages it skipped. */
export type CollectorDone = (deliveries: Delivery[], expired: number) => void;

/**
 * Takes up to `max` messages from one channel, for at most `waitMs`: the
 * shared wait of a pull, an AckAll, a stream receive and a downstream Get.
 * It ends as soon as it is full, otherwise when the wait runs out (never
 * earlier: KubeMQ waits the whole time for a batch that does not fill).
 * Its deliveries stay held until the caller settles them.
 */
export class QueueCollector implements QueueConsumer {
  private readonly deliveries: Delivery[] = [];
  private expiredCount = 0;
  private done = false;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    engine: QueueEngine,
    channel: string,
    private readonly max: number,
    waitMs: number,
    private readonly onDone: CollectorDone,
    /** Sees each delivery as it comes (AckAll settles it at once). */
    private readonly onAccept?: (delivery: Delivery) => void,
    /** Expired messages take a place in the batch (a downstream Get filters them out after). */
    private readonly expiredCountsToMax = false,
  ) {
    this.timer = setTimeout(() => this.finish(), waitMs);
    this.unsubscribe = engine.subscribe(channel, this);
  }

  get wantsMore(): boolean {
    return !this.done && this.taken < this.max;
  }

  private get taken(): number {
    return this.deliveries.length + (this.expiredCountsToMax ? this.expiredCount : 0);
  }

  accept(delivery: Delivery): void {
    this.deliveries.push(delivery);
    this.onAccept?.(delivery);
    if (this.taken >= this.max) this.finish();
  }

  expired(): void {
    this.expiredCount += 1;
    if (this.taken >= this.max) this.finish();
  }

  /** Stops without calling back; returns what it holds, for the caller to give back. */
  cancel(): Delivery[] {
    this.stop();
    return this.deliveries;
  }

  private finish(): void {
    if (this.done) return;
    this.stop();
    this.onDone(this.deliveries, this.expiredCount);
  }

  private stop(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.unsubscribe();
  }
}
