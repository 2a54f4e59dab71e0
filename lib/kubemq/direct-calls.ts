import { constants as http2 } from 'node:http2';
import {
  connectivityState,
  experimental,
  type status as GrpcStatus,
  type ChannelInterface,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';

/**
 * Calls made straight on the channel's connected subchannel (its HTTP/2
 * session), below grpc-js's per-call channel stack.
 *
 * `Channel.createCall` builds, for every call, a resolving call, a retrying
 * call and a load-balancing call, each with its own filter stack, promise
 * hops and Metadata clones (a quarter of a client's CPU per request and
 * about 9 KB of garbage). The transport uses none of what they add: one
 * address, no service config, no compression, no call credentials, no
 * retry policy. When the channel is connected, a call can instead be opened
 * on the subchannel grpc-js picked, as its load-balancing call would do —
 * same HTTP/2 stream, headers, framing, flow control, keepalive, limits on
 * received messages and status mapping (all in grpc-js's subchannel call).
 *
 * This reads three members of grpc-js's channel that are not in its typings
 * (`internalChannel`, its `currentPicker`, `onCallStart`/`onCallEnd`);
 * everything else is grpc-js's public or experimental API. They are checked
 * once; if a grpc-js release changes them, every call takes the channel's
 * regular path instead (test/unit/direct-calls.test.ts says so first).
 */

/** What a subchannel call (grpc-js's `SubchannelCall`) offers. */
export interface SubchannelCall {
  sendMessageWithContext(context: { callback?: () => void }, message: Buffer): void;
  startRead(): void;
  halfClose(): void;
  cancelWithStatus(code: GrpcStatus, details: string): void;
}

/** What a subchannel call reports; messages arrive framed (5-byte prefix). */
export interface SubchannelListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(framed: Buffer): void;
  onReceiveStatus(status: StatusObject & { rstCode?: number }): void;
}

interface RealSubchannel {
  getConnectivityState(): connectivityState;
  createCall(
    metadata: Metadata,
    host: string,
    method: string,
    listener: SubchannelListener,
  ): SubchannelCall;
}

interface Picker {
  pick(args: { metadata: Metadata; extraPickInfo: Record<string, string> }): {
    pickResultType: number;
    subchannel: { getRealSubchannel(): RealSubchannel } | null;
    onCallStarted: unknown;
    onCallEnded: unknown;
  };
}

/** The members of grpc-js's InternalChannel this relies on. */
interface InternalChannel {
  currentPicker: Picker;
  defaultAuthority: string;
  onCallStart(): void;
  onCallEnd(status: StatusObject): void;
}

function internalChannelOf(channel: ChannelInterface): InternalChannel | undefined {
  const internal = (channel as unknown as { internalChannel?: Partial<InternalChannel> })
    .internalChannel;
  if (
    !internal ||
    typeof internal.currentPicker?.pick !== 'function' ||
    typeof internal.defaultAuthority !== 'string' ||
    typeof internal.onCallStart !== 'function' ||
    typeof internal.onCallEnd !== 'function'
  ) {
    return undefined;
  }
  return internal as InternalChannel;
}

/** True when a status says the server refused the stream before it saw anything of it. */
export function wasRefused(status: StatusObject & { rstCode?: number }): boolean {
  return status.rstCode === http2.NGHTTP2_REFUSED_STREAM;
}

/**
 * Opens calls on the channel's connected subchannel, or says it cannot
 * (`undefined`: not connected right now, or a grpc-js without the members
 * above), and the caller uses the channel.
 */
export class DirectCalls {
  private picker: Picker | undefined;
  private subchannel: RealSubchannel | undefined;

  private constructor(private readonly internal: InternalChannel) {}

  /** Direct calls on `channel`, or undefined when this grpc-js does not allow them. */
  static for(channel: ChannelInterface): DirectCalls | undefined {
    const internal = internalChannelOf(channel);
    return internal && new DirectCalls(internal);
  }

  /**
   * Opens a call of `path` on the connected subchannel; undefined when there
   * is none right now (connecting, a broker away, an idle channel), so the
   * channel's own path queues, connects or fails the call as it always does.
   * The channel counts the call as its own (its idle timer sees it) until
   * {@link ended} is called with the call's status.
   */
  open(path: string, metadata: Metadata, listener: SubchannelListener): SubchannelCall | undefined {
    const subchannel = this.readySubchannel(metadata);
    if (!subchannel) return undefined;
    let call: SubchannelCall;
    try {
      call = subchannel.createCall(metadata, this.internal.defaultAuthority, path, listener);
    } catch {
      // The session went away under us (grpc-js drops it too): the channel reconnects.
      this.picker = undefined;
      return undefined;
    }
    this.internal.onCallStart();
    return call;
  }

  /** A call opened by {@link open} has ended with `status`. */
  ended(status: StatusObject): void {
    this.internal.onCallEnd(status);
  }

  private readySubchannel(metadata: Metadata): RealSubchannel | undefined {
    const picker = this.internal.currentPicker;
    if (picker !== this.picker) {
      this.picker = picker;
      this.subchannel = pickedSubchannel(picker, metadata);
    }
    const subchannel = this.subchannel;
    return subchannel && subchannel.getConnectivityState() === connectivityState.READY
      ? subchannel
      : undefined;
  }
}

/**
 * The subchannel a picker hands every call to, if it is that simple
 * (pick_first, connected): two picks must agree, and nothing may hook the
 * call's start or end.
 */
function pickedSubchannel(picker: Picker, metadata: Metadata): RealSubchannel | undefined {
  try {
    const first = completePick(picker, metadata);
    return first && first === completePick(picker, metadata) ? first : undefined;
  } catch {
    return undefined;
  }
}

function completePick(picker: Picker, metadata: Metadata): RealSubchannel | undefined {
  const pick = picker.pick({ metadata, extraPickInfo: {} });
  if (
    pick.pickResultType !== experimental.PickResultType.COMPLETE ||
    !pick.subchannel ||
    pick.onCallStarted ||
    pick.onCallEnded
  ) {
    return undefined;
  }
  const real = pick.subchannel.getRealSubchannel();
  return typeof real?.createCall === 'function' && typeof real.getConnectivityState === 'function'
    ? real
    : undefined;
}
