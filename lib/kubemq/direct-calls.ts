import { constants as http2 } from 'node:http2';
import {
  connectivityState,
  experimental,
  status as GrpcStatus,
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
 * (`internalChannel`, its `currentPicker`, `onCallStart`/`onCallEnd`) and
 * the subchannel's `createCall`; everything else is grpc-js's public or
 * experimental API. So it is used only with the grpc-js releases it was
 * tested with ({@link DIRECT_CALLS_GRPC_JS}, package.json's range), the
 * members are checked once, and anything unexpected at a call (a missing
 * method, a throw) turns direct calls off for good: every call then takes
 * the channel's regular path, which is slower but has no such assumptions
 * (test/protocol/direct-calls-fallback.test.ts).
 */

/**
 * The grpc-js releases direct calls were tested with: `[from, below)`, as
 * package.json's dependency range (a unit test keeps the two equal). Any
 * other release gets the channel's path for every call.
 */
export const DIRECT_CALLS_GRPC_JS = { from: '1.13.0', below: '1.15.0' } as const;

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

/** The version of the grpc-js this package loads, if it says. */
function installedGrpcJsVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require('@grpc/grpc-js/package.json') as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** True when `version` (x.y.z) lies in DIRECT_CALLS_GRPC_JS. */
export function directCallsTestedWith(version: string | undefined): boolean {
  const parts = parseVersion(version);
  return (
    parts !== undefined &&
    compareVersions(parts, parseVersion(DIRECT_CALLS_GRPC_JS.from)!) >= 0 &&
    compareVersions(parts, parseVersion(DIRECT_CALLS_GRPC_JS.below)!) < 0
  );
}

function parseVersion(version: string | undefined): number[] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version ?? '');
  return match ? match.slice(1).map(Number) : undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
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
  /** Set when grpc-js did something unexpected: from then on every call takes the channel. */
  private broken = false;

  private constructor(private readonly internal: InternalChannel) {}

  /**
   * Direct calls on `channel`, or undefined when this grpc-js does not
   * allow them (a release not tested, or without the members above).
   * `version` is the installed grpc-js's unless given (tests).
   */
  static for(
    channel: ChannelInterface,
    version = installedGrpcJsVersion(),
  ): DirectCalls | undefined {
    if (!directCallsTestedWith(version)) return undefined;
    const internal = internalChannelOf(channel);
    return internal && new DirectCalls(internal);
  }

  /** False once something unexpected turned direct calls off. */
  get usable(): boolean {
    return !this.broken;
  }

  /**
   * Opens a call of `path` on the connected subchannel; undefined when there
   * is none right now (connecting, a broker away, an idle channel) or direct
   * calls are off, so the channel's own path queues, connects or fails the
   * call as it always does. The channel counts the call as its own (its
   * idle timer sees it) until {@link ended} is called with the call's status.
   */
  open(path: string, metadata: Metadata, listener: SubchannelListener): SubchannelCall | undefined {
    if (this.broken) return undefined;
    let subchannel: RealSubchannel | undefined;
    try {
      subchannel = this.readySubchannel(metadata);
    } catch {
      return this.disable();
    }
    if (!subchannel) return undefined;
    let call: SubchannelCall;
    try {
      call = subchannel.createCall(metadata, this.internal.defaultAuthority, path, listener);
    } catch (error) {
      // A TypeError is grpc-js changed; anything else is the session that
      // went away under us (grpc-js drops it too): the channel reconnects.
      if (error instanceof TypeError) return this.disable();
      this.picker = undefined;
      return undefined;
    }
    if (!isSubchannelCall(call)) return this.disable(call);
    try {
      this.internal.onCallStart();
    } catch {
      return this.disable(call);
    }
    return call;
  }

  /** A call opened by {@link open} has ended with `status`. */
  ended(status: StatusObject): void {
    try {
      this.internal.onCallEnd(status);
    } catch {
      this.disable();
    }
  }

  /**
   * Turns direct calls off for good: grpc-js did something unexpected
   * (`call`: one opened in a shape not understood, cancelled).
   */
  disable(call?: unknown): undefined {
    this.broken = true;
    this.picker = undefined;
    this.subchannel = undefined;
    try {
      (call as Partial<SubchannelCall> | undefined)?.cancelWithStatus?.(
        GrpcStatus.CANCELLED,
        'Cancelled on client',
      );
    } catch {
      // Nothing more can be done with it; the channel's path takes over.
    }
    return undefined;
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

function isSubchannelCall(call: unknown): call is SubchannelCall {
  const candidate = call as Partial<SubchannelCall> | null | undefined;
  return (
    typeof candidate?.sendMessageWithContext === 'function' &&
    typeof candidate.startRead === 'function' &&
    typeof candidate.halfClose === 'function' &&
    typeof candidate.cancelWithStatus === 'function'
  );
}

/**
 * The subchannel a picker hands every call to, if it is that simple
 * (pick_first, connected): two picks must agree, and nothing may hook the
 * call's start or end. Throws when the picker is not what it was (the
 * caller then turns direct calls off).
 */
function pickedSubchannel(picker: Picker, metadata: Metadata): RealSubchannel | undefined {
  const first = completePick(picker, metadata);
  return first && first === completePick(picker, metadata) ? first : undefined;
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
  if (typeof real?.createCall !== 'function' || typeof real.getConnectivityState !== 'function') {
    throw new TypeError('not a grpc-js subchannel');
  }
  return real;
}
