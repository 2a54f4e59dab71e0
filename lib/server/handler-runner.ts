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
