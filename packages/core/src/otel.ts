/**
 * @opentelemetry/api, an optional peer dependency: imported on first use
 * (from this package, so it resolves where the application installed it),
 * undefined when it is not installed. The specifier goes through a variable
 * so bundlers do not require it.
 */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

const SPECIFIER = '@opentelemetry/api';
let loaded: Promise<OpenTelemetryApi | undefined> | undefined;

export function openTelemetry(): Promise<OpenTelemetryApi | undefined> {
  loaded ??= (
    import(/* @vite-ignore */ /* webpackIgnore: true */ SPECIFIER) as Promise<OpenTelemetryApi>
  ).catch(() => undefined);
  return loaded;
}
