import type { AppProcess } from '../ipc';
import { waitUntil } from '../scenario';

/**
 * Sends single commands until one is answered: a real KubeMQ activates a
 * subscription a moment after it accepts it. Throws after `timeoutMs`.
 */
export async function firstAnswer(
  sender: AppProcess,
  channel: string,
  timeoutMs = 30_000,
): Promise<void> {
  let last = '';
  const answered = await waitUntil(async () => {
    const [outcome] = await sender.call<string[]>('burst', { channel, count: 1 });
    last = outcome;
    return outcome === 'ok';
  }, timeoutMs);
  if (!answered) throw new Error(`no answer on ${channel} within ${timeoutMs} ms: ${last}`);
}
