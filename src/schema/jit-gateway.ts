import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, printSchema, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

const MAX_COMPILED = 500;

/**
 * Runs queries and mutations with graphql-jit instead of graphql-js's interpreter: each distinct
 * operation is compiled once into a JavaScript function and kept (up to 500, least recently
 * used out first). Apollo Server has no executor option of its own; its gateway interface is
 * the supported way to supply one. Parsing, validation, plugins and error formatting stay
 * Apollo's. Subscriptions (graphql-ws) do not go through here.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async load() {
      return {
        schema,
        executor: async (request) => {
          // No operation of that name in the document: graphql-jit would run the only one there is, so
          // answer as graphql-js does (Apollo turns it into OPERATION_RESOLUTION_FAILURE, HTTP 400).
          if (!request.operation) {
            const message = request.operationName
              ? `Unknown operation named "${request.operationName}".`
              : 'Must provide operation name if query contains multiple operations.';
            return { errors: [new GraphQLError(message)] };
          }
          const key = `${request.queryHash}:${request.operationName ?? ''}`;
          let query = compiled.get(key);
          if (query) {
            compiled.delete(key); // re-insert: the Map's order is the LRU order
          } else {
            const result = compileQuery(schema, request.document, request.operationName ?? undefined);
            if (!isCompiledQuery(result)) return result as ExecutionResult;
            query = result;
            if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
          }
          compiled.set(key, query);
          // Bad variables never reach here: the query-limits plugin coerces them first (BAD_USER_INPUT).
          return (await query.query(undefined, request.context, request.request.variables ?? {})) as ExecutionResult;
        },
      };
    },
    async stop() {},
  };
}
