import { type KubeMQConnection } from '../connection';
import { type KubeMQError } from '../kubemq-error';
import { makeSubscribe, SubscribeType, type KubeMQEventReceive } from '../messages';
import { type StreamSubscription } from '../stream-subscription';
import { afterSequenceFields } from './start-position';
import { throwawayClientId } from './subscriber-id';

/** What a gap fill reports. */
export interface GapFillHandlers {
  /** An event of the gap, in sequence order. */
  onEvent(event: KubeMQEventReceive): void;
  /** The gap is read (or cannot be: `error`). The fill is over. */
  onDone(error?: KubeMQError): void;
  /**
   * The next event (the one after the last seen) is larger than the
   * connection accepts: skip it, or the fill would read it again forever.
   */
  onOversized(error: KubeMQError): void;
}

/**
 * Reads the stored events a durable subscription skipped: KubeMQ counts an
 * event as delivered once its server took it, so when a subscription stream
 * ends (a broker restart, a pause) the events in the server's hands are
 * lost to that ClientID, and its next subscription resumes after them.
 * A fill reads them again through a subscription of its own — a throwaway
 * ClientID, so that KubeMQ honours StartAtSequence — from the sequence after
 * the last one seen up to `to`, then cancels it. Without `to` (yet) it reads
 * on until the reader, seeing where the durable subscription resumed, sets
 * one or ends it. Dropped or paused, it starts again from where it got to,
 * under a new ClientID.
 */
export class GapFill {
  private subscription: StreamSubscription<KubeMQEventReceive> | undefined;
  private over = false;

  constructor(
    private readonly connection: KubeMQConnection,
    private readonly target: { channel: string; clientId: string; to: bigint | undefined },
    /** The last sequence seen so far: the fill (re)starts right after it. */
    private readonly lastSeen: () => bigint,
    private readonly handlers: GapFillHandlers,
  ) {}

  /** The last sequence of the gap (undefined: not known yet). */
  get to(): bigint | undefined {
    return this.target.to;
  }

  /** The gap ends at `to`: the fill is done once it got there. */
  endAt(to: bigint): void {
    this.target.to = to;
    if (this.lastSeen() >= to) this.finish();
  }

  /** Opens (or re-opens) the fill's subscription. */
  start(): void {
    if (this.over || this.subscription) return;
    const { channel, clientId } = this.target;
    this.subscription = this.connection.subscribe(
      () =>
        this.connection.openServerStream('SubscribeToEvents', {
          ...makeSubscribe({
            SubscribeTypeData: SubscribeType.EventsStore,
            ClientID: throwawayClientId(clientId, 'fill'),
            Channel: channel,
          }),
          ...afterSequenceFields(this.lastSeen()),
        }),
      {
        onMessage: (event) => this.onMessage(event),
        onError: (error) => this.finish(error),
        // Called before the stream is opened again (from the sequence after the last seen).
        onOversized: (error) => this.handlers.onOversized(error),
      },
    );
  }

  /** Stops reading for now; `start()` carries on from the last sequence seen. */
  pause(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.cancel();
  }

  /** Ends the fill without reporting. */
  cancel(): void {
    this.over = true;
    this.pause();
  }

  private onMessage(event: KubeMQEventReceive): void {
    if (this.over) return;
    const sequence = BigInt(event.Sequence);
    const { to } = this.target;
    if (to === undefined || sequence <= to) this.handlers.onEvent(event);
    // Past the gap: the rest is the live subscription's.
    if (to !== undefined && sequence >= to) this.finish();
  }

  /** Ends the fill and reports it. */
  finish(error?: KubeMQError): void {
    if (this.over) return;
    this.cancel();
    this.handlers.onDone(error);
  }
}
