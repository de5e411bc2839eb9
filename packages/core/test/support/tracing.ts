/**
 * A child process's OpenTelemetry SDK, as an application sets it up: a
 * registered Node tracer provider (W3C propagation, async context) that keeps
 * finished spans in memory, and what a span looks like to the parent over IPC.
 */
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface SpanReport {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

export function registerTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  return exporter;
}

export function report(span: ReadableSpan): SpanReport {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
  };
}

/** Sends the reports to the parent and exits once they are on their way. */
export function sendAndExit(spans: SpanReport[]): void {
  process.send?.(spans, () => process.exit(0));
}
