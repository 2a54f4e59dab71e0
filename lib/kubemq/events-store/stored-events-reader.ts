import { type KubeMQConnection } from '../connection';
import { type KubeMQError } from '../kubemq-error';
import { type KubeMQEventReceive } from '../messages';
import { DurableSubscription, durableSubscribe } from './durable-subscription';
import { GapFill } from './gap-fill';
import { RecentSequences } from './recent-sequences';
import { StartTimeFilter, type EventsStoreStart } from './start-position';

/** One events-store subscription: what to read, and as whom. */
export interface StoredEventsSpec {
  channel: string;
  /** '' for none. */
  group: string;
  /** The subscription's ClientID: the same at every start, so that KubeMQ resumes it. */
  clientId: string;
  start?: EventsStoreStart;
  /**
   * How many events a gap fill may hold back from the live stream before
   * that stream is paused too (they wait for the gap's events). Default 10000.
   */
  maxHeld?: number;
}

/** What a reader reports. None of these may throw. */
export interface StoredEventsHandlers {
  /** A new event: each sequence once and, without a group, in sequence order. */
  onEvent(event: KubeMQEventReceive): void;
  /** KubeMQ refused the subscription for good; the reader is over. */
  onError(error: KubeMQError): void;
  /** The stream dropped (once per outage); it is re-opened with backoff. */
  onDisconnect(error: KubeMQError, retryInMs: number): void;
  /** The re-opened stream holds again. */
  onReconnect(): void;
  /** Something worth a line in the log. */
  onNotice(level: 'log' | 'warn', message: string): void;
  /**
   * An event larger than the connection accepts (`maxMessageBytes`) was
   * dropped: `sequence` when known (ungrouped), undefined in a group.
   */
  onOversized(error: KubeMQError, sequence: bigint | undefined): void;
}

const DEFAULT_MAX_HELD = 10_000;

/**
 * Reads an events-store channel through KubeMQ's durable subscription and
 * hands on each event once, in order: it remembers the last sequence seen,
 * skips what the broker sends again after a re-subscription, and re-reads
 * (through a {@link GapFill}) what the broker counted as delivered but never
 * sent — after a dropped stream, a broker restart, a pause, or an event the
 * broker dropped from a full buffer. Grouped subscriptions share their
 * sequence with other members, so only copies are skipped there.
 * Knows nothing of Nest.
 */
export class StoredEventsReader {
  private lastSeen = 0n;
  private readonly recent = new RecentSequences();
  private readonly timeFilter: StartTimeFilter;
  private readonly live: DurableSubscription;
  private fill: GapFill | undefined;
  private held: KubeMQEventReceive[] = [];
  private paused = false;
  private stopped = false;
  private settle: (() => void) | undefined;

  constructor(
    private readonly connection: KubeMQConnection,
    private readonly spec: StoredEventsSpec,
    private readonly handlers: StoredEventsHandlers,
  ) {
    this.timeFilter = new StartTimeFilter(spec.start);
    this.live = new DurableSubscription(
      connection,
      spec,
      () => durableSubscribe(spec, this.lastSeen),
      {
        onOpen: () => this.catchUp(),
        onMessage: (event) => this.onLive(event),
        onFatal: (error) => {
          this.abort();
          handlers.onError(error);
        },
        onDisconnect: (error, retryInMs) => handlers.onDisconnect(error, retryInMs),
        onReconnect: () => handlers.onReconnect(),
        onNotice: (level, message) => handlers.onNotice(level, message),
        // Ungrouped, the catch-up fill of the re-opened stream meets it again, and skips it.
        onOversized: (error) => {
          if (spec.group !== '') handlers.onOversized(error, undefined);
        },
      },
    );
  }

  /**
   * Opens the subscription. `after`: the last sequence the application
   * already handled (kept on its side); the reader then starts right after
   * it whatever KubeMQ's durable position is — skipping what the broker
   * sends again, reading what it took but never sent — and `start` no
   * longer applies. Ungrouped subscriptions only.
   */
  start(after?: bigint): void {
    if (after !== undefined && after > 0n && this.spec.group === '') {
      this.lastSeen = after;
      this.timeFilter.disable();
    }
    if (!this.stopped && !this.paused) this.live.open();
  }

  /**
   * Stops reading to let the consumer catch up (grouped subscriptions
   * cannot pause: see README). What the broker had in hand is re-read on `resume()`.
   */
  pause(): void {
    if (this.stopped || this.paused || this.spec.group !== '') return;
    this.paused = true;
    this.live.close();
    this.fill?.pause();
  }

  /** Reads again after `pause()`. */
  resume(): void {
    if (this.stopped || !this.paused) return;
    this.paused = false;
    this.fill?.start();
    this.live.open();
  }

