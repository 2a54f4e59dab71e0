import type { LoopResult } from '../apps/app-env';
import type { AppProcess } from '../ipc';
import type { ScenarioContext } from '../scenario';

export type { LoopResult };

/** Per-request timeout of a client app's ClientKubeMQ. */
export const TIMEOUT_MS = 5000;
/** A call not settled this long after it was sent has hung. */
export const DEADLINE_MS = TIMEOUT_MS + 5000;

/**
 * Starts a client app (`sender`, `store-publisher`, `queue-producer`) as
 * `role` on the scenario's broker, under a ClientID named after the role.
 */
export async function startClientApp(
  ctx: ScenarioContext,
  script: 'sender' | 'store-publisher' | 'queue-producer',
  role: string,
  timeout = TIMEOUT_MS,
): Promise<AppProcess> {
  const broker = await ctx.broker();
  return ctx.app(script, role, { address: broker.address, clientId: ctx.name(role), timeout });
}
