import { channelMatches, isWildcardPattern } from '../kubemq/channel-rules';

/** One live subscription: where messages for its pattern go. */
export interface Subscriber<T> {
  /** The channel or wildcard pattern subscribed to. */
  readonly pattern: string;
  /** Queue group name; "" means ungrouped (receives every matching message). */
  readonly group: string;
  /** Hands one message to the subscriber (must not throw). */
  deliver(message: T): void;
}

/** The subscribers of one exact channel, split by group. */
interface ChannelSubscribers<T> {
  ungrouped: readonly Subscriber<T>[];
  groups: Map<string, readonly Subscriber<T>[]>;
}

function without<T>(list: readonly T[], item: T): readonly T[] {
  const index = list.indexOf(item);
  if (index < 0) return list;
  return list.slice(0, index).concat(list.slice(index + 1));
}

function pickRandom<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}

/**
 * The subscriptions of one pattern's namespace (events, commands or queries),
 * with NATS queue-group delivery: every ungrouped matching subscriber gets a
 * message, plus one member, chosen at random, of each group (groups are
 * matched by name across all matching patterns).
 *
 * Plain channels live in a map, wildcard patterns in a separate list, so a
 * dispatch costs one map lookup plus a scan of the (usually empty) wildcard
 * list. Lists are replaced, never mutated, so a dispatch in progress is not
 * disturbed by a subscriber leaving.
 */
export class SubscriptionRegistry<T> {
  private readonly exact = new Map<string, ChannelSubscribers<T>>();
  private wildcards: readonly Subscriber<T>[] = [];

  /** Number of live subscriptions. */
  get size(): number {
    let count = this.wildcards.length;
    for (const entry of this.exact.values()) {
      count += entry.ungrouped.length;
      for (const members of entry.groups.values()) count += members.length;
    }
    return count;
  }

  /** Adds a subscriber; the returned function removes it (safe to call twice). */
  add(subscriber: Subscriber<T>): () => void {
    if (isWildcardPattern(subscriber.pattern)) {
      this.wildcards = this.wildcards.concat(subscriber);
      return () => {
        this.wildcards = without(this.wildcards, subscriber);
      };
    }
    let entry = this.exact.get(subscriber.pattern);
    if (!entry) {
      entry = { ungrouped: [], groups: new Map() };
      this.exact.set(subscriber.pattern, entry);
    }
    if (subscriber.group === '') {
      entry.ungrouped = entry.ungrouped.concat(subscriber);
    } else {
      const members = entry.groups.get(subscriber.group) ?? [];
      entry.groups.set(subscriber.group, members.concat(subscriber));
    }
    return () => this.removeExact(subscriber);
  }

  /**
   * Delivers `message`, sent to the concrete `channel`, to the subscribers
   * that should get it. Returns how many got it.
   */
  dispatch(channel: string, message: T): number {
    const entry = this.exact.get(channel);
    if (this.wildcards.length === 0) {
      return entry ? deliverToEntry(entry, message) : 0;
    }
    return this.dispatchWithWildcards(channel, entry, message);
  }

  private dispatchWithWildcards(
    channel: string,
    entry: ChannelSubscribers<T> | undefined,
    message: T,
  ): number {
    let delivered = 0;
    // Grouped wildcard subscribers that match, by group name.
    let wildcardGroups: Map<string, Subscriber<T>[]> | undefined;
    for (const subscriber of this.wildcards) {
      if (!channelMatches(subscriber.pattern, channel)) continue;
      if (subscriber.group === '') {
        subscriber.deliver(message);
        delivered += 1;
      } else {
        wildcardGroups ??= new Map();
        const members = wildcardGroups.get(subscriber.group);
        if (members) members.push(subscriber);
        else wildcardGroups.set(subscriber.group, [subscriber]);
      }
    }
    if (!wildcardGroups) return delivered + (entry ? deliverToEntry(entry, message) : 0);
    if (entry) {
      for (const subscriber of entry.ungrouped) {
        subscriber.deliver(message);
        delivered += 1;
      }
      for (const [group, members] of entry.groups) {
        const extra = wildcardGroups.get(group);
        if (extra) {
          // The same group name under several patterns is one group.
          wildcardGroups.set(group, extra.concat(members));
        } else {
          pickRandom(members).deliver(message);
          delivered += 1;
        }
      }
    }
    for (const members of wildcardGroups.values()) {
      pickRandom(members).deliver(message);
      delivered += 1;
    }
    return delivered;
  }

  private removeExact(subscriber: Subscriber<T>): void {
    const entry = this.exact.get(subscriber.pattern);
    if (!entry) return;
    if (subscriber.group === '') {
      entry.ungrouped = without(entry.ungrouped, subscriber);
    } else {
      const members = entry.groups.get(subscriber.group);
      if (members) {
        const rest = without(members, subscriber);
        if (rest.length === 0) entry.groups.delete(subscriber.group);
        else entry.groups.set(subscriber.group, rest);
      }
    }
    if (entry.ungrouped.length === 0 && entry.groups.size === 0) {
      this.exact.delete(subscriber.pattern);
    }
  }
}

function deliverToEntry<T>(entry: ChannelSubscribers<T>, message: T): number {
  let delivered = 0;
  for (const subscriber of entry.ungrouped) {
    subscriber.deliver(message);
    delivered += 1;
  }
  for (const members of entry.groups.values()) {
    pickRandom(members).deliver(message);
    delivered += 1;
  }
  return delivered;
}
