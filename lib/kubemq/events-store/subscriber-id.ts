import { createHash, randomBytes } from 'node:crypto';

/** What KubeMQ accepts as an events-store subscriber's ClientID (§5.3). */
const STORE_CLIENT_ID = /^[a-zA-Z0-9_-]+$/;
/** Readable parts are cut to this length; the hash keeps the whole ID unique. */
const PART_LENGTH = 32;

/** True when KubeMQ accepts `clientId` for an events-store subscription. */
export function isStoreClientId(clientId: string): boolean {
  return STORE_CLIENT_ID.test(clientId);
}

/**
 * The ClientID of one events-store subscription: KubeMQ allows one live
 * subscription per ClientID and resumes a ClientID's subscription where it
 * stopped, so each (server clientId, channel, group) needs its own ID, the
 * same at every start. Readable parts (cleaned to KubeMQ's alphabet and
 * shortened) plus a hash of the exact triple, so that two triples never share one.
 *
 * @example subscriberClientId('orders-service', 'orders.created', '') === 'orders-service-orders_created-1f0c9a2b7d3e'
 */
export function subscriberClientId(base: string, channel: string, group: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([base, channel, group]))
    .digest('hex')
    .slice(0, 12);
  const parts = [base, channel, group].filter((part) => part !== '').map(clean);
  return [...parts, hash].join('-');
}

/** A throwaway ClientID derived from `clientId`, for a short-lived read of the same channel. */
export function throwawayClientId(clientId: string, purpose: string): string {
  return `${clientId}-${purpose}-${randomBytes(6).toString('hex')}`;
}

function clean(part: string): string {
  return part.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, PART_LENGTH);
}
