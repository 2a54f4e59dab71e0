import type { ChannelLog } from './channel-log';
import type { EventSink } from './event-sink';
import type { DurablePosition } from './events-store-data';

/** Events written in one go before the pump yields to other work (a long replay). */
const WRITES_PER_TURN = 256;

interface Member {
  readonly sink: EventSink;
  ready: boolean;
}

/**
 * Feeds one durable subscription from its channel's log: a single
 * subscriber, or the members of a queue group, which share one position and
 * get the events round-robin (each event goes to one member). An event
 * counts as delivered (the position moves past it) once it is written to a
 * member's stream, as the real server acks an event once it is handed to
 * the subscription's buffer.
 *
 * The log is the only buffer: the pump writes while members accept, waits
 * for a member's onReady when none does, and yields to the event loop every
 * few hundred events, so a replay of a large store to a slow subscriber
 * neither grows memory nor blocks the process.
 */
export class Delivery {
  private members: Member[] = [];
  private turn = 0;
  private yielded = false;

  constructor(
    private readonly log: ChannelLog,
    private readonly position: DurablePosition,
  ) {}

  /** True while no member is attached. */
  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  /** Attaches a member and starts feeding it; returns its removal (safe to call twice). */
  add(sink: EventSink): () => void {
    const member: Member = { sink, ready: true };
    this.members = this.members.concat(member);
    this.pump();
    return () => {
      this.members = this.members.filter((other) => other !== member);
    };
  }

  /** Writes what is due to the members that can take it (called when the log grows, too). */
  pump(): void {
    if (this.yielded) return;
    let budget = WRITES_PER_TURN;
    while (this.position.next <= this.log.lastSequence) {
      const member = this.nextReadyMember();
      if (!member) return;
      if (budget === 0) {
        this.yielded = true;
        setImmediate(() => {
          this.yielded = false;
          this.pump();
        });
        return;
      }
      budget -= 1;
      const stored = this.log.at(this.position.next);
      if (!stored) {
        // Dropped by retention while we were away: carry on from the oldest kept.
        this.position.next = this.log.firstSequence;
        continue;
      }
      this.position.next += 1;
      if (!member.sink.write(stored.receive)) this.wait(member);
    }
  }

  private wait(member: Member): void {
    member.ready = false;
    member.sink.onReady(() => {
      member.ready = true;
      if (this.members.includes(member)) this.pump();
    });
  }

  /**
   * The next member, round-robin, that can take an event now. A member whose
   * subscriber is already gone (its removal is on the way) gets nothing, so
   * no event counts as delivered to it.
   */
  private nextReadyMember(): Member | undefined {
    const count = this.members.length;
    for (let i = 0; i < count; i += 1) {
      const member = this.members[(this.turn + i) % count];
      if (member.ready && !member.sink.isClosed()) {
        this.turn = (this.turn + i + 1) % count;
        return member;
      }
    }
    return undefined;
  }
}
