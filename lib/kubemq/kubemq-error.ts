import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { plainGrpcDetails } from './grpc-failure';

/**
 * An error from the KubeMQ protocol layer. `grpcCode` is the gRPC status
 * (13 INTERNAL for KubeMQ's own validation and timeout errors) and
 * `kubemqCode` the number in KubeMQ's "Error NNN: ..." text, when present.
 */
export class KubeMQError extends Error {
  readonly grpcCode: number | undefined;
  readonly kubemqCode: number | undefined;

  constructor(message: string, grpcCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeMQError';
    this.grpcCode = grpcCode;
    this.kubemqCode = kubemqCodeOf(message);
  }

  /**
   * Wraps a grpc-js error (or a KubeMQError), keeping the server's text
   * (`details`) as the message, after `context` when given; grpc-js's own
   * texts for an unreachable or lost broker are said plainly.
   */
  static fromGrpc(error: ServiceError | Error, context?: string): KubeMQError {
    const serviceError = error as Partial<ServiceError>;
    const code = KubeMQError.grpcCodeOf(error);
    const text = plainGrpcDetails(code, serviceError.details || error.message);
    const message = context ? `${context}: ${text}` : text;
    return new KubeMQError(message, code, { cause: error });
  }

  /** The gRPC status code of a grpc-js error or a KubeMQError. */
  static grpcCodeOf(error: unknown): number | undefined {
    return error instanceof KubeMQError
      ? error.grpcCode
      : (error as Partial<ServiceError> | undefined)?.code;
  }

  /** True for KubeMQ's "Error 301: timeout for request message". */
  get isTimeout(): boolean {
    return this.kubemqCode === 301 || this.grpcCode === GrpcStatus.DEADLINE_EXCEEDED;
  }
}

/** The NNN of a KubeMQ "Error NNN: ..." text, wherever it appears in the message. */
function kubemqCodeOf(message: string): number | undefined {
  const match = /Error (\d{3}):/.exec(message);
  return match ? Number(match[1]) : undefined;
}
