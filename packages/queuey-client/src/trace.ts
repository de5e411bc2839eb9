/**
 * W3C trace context for posted messages, through @opentelemetry/api when the
 * application has it (an optional peer dependency: without it, or without a
 * registered propagator or an active span, nothing is added).
 */
import { openTelemetry } from './otel.js';

/** `traceparent` (and `tracestate`) of the active context; empty when there is none. */
export async function traceHeaders(): Promise<Record<string, string>> {
  const api = await openTelemetry();
  if (!api) return {};
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier;
}
