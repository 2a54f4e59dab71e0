import { type KubeMQConnection } from '../connection';
import { KubeMQErrorText } from '../errors';
import { KubeMQError } from '../kubemq-error';
import {
  makeSubscribe,
  SubscribeType,
  type KubeMQEventReceive,
  type KubeMQSubscribe,
} from '../messages';
import { type StreamSubscription } from '../stream-subscription';
import { afterSequenceFields, startFields, type EventsStoreStart } from './start-position';

/**
 * The Subscribe of each (re-)opening. Once an ungrouped subscription has
 * delivered, it asks to start after the last sequence seen: KubeMQ ignores
 * that for a ClientID it already knows (it resumes the durable
 * subscription), but a broker that keeps no durable state then resumes at
 * the right place too.
 */
export function durableSubscribe(
  spec: { channel: string; group: string; clientId: string; start?: EventsStoreStart },
  lastSeen: bigint,
): KubeMQSubscribe {
  const resume = spec.group === '' && lastSeen > 0n;
  return {
    ...makeSubscribe({
      SubscribeTypeData: SubscribeType.EventsStore,
      ClientID: spec.clientId,
      Channel: spec.channel,
      Group: spec.group,
    }),
    ...(resume ? afterSequenceFields(lastSeen) : startFields(spec.start)),
  };
}

/** What a durable subscription reports. None of these may throw. */
export interface DurableSubscriptionHandlers {
  /** Before each opening and re-opening, before its Subscribe is built. */
  onOpen(): void;
  onMessage(event: KubeMQEventReceive): void;
  /** An event over `maxMessageBytes` ended the stream; it is opened again at once. */
  onOversized(error: KubeMQError): void;
  /** Refused for good (a KubeMQ validation error, or the store underneath refusing the subscription). */
  onFatal(error: KubeMQError): void;
  /** The stream dropped; once per outage, and not while the ClientID is still taken. */
  onDisconnect(error: KubeMQError, retryInMs: number): void;
  /** The re-opened stream holds again (after a reported outage). */
  onReconnect(): void;
  onNotice(level: 'log' | 'warn', message: string): void;
}

/**
 * The events-store subscription of one ClientID, re-opened with backoff
 * when dropped (KubeMQ then resumes it where its server stopped). A
 * subscription whose ClientID KubeMQ still holds (`stan: clientID already
 * registered`: another instance with the same clientId, or our previous
 * stream not released yet) is retried too, with one warning, and is not an
 * outage; what the store underneath refuses (`stan: invalid …`) is final.
 */
export class DurableSubscription {
  private stream: StreamSubscription<KubeMQEventReceive> | undefined;
  private reportedDown = false;
  private waitingForClientId = false;

  constructor(
    private readonly connection: KubeMQConnection,
    private readonly target: { channel: string; clientId: string },
    /** The Subscribe of each opening (a re-opening may ask for another start). */
    private readonly request: () => KubeMQSubscribe,
    private readonly handlers: DurableSubscriptionHandlers,
  ) {}

  get isOpen(): boolean {
    return this.stream !== undefined;
  }

  open(): void {
    if (this.stream) return;
    const { connection, handlers } = this;
    this.stream = connection.subscribe(
      () => {
        handlers.onOpen();
        return connection.openServerStream('SubscribeToEvents', this.request());
      },
      {
        onMessage: (event) => handlers.onMessage(event),
        onError: (error) => this.fail(error),
        onDisconnect: (error, retryInMs) => this.onDrop(error, retryInMs),
        onReconnect: () => this.onBack(),
        onOversized: (error) => handlers.onOversized(error),
      },
    );
  }

  close(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
  }

  private onDrop(error: KubeMQError, retryInMs: number): void {
    if (error.message.includes(KubeMQErrorText.stanClientIdRegistered)) {
      if (!this.waitingForClientId) {
        this.waitingForClientId = true;
        this.handlers.onNotice(
          'warn',
          `events-store "${this.target.channel}": KubeMQ still has a live subscription with ClientID ${this.target.clientId} (another instance with the same clientId, or a previous connection not yet released); retrying until it is free`,
        );
      }
      return;
    }
    if (/^stan: (invalid|durable name)/.test(error.message)) {
      this.close();
      this.fail(error);
      return;
    }
    if (this.reportedDown) return;
    this.reportedDown = true;
    this.handlers.onDisconnect(error, retryInMs);
  }

  private onBack(): void {
    this.waitingForClientId = false;
    if (!this.reportedDown) return;
    this.reportedDown = false;
    this.handlers.onReconnect();
  }

  private fail(error: KubeMQError): void {
    this.stream = undefined;
    this.handlers.onFatal(new KubeMQError(error.message, error.grpcCode, { cause: error }));
  }
}
