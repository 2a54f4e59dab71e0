/**
 * A seeded generator of hostile KubeMQ message contents (bodies, metadata,
 * tags), so that a failing case can be replayed from its seed.
 */

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated message: what a foreign sender puts in a request or event. */
export interface HostileMessage {
  /** What kind of body this is, for failure reports. */
  kind: string;
  body: Buffer;
  metadata: string;
  tags: Record<string, string>;
}

const FORMAT_TAG = 'nestjs-kubemq.body';
const ERROR_TAG = 'nestjs-kubemq.error';

export class HostileInput {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 1) out[i] = this.int(256);
    return out;
  }

  /** Unicode text with astral characters, controls and quotes mixed in. */
  text(length: number): string {
    const pieces = [
      'a',
      'Z',
      '9',
      ' ',
      '"',
      '\\',
      '\n',
      '\u0000',
      'é',
      '€',
      '😀',
      '\u200b',
      '{',
      '}',
    ];
    let out = '';
    for (let i = 0; i < length; i += 1) out += this.pick(pieces);
    return out;
  }

  private nestedJson(depth: number): string {
    const open = this.random() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return open.repeat(depth) + '1' + close.repeat(depth);
  }

  /** A body of one of the hostile kinds. */
  body(): { kind: string; body: Buffer } {
    const kinds: Array<[string, () => Buffer]> = [
      ['random bytes', () => this.bytes(this.int(4096))],
      ['invalid UTF-8', () => Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x98])],
      ['truncated UTF-8', () => Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82])])],
      ['deep JSON', () => Buffer.from(this.nestedJson(1000 + this.int(20000)))],
      [
        'JSON scalar',
        () => Buffer.from(this.pick(['1', '-0', '1e400', 'null', 'true', '"x"', '[]', '{}'])),
      ],
      ['__proto__ JSON', () => Buffer.from('{"__proto__":{"polluted":"yes"},"a":1}')],
      [
        'constructor.prototype JSON',
        () =>
          Buffer.from(
            '{"constructor":{"prototype":{"polluted":"yes"}},"b":[{"__proto__":{"polluted":1}}]}',
          ),
      ],
      [
        'wide JSON',
        () =>
          Buffer.from(
            JSON.stringify(
              Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
            ),
          ),
      ],
      ['broken JSON', () => Buffer.from('{"a": [1, 2, {"b": ')],
      ['text', () => Buffer.from(this.text(this.int(512)))],
      ['big', () => this.bytes(256 * 1024 + this.int(768 * 1024))],
      ['empty', () => Buffer.alloc(0)],
    ];
    // Big bodies are slow to generate and send: keep them rare.
    const [kind, make] =
      this.random() < 0.01 ? kinds[10] : this.pick(kinds.filter((k) => k[0] !== 'big'));
    return { kind, body: make() };
  }

  metadata(): string {
    return this.pick([
      () => '',
      () => this.text(this.int(64)),
      () => this.text(16 * 1024),
      () => '{"__proto__":{"polluted":true}}',
    ])();
  }

  tags(): Record<string, string> {
    const tags: Record<string, string> = {};
    const count = this.int(8);
    for (let i = 0; i < count; i += 1) {
      const key = this.pick([
        '__proto__',
        'constructor',
        'prototype',
        '',
        'k',
        this.text(8),
        `t${i}`,
      ]);
      const value = this.pick([() => '', () => this.text(16), () => this.text(10 * 1024)])();
      // defineProperty: a plain assignment to "__proto__" would set the prototype instead.
      Object.defineProperty(tags, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    // Our own reserved tags, lying about the body.
    if (this.random() < 0.5)
      tags[FORMAT_TAG] = this.pick(['json', 'text', 'binary', 'none', 'garbage', '']);
    if (this.random() < 0.2)
      tags[ERROR_TAG] = this.pick(['{', 'null', '{"__proto__":{"polluted":1}}']);
    return tags;
  }

  message(): HostileMessage {
    const { kind, body } = this.body();
    const metadata = this.metadata();
    // KubeMQ refuses a message with neither body nor metadata; keep one so the broker passes it.
    return {
      kind,
      body,
      metadata: body.length === 0 && metadata === '' ? 'm' : metadata,
      tags: this.tags(),
    };
  }
}
