import { type MessageHandler } from '@nestjs/microservices';
import { isObservable, type Observable } from 'rxjs';

/** How a handler finished: its last value, or the error Nest's exception filter produced. */
export type HandlerOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs a Nest handler (already wrapped by Nest's pipes, guards, interceptors
 * and exception filters) and waits for it to finish. An Observable result
 * counts by its last value. Never rejects.
 */
export async function runHandler(
  handler: MessageHandler,
  data: unknown,
  ctx: unknown,
): Promise<HandlerOutcome> {
  try {
    const result: unknown = await handler(data, ctx);
    if (isObservable(result)) return await lastOutcome(result);
    return { ok: true, value: result };
  } catch (error) {
    return { ok: false, error };
  }
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
 * Runs the handler inside the processing-start hook when Nest has one, so
 * tracing instrumentation wraps it; a hook that throws fails the request.
 */
export function runWithStartHook(
  startHook: ProcessingStartHook | undefined,
  transportId: symbol,
  handler: MessageHandler,
  data: unknown,
  ctx: unknown,
): Promise<HandlerOutcome> {
  if (typeof startHook !== 'function') return runHandler(handler, data, ctx);
  return new Promise<HandlerOutcome>((resolve) => {
    let settled = false;
    const run = async () => {
      const outcome = await runHandler(handler, data, ctx);
      settled = true;
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      if (!settled) resolve({ ok: false, error });
    };
    try {
      Promise.resolve(startHook(transportId, ctx, run)).catch(fail);
    } catch (error) {
      fail(error);
    }
  });
}
