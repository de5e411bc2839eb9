/**
 * A consumer span per job, through @opentelemetry/api when the application
 * has it (an optional peer dependency). The span is the child of the
 * producer's trace context carried in the message's headers (the client puts
 * it there, server extension `headers`), so a trace runs from the post to the
 * job; without that context it starts a trace of its own. Without the API
 * the worker has no tracing at all: loadJobTracing answers undefined once,
 * at start, and each job pays nothing.
 */
import type { Message } from './hooks.js';
import { type OpenTelemetryApi, openTelemetry } from './otel.js';

type Span = import('@opentelemetry/api').Span;
type Context = import('@opentelemetry/api').Context;
type SpanContext = import('@opentelemetry/api').SpanContext;

import type { PartitionState } from './partition-state.js';

/** One job's span: run the hook inside it, then end it with the outcome. */
export interface JobSpan {
  run<T>(hook: () => T): T;
  end(error?: unknown): void;
}

export interface JobTracing {
  /** A job run's span, the child of the message's producer context. */
  start(message: Message<unknown>, state: PartitionState, attempt: number): JobSpan;
  /** A batch hook run's span, linked to each message's producer context (one trace cannot have many parents). */
  startBatch(
    messages: readonly Message<unknown>[],
    state: PartitionState,
    attempt: number,
  ): JobSpan;
}

export async function loadJobTracing(): Promise<JobTracing | undefined> {
  const api = await openTelemetry();
  return api ? tracingWith(api) : undefined;
}

/** What a job runs in while no tracer provider is registered: nothing. */
const UNTRACED: JobSpan = { run: (hook) => hook(), end() {} };

function tracingWith(api: OpenTelemetryApi): JobTracing {
  const tracer = api.trace.getTracer('@qdo/core');
  // Until an SDK registers a provider, the API hands out its own proxy, whose
  // spans record nothing: a job then skips the span, its attributes and its
  // context (a few percent of a no-op job's CPU). Asked per job, as a
  // provider may be registered after the worker started.
  // (Registering one sets the delegate of the global proxy.)
  const noop = new api.ProxyTracerProvider().getDelegate();
  const untraced = () => {
    const provider = api.trace.getTracerProvider();
    return provider instanceof api.ProxyTracerProvider && provider.getDelegate() === noop;
  };
  const producer = (message: Message<unknown>) =>
    message.headers ? api.propagation.extract(api.ROOT_CONTEXT, message.headers) : api.ROOT_CONTEXT;
  const attributes = (state: PartitionState, attempt: number) => ({
    'messaging.system': 'queuey',
    'messaging.operation.type': 'process',
    'messaging.destination.name': state.queue,
    'messaging.destination.partition.id': String(state.partition),
    'qdo.attempt': attempt,
  });
  const open = (span: Span, parent: Context): JobSpan => {
    const active = api.trace.setSpan(parent, span);
    return {
      run: (hook) => api.context.with(active, hook),
      end(error) {
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  };
  return {
    start(message, state, attempt) {
      if (untraced()) return UNTRACED;
      const parent = producer(message);
      const span = tracer.startSpan(
        `${state.queue} process`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: { ...attributes(state, attempt), 'messaging.message.id': message.message_id },
        },
        parent,
      );
      return open(span, parent);
    },
    startBatch(messages, state, attempt) {
      if (untraced()) return UNTRACED;
      const links = messages
        .map((message) => api.trace.getSpanContext(producer(message)))
        .filter((context) => context !== undefined && api.trace.isSpanContextValid(context))
        .map((context) => ({ context: context as SpanContext }));
      const span = tracer.startSpan(
        `${state.queue} process`,
        {
          kind: api.SpanKind.CONSUMER,
          links,
          attributes: {
            ...attributes(state, attempt),
            'messaging.batch.message_count': messages.length,
          },
        },
        api.ROOT_CONTEXT,
      );
      return open(span, api.ROOT_CONTEXT);
    },
  };
}
