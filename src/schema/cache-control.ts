import { Directive } from 'type-graphql';
import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLInt,
  Kind,
  getDirectiveValues,
  getOperationAST,
  getNamedType,
  isAbstractType,
  isCompositeType,
  type DocumentNode,
  type FieldDefinitionNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type TypeDefinitionNode,
} from 'graphql';

/**
 * HTTP cache hints, as Apollo Server's `@cacheControl` directive defines them
 * (https://www.apollographql.com/docs/apollo-server/performance/caching): on object types and
 * fields of the schema (`@Directive('@cacheControl(maxAge: 10)')` in the resolvers), read here
 * from the operation's document before it runs, not by wrapping every resolver at run time.
 */
export const CacheControlScope = new GraphQLEnumType({
  name: 'CacheControlScope',
  values: { PUBLIC: {}, PRIVATE: {} },
});

export const cacheControlDirective = new GraphQLDirective({
  name: 'cacheControl',
  description: 'HTTP cache hint of a type or field (README "Caching"); an answer is cacheable for the smallest maxAge it touches.',
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT, DirectiveLocation.INTERFACE, DirectiveLocation.UNION],
  args: { maxAge: { type: GraphQLInt }, scope: { type: CacheControlScope }, inheritMaxAge: { type: GraphQLBoolean } },
});

/** How long an answer may be kept, and by whom: PUBLIC (any cache, shared between callers) or PRIVATE (never shared). */
export type CachePolicy = { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' };

type Hint = { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE'; inheritMaxAge?: boolean };

export const UNCACHEABLE: CachePolicy = Object.freeze({ maxAge: 0, scope: 'PRIVATE' });

/**
 * The cache policy of one operation of `document`, by Apollo's rules: a field takes its own hint,
 * else its type's hint; a root field, or a field returning an object, with no maxAge (and no
 * `inheritMaxAge`) makes the answer uncacheable; a leaf field without a hint adds nothing. The
 * answer's maxAge is the smallest of the fields it touches, and PRIVATE wins over PUBLIC.
 * Fields under `@skip`/`@include` and every type a fragment may apply to count (a conservative
 * reading: an answer is never more cacheable than what it could contain). Mutations and
 * subscriptions are never cacheable. Memoized per document (Apollo reuses a document per query text).
 */
export function cachePolicyOf(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): CachePolicy {
  let byOperation = memo.get(document);
  if (!byOperation) memo.set(document, (byOperation = new Map()));
  const key = operationName ?? '';
  let policy = byOperation.get(key);
  if (!policy) byOperation.set(key, (policy = compute(schema, document, operationName)));
  return policy;
}

const memo = new WeakMap<DocumentNode, Map<string, CachePolicy>>();

function compute(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): CachePolicy {
  // An empty name counts as none (as the memo's key does).
  const operation = getOperationAST(document, operationName || undefined);
  const root = schema.getQueryType();
  if (!operation || operation.operation !== 'query' || !root) return UNCACHEABLE;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let maxAge = Infinity;
  let scope: CachePolicy['scope'] = 'PUBLIC';
  const restrict = (age: number) => (maxAge = Math.min(maxAge, age));

  const walk = (types: readonly GraphQLCompositeType[], selections: SelectionSetNode, isRoot: boolean, seen: Set<string>): void => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : undefined;
        walk(on && isCompositeType(on) ? possible(schema, on) : types, selection.selectionSet, isRoot, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        const inner = new Set(seen).add(fragment.name.value);
        walk(on && isCompositeType(on) ? possible(schema, on) : types, fragment.selectionSet, isRoot, inner);
      } else {
        if (selection.name.value.startsWith('__')) continue; // __typename: nothing personal, no hint
        for (const type of types) {
          if (!('getFields' in type)) continue;
          const field = type.getFields()[selection.name.value];
          if (!field) continue;
          const returned = getNamedType(field.type);
          const hint = { ...typeHint(returned), ...fieldHint(field) };
          if (hint.scope === 'PRIVATE') scope = 'PRIVATE';
          if (hint.maxAge !== undefined) restrict(hint.maxAge);
          // A root field has no parent to inherit from: without its own maxAge it is uncacheable.
          else if (isRoot || (isCompositeType(returned) && !hint.inheritMaxAge)) restrict(0);
          if (selection.selectionSet && isCompositeType(returned)) walk(possible(schema, returned), selection.selectionSet, false, seen);
        }
      }
    }
  };
  walk([root], operation.selectionSet, true, new Set());
  return maxAge === Infinity || maxAge <= 0 ? UNCACHEABLE : { maxAge, scope };
}

/** The type and every object type a selection on it may meet (so a hint on any of them counts). */
const possible = (schema: GraphQLSchema, type: GraphQLCompositeType): GraphQLCompositeType[] =>
  isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];

const typeHints = new WeakMap<GraphQLNamedType, Hint>();
const fieldHints = new WeakMap<GraphQLField<unknown, unknown>, Hint>();

function typeHint(type: GraphQLNamedType): Hint {
  let hint = typeHints.get(type);
  if (!hint) typeHints.set(type, (hint = readHint(type.astNode)));
  return hint;
}

function fieldHint(field: GraphQLField<unknown, unknown>): Hint {
  let hint = fieldHints.get(field);
  if (!hint) fieldHints.set(field, (hint = readHint(field.astNode)));
  return hint;
}

function readHint(node: TypeDefinitionNode | FieldDefinitionNode | null | undefined): Hint {
  if (!node || !('directives' in node) || !node.directives?.length) return {};
  const values = getDirectiveValues(cacheControlDirective, node) as Hint | undefined;
  if (!values) return {};
  const hint: Hint = {};
  if (typeof values.maxAge === 'number') hint.maxAge = values.maxAge;
  if (values.scope) hint.scope = values.scope;
  if (values.inheritMaxAge) hint.inheritMaxAge = true;
  return hint;
}

/** The hints of the schema (README "Caching"): seconds a public answer touching them may be kept. */
export const MAX_AGE = { product: 10, category: 60, image: 60, carrier: 3600 } as const;
/** `@cacheControl(maxAge)` on a type or field. */
export const CacheMaxAge = (seconds: number) => Directive(`@cacheControl(maxAge: ${seconds})`);
/** A wrapper type or field (connection, edge, page info, a product's seller) adds no limit of its own. */
export const CacheInherit = () => Directive('@cacheControl(inheritMaxAge: true)');
/** Personal: an answer touching it is never shared (`private, no-store`). */
export const CachePrivate = () => Directive('@cacheControl(scope: PRIVATE)');
