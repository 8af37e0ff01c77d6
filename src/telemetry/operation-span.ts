import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

/**
 * The GraphQL operation's span, by the GraphQL semantic conventions: named by the operation type
 * (`query`, `mutation`, `subscription`), with `graphql.operation.type` and `graphql.operation.name`.
 * Never the document's variables. It is the active span while the operation runs, so the SQL,
 * Redis and Toss spans of its resolvers are its children. Only the OpenTelemetry API is used here:
 * without the SDK (tracing off) the pipeline does not call any of this.
 */
const tracer = () => trace.getTracer('marketplace-api');
/** The spans made here, told apart from whatever other span is active. */
const operationSpans = new WeakSet<Span>();
/** The name a span has before its operation is known (a request that never gets that far keeps it). */
const PENDING_NAME = 'graphql';
const MAX_NAME_CHARS = 100;

/** HTTP: opens the operation span around the rest of the request; it ends when the response does. */
export const httpOperationSpan: RequestHandler = (_req, res, next) => {
  tracer().startActiveSpan(PENDING_NAME, { kind: SpanKind.INTERNAL }, (span) => {
    operationSpans.add(span);
    res.once('close', () => span.end());
    next();
  });
};

/** WebSocket: runs `work` (a query, a mutation, a subscription's start) in a span of its own. */
export function inOperationSpan<T>(operation: { kind: string; operationName?: string }, work: () => Promise<T> | T): Promise<T> {
  return tracer().startActiveSpan(operation.kind, { kind: SpanKind.SERVER }, async (span) => {
    operationSpans.add(span);
    nameOperation(span, operation.kind, operation.operationName);
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

/** The operation span of the running request, if there is one. */
export function activeOperationSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span && operationSpans.has(span) ? span : undefined;
}

export function nameOperation(span: Span, type: string, name: string | undefined): void {
  span.updateName(type);
  span.setAttribute('graphql.operation.type', type);
  if (name) span.setAttribute('graphql.operation.name', name.slice(0, MAX_NAME_CHARS));
}

/** Marks the span failed with the answer's error codes (never the messages, which may quote input). */
export function failOperation(span: Span, codes: readonly unknown[]): void {
  const distinct = [...new Set(codes.map((c) => String(c ?? 'UNKNOWN')))];
  span.setAttribute('graphql.error.codes', distinct);
  span.setStatus({ code: SpanStatusCode.ERROR, message: distinct.join(',') });
}
