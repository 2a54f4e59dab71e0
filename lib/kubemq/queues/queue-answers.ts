import { KubeMQError } from '../kubemq-error';

interface Waiting {
  resolve(): void;
  reject(error: KubeMQError): void;
  timer: NodeJS.Timeout;
  /** Ack, reject or resend: the broker ends the transaction once it has done it. */
  settles: boolean;
}

/** The requests of one queue transaction still waiting for their answer, by RequestID. */
export class QueueAnswers {
  private readonly waiting = new Map<string, Waiting>();

  /**
   * Resolves with the answer to `requestId`; rejects after `timeoutMs`
   * (then calls `onTimeout`), or with the error it is answered with.
   */
  wait(requestId: string, settles: boolean, timeoutMs: number, onTimeout: () => void) {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new KubeMQError(`KubeMQ did not answer within ${timeoutMs} ms`));
        onTimeout();
      }, timeoutMs);
      this.waiting.set(requestId, { resolve, reject, timer, settles });
    });
  }

  /** The answer to `requestId` arrived: OK, or the broker's error. */
  answer(requestId: string, error?: KubeMQError): void {
    const waiting = this.take(requestId);
    if (!waiting) return;
    if (error) waiting.reject(error);
    else waiting.resolve();
  }

  /** Fails every waiting request with `error`. */
  failAll(error: KubeMQError): void {
    for (const id of [...this.waiting.keys()]) this.take(id)?.reject(error);
  }

  /**
   * The stream ended: a waiting settlement counts as done when `endSettles`
   * (the broker ends the stream right after a settlement, sometimes without
   * its answer); everything else fails with `error()`. True when a
   * settlement was counted as done.
   */
  end(endSettles: boolean, error: () => KubeMQError): boolean {
    let settled = false;
    for (const id of [...this.waiting.keys()]) {
      const waiting = this.take(id)!;
      if (waiting.settles && endSettles) {
        settled = true;
        waiting.resolve();
      } else waiting.reject(error());
    }
    return settled;
  }

  private take(requestId: string): Waiting | undefined {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return undefined;
    this.waiting.delete(requestId);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
