import { randomBytes } from 'node:crypto';
import { type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { KUBEMQ_MAX_MESSAGE_BYTES } from './proto';
import { type KubeMQTlsOptions } from './tls';

/** First delay before re-subscribing (and re-dialling) after the broker dropped us, in ms. */
export const DEFAULT_RECONNECT_DELAY_MS = 250;
/**
 * Longest delay between those attempts, in ms: a broker that is away is
 * dialled about once a second, so a restarted one is served again within
 * about a second of its return, however long it was gone. A refused dial
 * costs next to nothing.
 */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 1_000;

/** How to reach a KubeMQ server over gRPC. */
export interface KubeMQConnectionOptions {
  /** `host:port` of the KubeMQ gRPC endpoint (the server's default port is 50000). */
  address: string;
  /**
   * The ClientID sent with every message and subscription. Default: a
   * random `nestjs-kubemq-xxxxxxxx` (letters, digits and `-` only, which
   * events-store subscriptions require).
   */
  clientId?: string;
  /** Sent raw (no "Bearer") in the `authorization` metadata of every call. */
  authToken?: string;
  /** How long `connect()` waits for the broker to answer a Ping, in ms. Default 5000. */
  connectTimeout?: number;
  /**
   * gRPC keepalive ping interval in ms; 0 turns keepalive off. Default
   * 360000. KubeMQ Community drops connections that ping more often than
   * every 5 minutes (grpc-go's default enforcement), so stay at or above 300000.
   */
  keepaliveTime?: number;
  /** Largest gRPC message sent or accepted, in bytes. Default 100 MiB, as the server. */
  maxMessageBytes?: number;
  /**
   * TLS (and mutual TLS) towards a KubeMQ configured with a certificate:
   * `{ ca, cert, key }` as PEM file paths or Buffers. Default: plaintext.
   */
  tls?: KubeMQTlsOptions;
  /** Raw gRPC credentials (`grpc.credentials.createSsl(...)`), instead of `tls`. */
  credentials?: ChannelCredentials;
  /** Extra grpc-js channel options, applied last. */
  channelOptions?: ChannelOptions;
  /**
   * First delay before re-opening a subscription the broker dropped, in ms;
   * it doubles up to `reconnectMaxDelay`. Default 250.
   */
  reconnectDelay?: number;
  /**
   * Longest delay between re-subscription (and re-dial) attempts, in ms.
   * Default 1000, so a restarted broker is served again about a second after
   * its return at the latest.
   */
  reconnectMaxDelay?: number;
}

/** Default keepalive ping interval: above the 5 minutes KubeMQ Community enforces. */
const DEFAULT_KEEPALIVE_MS = 360_000;

/** A random ClientID made of characters every KubeMQ subscription kind accepts. */
export function defaultClientId(): string {
  return `nestjs-kubemq-${randomBytes(4).toString('hex')}`;
}

/** The grpc-js channel options for a connection's options. */
export function channelOptionsFor(options: KubeMQConnectionOptions): ChannelOptions {
  const maxBytes = options.maxMessageBytes ?? KUBEMQ_MAX_MESSAGE_BYTES;
  const keepalive = options.keepaliveTime ?? DEFAULT_KEEPALIVE_MS;
  const channelOptions: ChannelOptions = {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    // Several connections in one process (a server and a client) must not
    // share one HTTP/2 session: closing one would tear down the other's streams.
    'grpc.use_local_subchannel_pool': 1,
    // Come back quickly after a broker restart (grpc-js otherwise backs off up to 2 minutes).
    'grpc.initial_reconnect_backoff_ms': options.reconnectDelay ?? DEFAULT_RECONNECT_DELAY_MS,
    'grpc.max_reconnect_backoff_ms': options.reconnectMaxDelay ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
    // Channelz bookkeeping costs every call a few timestamps and closures; nothing here reads it.
    'grpc.enable_channelz': 0,
  };
  const serverName = options.tls?.serverName;
  if (serverName) {
    channelOptions['grpc.ssl_target_name_override'] = serverName;
    channelOptions['grpc.default_authority'] = serverName;
  }
  if (keepalive > 0) {
    channelOptions['grpc.keepalive_time_ms'] = keepalive;
    channelOptions['grpc.keepalive_permit_without_calls'] = 0;
  }
  return { ...channelOptions, ...options.channelOptions };
}
