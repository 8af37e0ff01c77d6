import {
  GraphQLError,
  Kind,
  getOperationAST,
  getVariableValues,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from './errors';

export type QueryLimits = { maxDepth: number; maxAliases: number; maxComplexity: number };

// Refusals of the client's request: HTTP 400 (a plugin's throw would otherwise be a 500).
const tooComplex = (message: string, extensions: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, ...extensions } });

/** How deeply the document's deepest operation nests fields (introspection fields aside; fragments followed). */
export function documentDepth(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const depthOf = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!sel.name.value.startsWith('__')) deepest = Math.max(deepest, 1 + depthOf(sel.selectionSet, seen));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(sel.selectionSet, seen));
      } else if (!seen.has(sel.name.value)) {
        deepest = Math.max(deepest, depthOf(fragments.get(sel.name.value)?.selectionSet, new Set([...seen, sel.name.value])));
      }
    }
    return deepest;
  };
  let deepest = 0;
  for (const def of document.definitions)
    if (def.kind === Kind.OPERATION_DEFINITION) deepest = Math.max(deepest, depthOf(def.selectionSet, new Set()));
  return deepest;
}

/** How many aliases the document uses (each one repeats a field's work). */
export function aliasCount(document: DocumentNode): number {
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  return aliases;
}

/** One operation as every transport sees it once parsed: what the operation checks look at. */
export type OperationInput = {
  document: DocumentNode;
  /** The source text (checks that only need to look at some texts use it to skip the walk). */
  query: string;
  /** Apollo's hash of `query` when it has one (a shorter memo key). */
  queryHash?: string;
  variables: Record<string, unknown>;
  operationName: string | null | undefined;
};
/** A rule every operation must pass on every transport; throws a coded GraphQLError to refuse it. */
export type OperationCheck = (operation: OperationInput) => void;

/**
 * Refuses, with QUERY_TOO_COMPLEX, operations nested deeper than `maxDepth`, using more than
 * `maxAliases` aliases, or estimated to cost more than `maxComplexity`: each field costs 1, and
 * list fields cost their children's times the page size (`complexity` on the field). Batched
 * requests are refused by Apollo Server itself (batching is off).
 */
export function queryLimits(schema: GraphQLSchema, limits: QueryLimits): OperationCheck {
  // The same operation with the same variables always gets the same verdict: remember the passes
  // (a storefront sends a handful of operations over and over).
  const passed = new Map<string, true>();
  return ({ document, query, queryHash, variables, operationName }) => {
    const key = `${queryHash ?? query}:${operationName ?? ''}:${JSON.stringify(variables)}`;
    if (passed.has(key)) return;
    const depth = documentDepth(document);
    if (depth > limits.maxDepth)
      throw tooComplex(`The operation is ${depth} levels deep; at most ${limits.maxDepth} are allowed.`, {
        depth,
        max: limits.maxDepth,
      });
    const aliases = aliasCount(document);
    if (aliases > limits.maxAliases)
      throw tooComplex(`The operation uses ${aliases} aliases; at most ${limits.maxAliases} are allowed.`, {
        aliases,
        max: limits.maxAliases,
      });
    // Variables are coerced once, stopping at the first problem: graphql-js would otherwise report
    // every one, each message printing the whole value (quadratic in a wide object's keys).
    const operation = getOperationAST(document, operationName ?? undefined);
    // No such operation: execution answers OPERATION_RESOLUTION_FAILURE (the cost estimate would fail on it).
    if (!operation) return;
    const problems = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 }).errors;
    if (problems?.length) {
      const [first] = problems;
      throw new GraphQLError(shorten(first.message), { nodes: first.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } });
    }
    let cost: number;
    try {
      cost = getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables,
        estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (err) {
      // The estimate coerces the variables first: a bad one is the client's input, not our failure.
      if (err instanceof GraphQLError)
        throw new GraphQLError(err.message, { nodes: err.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } });
      throw err;
    }
    if (cost > limits.maxComplexity) {
      throw tooComplex(`The operation costs ${cost}; at most ${limits.maxComplexity} is allowed. Ask for fewer items or fields.`, {
        cost,
        max: limits.maxComplexity,
      });
    }
    if (key.length > 2048) return; // only small keys are worth remembering
    if (passed.size >= 1000) passed.delete(passed.keys().next().value!);
    passed.set(key, true);
  };
}

/** A message that quotes a client's value is cut to a readable length. */
const shorten = (message: string) => (message.length > 500 ? `${message.slice(0, 500)}…` : message);

/** For list fields with a page size: `@Query(..., { complexity: pageComplexity(20) })`. */
export const pageComplexity =
  (fallback: number) =>
  ({ args, childComplexity }: { args: Record<string, unknown>; childComplexity: number }) =>
    1 + childComplexity * (typeof args.first === 'number' && args.first > 0 ? args.first : fallback);
