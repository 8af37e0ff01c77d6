import type { IncomingMessage } from 'node:http';
import { NodeSDK, core } from '@opentelemetry/sdk-node';
import { getSpanProcessorsFromEnv } from '@opentelemetry/sdk-node/build/src/utils';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { maskSql, outgoingUrlAttributes, redactedQuery, redisStatement } from './redaction';
import { tracesSampler } from './sampler';
import { ErrorTextScrubber, trustedClientAddress } from './span-hygiene';
import type { TelemetryConfig } from '../config';
import type { TrustProxy } from '../trust-proxy';

/** Probes and the metrics scrape make no spans. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0];

export type Tracing = {
  /**
   * The port of the app's own server, known once it listens: incoming requests on any other port
   * of this process (the embedded profile's Toss sandbox, whose paths hold payment keys) make no
   * spans, and neither does anything before this is called.
   */
  traceServerOn(port: number): void;
  shutdown(): Promise<void>;
};

/**
 * Starts the OpenTelemetry SDK: traces only, exported over OTLP as the standard OTEL_* variables
 * say (endpoint, protocol, headers, batching, service name; config.ts has checked them). main.ts
 * calls it before any module of the app is loaded, so the instrumentations patch mysql2, ioredis
 * and http as they are required; when tracing is off this module is never loaded. README
 * "Observability" lists what spans carry.
 */
export function startTracing(traces: TelemetryConfig['traces'], trustProxy: TrustProxy): Tracing {
  let serverPort: number | null = null;
  const clientAddress = trustedClientAddress(trustProxy);
  const exporting = getSpanProcessorsFromEnv(undefined);
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names the service when set.
    serviceName: traces.defaultServiceName ?? undefined,
    // Metrics are Prometheus's (/metrics), logs are pino's: the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    // Error texts lose their values before any exporter sees a span (OTEL_TRACES_EXPORTER=none: no spans at all).
    spanProcessors: exporting.length > 0 ? [new ErrorTextScrubber(), ...exporting] : [],
    spanLimits: { attributeValueLengthLimit: traces.attributeValueLengthLimit },
    // W3C trace context only, unless OTEL_PROPAGATORS names others (never `baggage`: config.ts
    // refuses it, as a client's baggage would be forwarded with every call to Toss).
    textMapPropagator: traces.propagatorsFromEnv ? undefined : new core.W3CTraceContextPropagator(),
    // OTEL_TRACES_SAMPLER as the SDK reads it, minus the background jobs' parentless statements,
    // and with no say for an incoming traceparent's sampled flag.
    sampler: tracesSampler(traces),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.socket?.localPort !== serverPort || UNTRACED_PATHS.has(pathOf(req.url)),
        startIncomingSpanHook: (req: IncomingMessage) => {
          // A GET /graphql carries the operation and its variables in the query string.
          const query = redactedQuery(req.url);
          const address = clientAddress(req);
          return { ...(query === undefined ? {} : { 'url.query': query }), ...(address ? { 'client.address': address } : {}) };
        },
        // Outgoing calls over node:http (S3): the path as a template, never the query.
        startOutgoingSpanHook: (options) => {
          const path = typeof options.path === 'string' ? options.path : '/';
          return { 'url.full': `${options.protocol ?? 'http:'}//${options.hostname ?? options.host ?? ''}${pathTemplateOf(path)}` };
        },
      }),
      new UndiciInstrumentation({
        // Toss calls (ofetch on native fetch): the URL as a template; headers (the secret key) never recorded.
        startSpanHook: (request) => outgoingUrlAttributes(request.origin, request.path),
      }),
      new MySQL2Instrumentation({ maskStatement: true, maskStatementHook: maskSql }),
      new IORedisInstrumentation({ dbStatementSerializer: redisStatement, requireParentSpan: true }),
    ],
  });
  sdk.start();
  return {
    traceServerOn: (port) => {
      serverPort = port;
    },
    shutdown: () => sdk.shutdown(),
  };
}

const pathTemplateOf = (path: string) => outgoingUrlAttributes('', path)['url.path'];
