import { encodeBase62, nuid } from './nuid';

const TOKEN_LENGTH = 8;
const TOKEN_SPACE = 62 ** TOKEN_LENGTH;

/**
 * Maker of the opaque ReplyChannel values the broker writes into each
 * delivered request: `_INBOX.<22-char NUID>.<8 base-62 chars>` (38 characters),
 * the shape the real server's reply inboxes have. The NUID part is fixed per
 * inbox (per broker); the last token is a counter that starts at a random
 * point, so values never repeat within one broker's lifetime in practice.
 */
export class ReplyInbox {
  private readonly prefix = `_INBOX.${nuid()}.`;
  private counter = Math.floor(Math.random() * TOKEN_SPACE);

  /** A reply channel not handed out before by this inbox. */
  next(): string {
    this.counter = (this.counter + 1) % TOKEN_SPACE;
    return this.prefix + encodeBase62(this.counter, TOKEN_LENGTH);
  }
}
