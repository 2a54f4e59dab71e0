/** The two request kinds benchmarked. */
export type Kind = 'command' | 'query';

/** Where a contender's processes connect, and on which channels. */
export interface BenchEnv {
  /** `host:port` of the KubeMQ broker (or the echo server), or the NATS URL. */
  address: string;
  /** Channel (NATS subject) of commands and of queries, unique per contender. */
  channels: Record<Kind, string>;
  /** ClientID (KubeMQ contenders). */
  clientId: string;
}

/** The sender half of a contender, in its own process. */
export interface SenderDriver {
  /** What to send for a body of `size` bytes (built once per size). */
  payload(size: number): unknown;
  /** Sends one request; `done` once the response (or an error) arrived. */
  request(kind: Kind, payload: unknown, done: (error?: unknown) => void): void;
  /** One round trip whose answer is checked; throws when it is wrong. */
  check(kind: Kind, payload: unknown): Promise<void>;
  close(): Promise<void>;
}

/** The responder half of a contender, in its own process. */
export interface ResponderDriver {
  close(): Promise<void>;
}

/** What a contender module exports. */
export interface ContenderModule {
  startSender(env: BenchEnv): Promise<SenderDriver>;
  /** Absent when the server itself answers (the gRPC echo floor). */
  startResponder?(env: BenchEnv): Promise<ResponderDriver>;
}

/** Bytes of `size` (ASCII letters, so the same bytes work as a UTF-8 string). */
export function bodyBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = 97 + (i % 26);
  return bytes;
}

/** Throws when a query's echoed body does not have the size sent. */
export function expectSize(kind: Kind, sent: number, received: number | undefined): void {
  if (kind === 'query' && received !== sent) {
    throw new Error(`query echo returned ${String(received)} bytes, expected ${sent}`);
  }
}
