import type { IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { maskSql, outgoingUrlAttributes, redactedQuery, redisStatement } from './redaction';
import { tracesSampler } from './sampler';
import type { TelemetryConfig } from '../config';

/** Probes and the metrics scrape make no spans. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0];

/**
 * Starts the OpenTelemetry SDK: traces only, exported over OTLP as the standard OTEL_* variables
 * say (endpoint, protocol, headers, sampler, service name). main.ts calls it before any module of
 * the app is loaded, so the instrumentations patch mysql2, ioredis and http as they are required;
 * when tracing is off this module is never loaded. README "Observability" lists what spans carry.
 */
export function startTracing(traces: TelemetryConfig['traces']): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names the service when set.
    serviceName: traces.defaultServiceName ?? undefined,
    // Metrics are Prometheus's (/metrics), logs are pino's: the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    // OTEL_TRACES_SAMPLER as the SDK reads it, minus the background jobs' parentless statements.
    sampler: tracesSampler(traces),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOf(req.url)),
        // A GET /graphql carries the operation and its variables in the query string.
        startIncomingSpanHook: (req: IncomingMessage) => {
          const query = redactedQuery(req.url);
          return query === undefined ? {} : { 'url.query': query };
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
  return { shutdown: () => sdk.shutdown() };
}

const pathTemplateOf = (path: string) => outgoingUrlAttributes('', path)['url.path'];