  /**
   * Stops taking new events. Resolves once nothing more will be handed on:
   * at once, or when a gap fill under way has delivered the gap and the
   * events held behind it (they were received, so they are handed on).
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.live.close();
    const fill = this.fill;
    if (!fill) return Promise.resolve();
    if (fill.to === undefined) {
      // Nothing received waits behind it: what it has not read yet was never ours.
      this.endFill();
      return Promise.resolve();
    }
    fill.start();
    return new Promise((resolve) => (this.settle = resolve));
  }

  /** Drops everything at once (after the grace period); returns how many held events it dropped. */
  abort(): number {
    this.stopped = true;
    this.live.close();
    this.fill?.cancel();
    this.fill = undefined;
    const dropped = this.held.length;
    this.held = [];
    this.settle?.();
    return dropped;
  }

  /**
   * Each re-opening of an ungrouped subscription that already delivered:
   * the durable subscription resumes after what the broker counted as
   * delivered, which may be past what reached us — and if nothing newer is
   * stored yet, it says nothing at all. So a fill reads on from the last
   * sequence seen until the live stream shows where it resumed.
   */
  private catchUp(): void {
    if (this.spec.group !== '' || this.lastSeen === 0n) return;
    if (this.fill) this.fill.start();
    else this.startFill(undefined);
  }

  private onLive(event: KubeMQEventReceive): void {
    if (this.stopped) return;
    if (this.spec.group !== '') {
      if (this.recent.add(BigInt(event.Sequence))) this.hand(event);
      return;
    }
    this.sequence(event);
  }

  /** Ungrouped: in order, once; a jump past the next sequence is filled first. */
  private sequence(event: KubeMQEventReceive): void {
    const sequence = BigInt(event.Sequence);
    if (this.lastSeen > 0n && sequence <= this.lastSeen) return;
    const fill = this.fill;
    if (fill) {
      if (fill.to === undefined && sequence === this.lastSeen + 1n) {
        // The live stream resumed right after what we have: no gap after all.
        this.endFill();
        this.accept(event, sequence);
        return;
      }
      const last = this.held[this.held.length - 1];
      if (last && sequence <= BigInt(last.Sequence)) return;
      this.held.push(event);
      if (fill.to === undefined) {
        this.gapNotice(sequence - 1n);
        fill.endAt(sequence - 1n);
      } else if (this.held.length >= (this.spec.maxHeld ?? DEFAULT_MAX_HELD)) {
        // Bound what waits behind the gap: stop the live stream until the fill is done.
        this.live.close();
      }
      return;
    }
    if (this.lastSeen === 0n || sequence === this.lastSeen + 1n) {
      this.accept(event, sequence);
      return;
    }
    this.gapNotice(sequence - 1n);
    this.startFill(sequence - 1n);
    this.held.push(event);
  }

  private accept(event: KubeMQEventReceive, sequence: bigint): void {
    this.lastSeen = sequence;
    this.hand(event);
  }

  /** Hands an event on, after the `{ time }` filter of a first subscription. */
  private hand(event: KubeMQEventReceive): void {
    if (this.timeFilter.pass(event.Timestamp)) this.handlers.onEvent(event);
  }

  private gapNotice(to: bigint): void {
    const from = this.lastSeen + 1n;
    if (to < from) return;
    this.handlers.onNotice(
      'log',
      `events-store "${this.spec.channel}" (ClientID ${this.spec.clientId}): the broker resumed after sequence ${to}; reading ${from}-${to} again`,
    );
  }

  private startFill(to: bigint | undefined): void {
    const from = this.lastSeen + 1n;
    const fill = new GapFill(
      this.connection,
      { channel: this.spec.channel, clientId: this.spec.clientId, to },
      () => this.lastSeen,
      {
        onEvent: (event) => this.onFilled(event),
        onDone: (error) => this.fillDone(fill, from, error),
        onOversized: (error) => {
          // A fill reads in order from the sequence after the last seen: that is the one.
          this.lastSeen += 1n;
          this.handlers.onOversized(error, this.lastSeen);
          if (fill.to !== undefined && this.lastSeen >= fill.to) fill.finish();
        },
      },
    );
    this.fill = fill;
    if (!this.paused || this.stopped) fill.start();
  }

  private endFill(): void {
    const fill = this.fill;
    this.fill = undefined;
    fill?.cancel();
  }

  private onFilled(event: KubeMQEventReceive): void {
    const sequence = BigInt(event.Sequence);
    if (sequence <= this.lastSeen) return;
    if (sequence > this.lastSeen + 1n) {
      this.handlers.onNotice(
        'warn',
        `events-store "${this.spec.channel}": sequences ${this.lastSeen + 1n}-${sequence - 1n} are no longer stored (retention); carrying on from ${sequence}`,
      );
    }
    this.accept(event, sequence);
  }

  private fillDone(fill: GapFill, from: bigint, error?: KubeMQError): void {
    if (this.fill !== fill) return;
    this.fill = undefined;
    const to = fill.to;
    if (error) {
      this.handlers.onNotice(
        'warn',
        `events-store "${this.spec.channel}": could not read sequences ${from}-${to ?? ''} again (${error.message}); carrying on without them`,
      );
      if (to !== undefined && this.lastSeen < to) this.lastSeen = to;
    }
    const held = this.held;
    this.held = [];
    for (const event of held) this.sequence(event);
    if (this.fill) return;
    if (this.stopped) {
      this.settle?.();
      return;
    }
    if (!this.paused) this.live.open();
  }
}
