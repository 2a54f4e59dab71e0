import { type MessageHandler } from '@nestjs/microservices';
import { isObservable, type Observable } from 'rxjs';

/** How a handler finished: its last value, or the error Nest's exception filter produced. */
export type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs a Nest handler (already wrapped by Nest's pipes, guards, interceptors
 * and exception filters) and waits for it to finish. An Observable result
 * counts by its last value. Never rejects.
 */
export function runHandler(
  handler: MessageHandler,
  data: unknown,
  ctx: unknown,
): Promise<HandlerOutcome> {
  let result: unknown;
  try {
    result = handler(data, ctx);
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
  // Nest's handlers return a promise: one `then` instead of an async function's layers.
  return Promise.resolve(result).then(outcomeOf, failed);
}

function outcomeOf(result: unknown): HandlerOutcome | Promise<HandlerOutcome> {
  return isObservable(result) ? lastOutcome(result) : { ok: true, value: result };
}

function failed(error: unknown): HandlerOutcome {
  return { ok: false, error };
}

function lastOutcome(source: Observable<unknown>): Promise<HandlerOutcome> {
  return new Promise((resolve) => {
    let last: unknown;
    source.subscribe({
      next: (value) => {
        last = value;
      },
      error: (error: unknown) => resolve({ ok: false, error }),
      complete: () => resolve({ ok: true, value: last }),
    });
  });
}

/** Nest's processing-start hook (11.1.4+ and 12): it must call `done` to run the handler. */
export type ProcessingStartHook = (
  transportId: symbol,
  context: unknown,
  done: () => Promise<void>,
) => unknown;

/**
 * Runs the handler inside the processing-start hook, so tracing
 * instrumentation wraps it. A hook that fails, or that settles without
 * calling `done`, fails the request instead of leaving the caller waiting;
 * once `done` has started, the handler's own outcome counts.
 */
export function runWithStartHook(
  startHook: ProcessingStartHook,
  transportId: symbol,
  handler: MessageHandler,
  data: unknown,
  ctx: unknown,
): Promise<HandlerOutcome> {
  return new Promise<HandlerOutcome>((resolve) => {
    let entered = false;
    const run = async () => {
      entered = true;
      resolve(await runHandler(handler, data, ctx));
    };
    const settleHook = (error?: unknown) => {
      if (entered) return;
      resolve({
        ok: false,
        error: error ?? new Error('the processing start hook did not call done()'),
      });
    };
    try {
      Promise.resolve(startHook(transportId, ctx, run)).then(() => settleHook(), settleHook);
    } catch (error) {
      settleHook(error);
    }
  });
}
