import {
  status as GrpcStatus,
  type ChannelInterface,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import { type ChannelCall } from './channel-call';
import {
  wasRefused,
  type DirectCalls,
  type SubchannelCall,
  type SubchannelListener,
} from './direct-calls';
import { frameLength, GRPC_PREFIX_BYTES, messageOf, type Frame } from './protobuf-wire';

/** What a call reports to its owner; messages come without their gRPC prefix. */
export interface CallListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(message: Buffer): void;
  onReceiveStatus(status: StatusObject): void;
}

/** One call, on whichever path it was opened (./direct-calls or the channel). */
export interface OpenCall {
  /** Sends one message given as its gRPC frame; `sent` once the transport has taken it. */
  sendFrame(frame: Frame, sent?: () => void): void;
  startRead(): void;
  halfClose(): void;
  cancelWithStatus(code: GrpcStatus, details: string): void;
}

/**
 * Opens the connection's calls: on the connected subchannel when it can
 * (./direct-calls), on the channel otherwise. Either way a call starts with
 * the connection's metadata (grpc-js copies it, never changes it: one
 * object serves every call) and no gRPC deadline (./deadline-guard keeps it).
 */
export class CallOpener {
  constructor(
    private readonly channel: ChannelInterface,
    readonly metadata: Metadata,
    private readonly direct: DirectCalls | undefined,
    /** grpc.max_send_message_length: the channel path checks it in its filters; the direct path here. */
    readonly maxSendBytes: number,
  ) {}

  open(path: string, listener: CallListener): OpenCall {
    const direct = this.direct && DirectCall.open(this, this.direct, path, listener);
    return direct ?? this.openOnChannel(path, listener);
  }

  /** The channel's own path (what every call took before ./direct-calls). */
  openOnChannel(path: string, listener: CallListener): OpenCall {
    return new ChannelPathCall(this.channel, path, this.metadata, listener);
  }
}

class ChannelPathCall implements OpenCall {
  private readonly call: ChannelCall;

  constructor(channel: ChannelInterface, path: string, metadata: Metadata, listener: CallListener) {
    this.call = channel.createCall(path, Infinity, null, null, null);
    this.call.start(metadata, listener);
  }

  sendFrame(frame: Frame, sent?: () => void): void {
    // The channel's filters frame the message themselves.
    this.call.sendMessageWithContext(sent ? { callback: sent } : {}, messageOf(frame));
  }

  startRead(): void {
    this.call.startRead();
  }

  halfClose(): void {
    this.call.halfClose();
  }

  cancelWithStatus(code: GrpcStatus, details: string): void {
    this.call.cancelWithStatus(code, details);
  }
}

const NO_CALLBACK = Object.freeze({});

/** Listens to nothing: what a finished call keeps (see DirectCall.onReceiveStatus). */
const ENDED: CallListener = {
  onReceiveMetadata: () => undefined,
  onReceiveMessage: () => undefined,
  onReceiveStatus: () => undefined,
};

/**
 * A call on the subchannel. What the channel's layers would add is done
 * here: the send-size limit, unframing, and the transparent retry of a
 * stream the server refused before it saw it (a broker going away): then
 * the call is opened again on the channel and what was sent is sent again.
 */
class DirectCall implements OpenCall, SubchannelListener {
  private call!: SubchannelCall;
  /** What was sent, kept until the broker answers anything (only a refusal replays it). */
  private sentSoFar: Frame[] | undefined = [];
  private reading = false;
  private halfClosed = false;
  private cancelled = false;
  private onChannel: OpenCall | undefined;

  private constructor(
    private readonly opener: CallOpener,
    private readonly direct: DirectCalls,
    private readonly path: string,
    private listener: CallListener,
  ) {}

  static open(
    opener: CallOpener,
    direct: DirectCalls,
    path: string,
    listener: CallListener,
  ): DirectCall | undefined {
    const call = new DirectCall(opener, direct, path, listener);
    const opened = direct.open(path, opener.metadata, call);
    if (!opened) return undefined;
    call.call = opened;
    return call;
  }

  sendFrame(frame: Frame, sent?: () => void): void {
    if (this.onChannel) return this.onChannel.sendFrame(frame, sent);
    const size = frameLength(frame) - GRPC_PREFIX_BYTES;
    if (size > this.opener.maxSendBytes) {
      // grpc-js's own status and text (its compression filter checks the size).
      this.cancelWithStatus(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `Attempted to send message with a size larger than ${this.opener.maxSendBytes}`,
      );
      sent?.();
      return;
    }
    this.sentSoFar?.push(frame);
    if (Buffer.isBuffer(frame)) {
      this.call.sendMessageWithContext(sent ? { callback: sent } : NO_CALLBACK, frame);
      return;
    }
    const last = frame.length - 1;
    for (let i = 0; i < last; i += 1) this.call.sendMessageWithContext(NO_CALLBACK, frame[i]);
    this.call.sendMessageWithContext(sent ? { callback: sent } : NO_CALLBACK, frame[last]);
  }

  startRead(): void {
    this.reading = true;
    (this.onChannel ?? this.call).startRead();
  }

  halfClose(): void {
    this.halfClosed = true;
    (this.onChannel ?? this.call).halfClose();
  }

  cancelWithStatus(code: GrpcStatus, details: string): void {
    this.cancelled = true;
    (this.onChannel ?? this.call).cancelWithStatus(code, details);
  }

  onReceiveMetadata(metadata: Metadata): void {
    this.sentSoFar = undefined;
    this.listener.onReceiveMetadata(metadata);
  }

  onReceiveMessage(framed: Buffer): void {
    this.sentSoFar = undefined;
    if (framed[0] !== 0) {
      // Nothing here asks for compression, so a compressed message is an error (as in grpc-js).
      this.call.cancelWithStatus(
        GrpcStatus.INTERNAL,
        'Received compressed message but "grpc-encoding" header was identity',
      );
      return;
    }
    this.listener.onReceiveMessage(framed.subarray(GRPC_PREFIX_BYTES));
  }

  onReceiveStatus(status: StatusObject): void {
    this.direct.ended(status);
    const sent = this.sentSoFar;
    this.sentSoFar = undefined;
    if (sent && !this.cancelled && wasRefused(status)) {
      this.replayOnChannel(sent);
      return;
    }
    const listener = this.listener;
    // Node keeps an HTTP/2 stream's objects (grpc-js's call, this) until a
    // full GC; letting go of the caller here keeps its request, response and
    // everything waiting on them out of that.
    this.listener = ENDED;
    listener.onReceiveStatus(status);
  }

  private replayOnChannel(sent: Frame[]): void {
    const call = this.opener.openOnChannel(this.path, this.listener);
    this.onChannel = call;
    for (const frame of sent) call.sendFrame(frame);
    if (this.halfClosed) call.halfClose();
    if (this.reading) call.startRead();
  }
}
