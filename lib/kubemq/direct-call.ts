import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { type CallListener, type OpenCall } from './call-opener';
import {
  wasRefused,
  type DirectCalls,
  type SubchannelCall,
  type SubchannelListener,
} from './direct-calls';
import { frameLength, GRPC_PREFIX_BYTES, type Frame } from './grpc-frame';

/** What a direct call needs of its opener (./call-opener). */
export interface DirectCallOpener {
  readonly metadata: Metadata;
  readonly maxSendBytes: number;
  openOnChannel(path: string, listener: CallListener): OpenCall;
}

const NO_CALLBACK = Object.freeze({});

/** Listens to nothing: what a finished call keeps (see DirectCall.onReceiveStatus). */
const ENDED: CallListener = {
  onReceiveMetadata: () => undefined,
  onReceiveMessage: () => undefined,
  onReceiveStatus: () => undefined,
};

/**
 * A call on the subchannel (./direct-calls). What the channel's layers
 * would add is done here: the send-size limit, unframing, and the
 * transparent retry of a stream the server refused before it saw it (a
 * broker going away): then the call is opened again on the channel and what
 * was sent is sent again. A subchannel call that throws (a grpc-js that
 * changed) turns direct calls off and is moved to the channel the same way
 * while nothing has come back yet, or ends with INTERNAL after that: never
 * a throw into the caller, never a call left without an end.
 */
export class DirectCall implements OpenCall, SubchannelListener {
  private call!: SubchannelCall;
  /** What was sent, kept until the broker answers anything (only a refusal replays it). */
  private sentSoFar: Frame[] | undefined = [];
  private reading = false;
  private halfClosed = false;
  private cancelled = false;
  /** Set when the subchannel call was not started: it must report nothing. */
  private abandoned = false;
  private onChannel: OpenCall | undefined;

  private constructor(
    private readonly opener: DirectCallOpener,
    private readonly direct: DirectCalls,
    private readonly path: string,
    private listener: CallListener,
  ) {}

  static open(
    opener: DirectCallOpener,
    direct: DirectCalls,
    path: string,
    listener: CallListener,
  ): DirectCall | undefined {
    const call = new DirectCall(opener, direct, path, listener);
    const opened = direct.open(path, opener.metadata, call);
    if (!opened) {
      call.abandoned = true;
      return undefined;
    }
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
    try {
      if (Buffer.isBuffer(frame)) {
        this.call.sendMessageWithContext(sent ? { callback: sent } : NO_CALLBACK, frame);
        return;
      }
      const last = frame.length - 1;
      for (let i = 0; i < last; i += 1) this.call.sendMessageWithContext(NO_CALLBACK, frame[i]);
      this.call.sendMessageWithContext(sent ? { callback: sent } : NO_CALLBACK, frame[last]);
    } catch (error) {
      this.unexpected(error);
      // Replayed on the channel (which calls its own `sent`), or failed.
      if (!this.onChannel) sent?.();
    }
  }

  startRead(): void {
    this.reading = true;
    if (this.onChannel) return this.onChannel.startRead();
    this.guarded(() => this.call.startRead());
  }

  halfClose(): void {
    this.halfClosed = true;
    if (this.onChannel) return this.onChannel.halfClose();
    this.guarded(() => this.call.halfClose());
  }

  cancelWithStatus(code: GrpcStatus, details: string): void {
    this.cancelled = true;
    if (this.onChannel) return this.onChannel.cancelWithStatus(code, details);
    this.guarded(() => this.call.cancelWithStatus(code, details), { code, details });
  }

  onReceiveMetadata(metadata: Metadata): void {
    if (this.abandoned || this.onChannel) return;
    this.sentSoFar = undefined;
    this.listener.onReceiveMetadata(metadata);
  }

  onReceiveMessage(framed: Buffer): void {
    if (this.abandoned || this.onChannel) return;
    this.sentSoFar = undefined;
    if (framed[0] !== 0) {
      // Nothing here asks for compression, so a compressed message is an error (as in grpc-js).
      this.cancelWithStatus(
        GrpcStatus.INTERNAL,
        'Received compressed message but "grpc-encoding" header was identity',
      );
      return;
    }
    this.listener.onReceiveMessage(framed.subarray(GRPC_PREFIX_BYTES));
  }

  onReceiveStatus(status: StatusObject): void {
    if (this.abandoned) return;
    this.direct.ended(status);
    if (this.onChannel) return;
    const sent = this.sentSoFar;
    this.sentSoFar = undefined;
    if (sent && !this.cancelled && wasRefused(status)) {
      this.replayOnChannel(sent);
      return;
    }
    this.finish(status);
  }

  private finish(status: StatusObject): void {
    const listener = this.listener;
    // Node keeps an HTTP/2 stream's objects (grpc-js's call, this) until a
    // full GC; letting go of the caller here keeps its request, response and
    // everything waiting on them out of that.
    this.listener = ENDED;
    listener.onReceiveStatus(status);
  }

  private guarded(action: () => void, cancel?: { code: GrpcStatus; details: string }): void {
    try {
      action();
    } catch (error) {
      this.unexpected(error, cancel);
    }
  }

  /**
   * The subchannel call threw: off the direct path, this call included. It
   * ends with the status asked for when it was being cancelled, else INTERNAL.
   */
  private unexpected(error: unknown, cancel?: { code: GrpcStatus; details: string }): void {
    this.direct.disable();
    const sent = this.sentSoFar;
    this.sentSoFar = undefined;
    try {
      this.call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
    } catch {
      // Its status may never come: the call ends here either way.
    }
    if (sent && !this.cancelled) {
      this.replayOnChannel(sent);
      return;
    }
    const text = error instanceof Error ? error.message : String(error);
    const status: StatusObject = {
      code: cancel?.code ?? GrpcStatus.INTERNAL,
      details: cancel?.details ?? `grpc-js call failed: ${text}`,
      metadata: new Metadata(),
    };
    // Whatever the subchannel call reports from now on is not this call's end.
    this.onChannel = ENDED_CALL;
    process.nextTick(() => this.finish(status));
  }

  private replayOnChannel(sent: Frame[]): void {
    const call = this.opener.openOnChannel(this.path, this.listener);
    this.onChannel = call;
    for (const frame of sent) call.sendFrame(frame);
    if (this.halfClosed) call.halfClose();
    if (this.reading) call.startRead();
  }
}

/** What a call that already ended does with what it is still asked. */
const ENDED_CALL: OpenCall = {
  sendFrame: (_frame, sent) => sent?.(),
  startRead: () => undefined,
  halfClose: () => undefined,
  cancelWithStatus: () => undefined,
};
