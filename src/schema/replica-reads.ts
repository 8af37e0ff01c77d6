import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from '../context';
import type { ReadRouter } from '../db/read-route';

/** Query fields whose resolvers read through `ctx.reads` (README "Scaling out"). */
const REPLICA_FIELDS = new Set<string>();

/**
 * Opt-in, on a `@Query` resolver (named as its field) that reads through `ctx.reads` and decides
 * nothing about money, stock or access: an operation made only of such fields may be served
 * from a read replica, its loaders included. Every other operation reads from the primary.
 */
export function ReplicaReads(): MethodDecorator {
  return (_target, key) => void REPLICA_FIELDS.add(String(key));
}

/**
 * Whether an operation only browses: a query whose every root field opted in with
 * `@ReplicaReads` (or is `__typename`). A fragment at the root counts as not browsing.
 */
export function browsesOnly(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || REPLICA_FIELDS.has(s.name.value)),
  );
}

/**
 * Routes each operation's reads once it is known: a browsing query to a healthy replica unless
 * its caller wrote within the write fence; a mutation fences its caller when it starts and again
 * when it ends (its own reads are on the primary anyway: it does not browse). Subscriptions never
 * reach Apollo and read from the primary.
 */
export function replicaRouting(router: ReadRouter): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation) return;
          if (operation.operation === 'mutation') await router.wrote(contextValue.auth);
          else if (browsesOnly(operation)) {
            const replica = await router.replicaFor(contextValue.auth);
            if (replica) contextValue.readFrom(replica, router.replicas);
          }
        },
        async willSendResponse({ operation, contextValue }) {
          if (operation?.operation === 'mutation') await router.wrote(contextValue.auth);
        },
      };
    },
  };
}
