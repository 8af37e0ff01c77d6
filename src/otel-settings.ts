/**
 * The OTEL_* variables the OpenTelemetry SDK reads itself (README "Observability"), checked at boot
 * when tracing is on. The SDK takes a value it does not understand with a diagnostic nobody sees
 * and goes on with a default (another protocol, no exporter, no headers, no resource attributes),
 * so the server would start "with tracing on" and export nothing useful. config.ts reports each
 * problem as `<VARIABLE> <reason>`; values are never echoed (headers hold the collector's credentials).
 */

export const OTLP_PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
export const TRACES_EXPORTERS = ['otlp', 'console', 'none'] as const;
export const PROPAGATORS = ['tracecontext', 'b3', 'b3multi', 'none'] as const;
export const COMPRESSIONS = ['gzip', 'none'] as const;

/** The variables checked here (config.ts keeps them in its schema so they reach the check). */
export const OTEL_SETTING_NAMES = [
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_PROPAGATORS',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
] as const;
export type OtelSettingName = (typeof OTEL_SETTING_NAMES)[number];
export type OtelSettings = Partial<Record<OtelSettingName, string>>;

const list = (v: string) => v.split(',').map((s) => s.trim());
const oneOf = (allowed: readonly string[]) => `must be one of ${allowed.join(', ')}`;
const wholeNumber = (v: string, min: number) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number.isSafeInteger(Number(v));

/** `key=value` pairs separated by commas, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES take them. */
function pairsProblem(v: string, what: string): string | undefined {
  for (const [i, entry] of list(v).entries()) {
    const at = entry.indexOf('=');
    if (at <= 0) return `entry ${i + 1} is not key=value (a comma-separated list of ${what})`;
    try {
      decodeURIComponent(entry.slice(at + 1));
    } catch {
      return `entry ${i + 1} has a value that is not valid percent-encoding`;
    }
  }
  return undefined;
}

function problemOf(name: OtelSettingName, v: string): string | undefined {
  switch (name) {
    case 'OTEL_TRACES_EXPORTER': {
      const names = list(v);
      if (names.some((n) => !(TRACES_EXPORTERS as readonly string[]).includes(n))) return oneOf(TRACES_EXPORTERS);
      return names.includes('none') && names.length > 1 ? 'cannot list none with other exporters' : undefined;
    }
    case 'OTEL_EXPORTER_OTLP_PROTOCOL':
    case 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL':
      return (OTLP_PROTOCOLS as readonly string[]).includes(v.trim()) ? undefined : oneOf(OTLP_PROTOCOLS);
    case 'OTEL_EXPORTER_OTLP_HEADERS':
    case 'OTEL_EXPORTER_OTLP_TRACES_HEADERS':
      return pairsProblem(v, 'header=value pairs, values percent-encoded');
    case 'OTEL_RESOURCE_ATTRIBUTES':
      return pairsProblem(v, 'key=value pairs, values percent-encoded');
    case 'OTEL_EXPORTER_OTLP_TIMEOUT':
    case 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT':
      return wholeNumber(v, 1) ? undefined : 'must be a whole number of milliseconds, at least 1';
    case 'OTEL_EXPORTER_OTLP_COMPRESSION':
    case 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION':
      return (COMPRESSIONS as readonly string[]).includes(v.trim()) ? undefined : oneOf(COMPRESSIONS);
    case 'OTEL_BSP_SCHEDULE_DELAY':
    case 'OTEL_BSP_EXPORT_TIMEOUT':
      return wholeNumber(v, 0) ? undefined : 'must be a whole number of milliseconds';
    case 'OTEL_BSP_MAX_QUEUE_SIZE':
    case 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE':
    case 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT':
    case 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT':
      return wholeNumber(v, 1) ? undefined : 'must be a whole number, at least 1';
    case 'OTEL_PROPAGATORS': {
      const names = list(v);
      if (names.includes('baggage'))
        return "may not name baggage: the app does not take a client's baggage, which would be forwarded with every call to Toss";
      if (names.some((n) => !(PROPAGATORS as readonly string[]).includes(n))) return oneOf(PROPAGATORS);
      return names.includes('none') && names.length > 1 ? 'cannot list none with other propagators' : undefined;
    }
  }
}

/** The problems of the OTEL_* settings, each as [variable, reason]. */
export function otelSettingProblems(env: OtelSettings): Array<[OtelSettingName, string]> {
  const problems: Array<[OtelSettingName, string]> = [];
  for (const name of OTEL_SETTING_NAMES) {
    const value = env[name];
    if (value === undefined) continue;
    const problem = problemOf(name, value);
    if (problem) problems.push([name, problem]);
  }
  const queue = Number(env.OTEL_BSP_MAX_QUEUE_SIZE ?? 2048);
  const batch = Number(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ?? 512);
  if (problems.length === 0 && batch > queue) problems.push(['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'must not exceed OTEL_BSP_MAX_QUEUE_SIZE']);
  return problems;
}
