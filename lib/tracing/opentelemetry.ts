/**
 * The part of `@opentelemetry/api` nestjs-kubemq uses, typed here because
 * the package is an optional peer dependency: nothing of ours may need it
 * to compile, load or run. Only stable 1.x API is used.
 */

/** An OpenTelemetry Context (opaque to us). */
export type OtelContext = object;

export type OtelAttributeValue = string | number | boolean;
export type OtelAttributes = Record<string, OtelAttributeValue>;

export interface OtelSpan {
  setAttribute(key: string, value: OtelAttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): void;
  end(): void;
}

export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: OtelAttributes },
    context?: OtelContext,
  ): OtelSpan;
}

interface OtelTracerProvider {
  getTracer(name: string): OtelTracer;
  /** ProxyTracerProvider (what `trace.getTracerProvider()` returns): undefined while none is registered. */
  getDelegateTracer?(name: string): OtelTracer | undefined;
}

/** The `@opentelemetry/api` module, as far as we use it. */
export interface OtelApi {
  trace: {
    getTracerProvider(): OtelTracerProvider;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  context: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
  propagation: {
    inject(context: OtelContext, carrier: Record<string, string>): void;
    extract(context: OtelContext, carrier: Record<string, string>): OtelContext;
  };
  ROOT_CONTEXT: OtelContext;
  SpanKind: { SERVER: number; CLIENT: number; PRODUCER: number; CONSUMER: number };
  SpanStatusCode: { ERROR: number };
}

/** What a tracing side needs: the API and the tracer of the registered provider. */
export interface OpenTelemetry {
  readonly api: OtelApi;
  readonly tracer: OtelTracer;
}

/** The instrumentation scope our spans are recorded under. */
export const TRACER_NAME = 'nestjs-kubemq';

let loaded: OtelApi | null | undefined;

/** `@opentelemetry/api` when the app has it, else null; looked up once per process. */
export function loadOpenTelemetryApi(): OtelApi | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only if present
      loaded = require('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/**
 * The tracer of the tracer provider the app registered, or undefined when
 * `@opentelemetry/api` is absent or no provider is registered (then we
 * record and propagate nothing, and do no work per message). Asked once,
 * when a server listens or a client connects.
 */
export function registeredOpenTelemetry(): OpenTelemetry | undefined {
  const api = loadOpenTelemetryApi();
  if (!api) return undefined;
  try {
    const provider = api.trace.getTracerProvider();
    const tracer =
      typeof provider.getDelegateTracer === 'function'
        ? provider.getDelegateTracer(TRACER_NAME)
        : provider.getTracer(TRACER_NAME);
    return tracer ? { api, tracer } : undefined;
  } catch {
    return undefined;
  }
}

/** Error status (and the exception, for Error instances) on a span; never throws. */
export function recordFailure(otel: OpenTelemetry, span: OtelSpan, error: unknown): void {
  try {
    const message = describeFailure(error);
    span.setStatus({ code: otel.api.SpanStatusCode.ERROR, message });
    span.setAttribute('error.type', error instanceof Error ? error.name : '_OTHER');
    if (error instanceof Error) span.recordException(error);
  } catch {
    // A tracer that throws must not fail the message.
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return typeof error === 'string' ? error : 'failed';
}
