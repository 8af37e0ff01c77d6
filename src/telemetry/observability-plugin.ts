import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../context';
import type { OperationType, RequestMetrics } from './metrics';
import { activeOperationSpan, failOperation, nameOperation } from './operation-span';

/** What the GraphQL pipeline observes: metrics (null: off) and whether operation spans are made (tracing on). */
export type PipelineTelemetry = { metrics: RequestMetrics | null; tracing: boolean };

/**
 * Each query and mutation Apollo runs (HTTP and WebSocket): its duration by operation type and
 * name, the refusals among its errors (and those of HTTP admission, raised while the context is
 * made), and its operation span named by the operation once it is known.
 */
export function observability(telemetry: PipelineTelemetry): ApolloServerPlugin<GraphQLContext> {
  const { metrics, tracing } = telemetry;
  return {
    async contextCreationDidFail({ error }) {
      metrics?.refusal((error as GraphQLError).extensions?.code);
    },
    async requestDidStart() {
      const started = performance.now();
      const span = tracing ? activeOperationSpan() : undefined;
      let type: OperationType = 'unknown';
      let name: string | undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          type = (operation?.operation ?? 'unknown') as OperationType;
          name = operationName ?? undefined;
          if (span) nameOperation(span, type, name);
        },
        async didEncounterErrors({ errors }) {
          const codes = errors.map((e) => e.extensions?.code);
          if (metrics) for (const code of codes) metrics.refusal(code);
          if (span) failOperation(span, codes);
        },
        async willSendResponse() {
          metrics?.operation(type, name, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
