/** What a dispatcher tells its reader, to bound what waits in memory. */
export interface BufferWatcher {
  /** `maxBuffered` items wait: stop reading. */
  onFull(): void;
  /** Back down to half: read again. */
  onRoom(): void;
}

/**
 * Runs received items through a handler in arrival order, at most
 * `concurrency` at once (1: each starts after the previous one finished).
 * Items wait here, not in the broker: KubeMQ counts an event as delivered
 * once its server took it, so a reader must keep reading and hold what the
 * handler has not reached yet.
 */
export class OrderedDispatcher<T> {
  private queue: T[] = [];
  private head = 0;
  private running = 0;
  private full = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxBuffered: number,
    private readonly run: (item: T) => Promise<void>,
    private readonly watcher: BufferWatcher,
  ) {}

  /** Items received and not started yet. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Handlers running now. */
  get active(): number {
    return this.running;
  }

  push(item: T): void {
    this.queue.push(item);
    this.pump();
    if (!this.full && this.waiting >= this.maxBuffered) {
      this.full = true;
      this.watcher.onFull();
    }
  }

  /** Removes and returns what has not started (close after the grace period). */
  abandon(): T[] {
    const rest = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    return rest;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.head < this.queue.length) {
      const item = this.queue[this.head];
      this.head += 1;
      this.running += 1;
      const next = () => {
        this.running -= 1;
        this.pump();
      };
      this.run(item).then(next, next);
    }
    this.compact();
    if (this.full && this.waiting <= this.maxBuffered / 2) {
      this.full = false;
      this.watcher.onRoom();
    }
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
