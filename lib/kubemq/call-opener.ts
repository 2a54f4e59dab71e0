import {
  type status as GrpcStatus,
  type ChannelInterface,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import { type ChannelCall } from './channel-call';
import { DirectCall } from './direct-call';
import { type DirectCalls } from './direct-calls';
import { messageOf, type Frame } from './grpc-frame';

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
 * (./direct-calls, ./direct-call), on the channel otherwise. Either way a
 * call starts with the connection's metadata (grpc-js copies it, never
 * changes it: one object serves every call) and no gRPC deadline
 * (./deadline-guard keeps it).
 */
export class CallOpener {
  constructor(
    private readonly channel: ChannelInterface,
    readonly metadata: Metadata,
    private readonly directCalls: DirectCalls | undefined,
    /** grpc.max_send_message_length: the channel path checks it in its filters; the direct path here. */
    readonly maxSendBytes: number,
  ) {}

  open(path: string, listener: CallListener): OpenCall {
    const direct = this.directCalls && DirectCall.open(this, this.directCalls, path, listener);
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
