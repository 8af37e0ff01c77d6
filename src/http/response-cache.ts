import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { FormattedExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GraphQLContext } from '../context';
import { UNCACHEABLE, cachePolicyOf, type CachePolicy } from '../schema/cache-control';

/** What every answer says unless it is a clean, anonymous, public one. */
export const NO_STORE = 'private, no-store';

/** Answers over this many characters are served but not kept. */
const MAX_KEPT_CHARS = 256 * 1024;

type Kept = { storedAt: number; expiresAt: number; result: FormattedExecutionResult };

/** The JSON body of each kept answer's `data`, made once: a hit is not serialized again (see `stringifyResult`). */
const bodies = new WeakMap<object, string>();

/**
 * Apollo's `stringifyResult` (its own is `JSON.stringify(value) + '\n'`): the body of an answer
 * served from the response cache was written when it was kept.
 */
export function stringifyResult(value: FormattedExecutionResult): string {
  const kept = value.data && !value.errors && !value.extensions ? bodies.get(value.data) : undefined;
  return kept ?? JSON.stringify(value) + '\n';
}

function remember(kept: Kept): Kept {
  const data = kept.result.data;
  if (data && !bodies.has(data)) bodies.set(data, JSON.stringify({ data }) + '\n');
  return kept;
}

/**
 * HTTP caching of GraphQL answers (README "Caching"), as an Apollo plugin, so it applies to GET and
 * POST alike, after authentication, rate limits, validation and the operation checks.
 *
 * - `Cache-Control`: `public, max-age=<the answer's policy>` only for an anonymous request (no
 *   `Authorization` header at all) whose answer touches nothing personal (schema/cache-control.ts)
 *   and has no error; everything else is `private, no-store`.
 * - The shared response cache: such answers are kept for min(ttlSeconds, maxAge) in `shared`
 *   (Redis, every instance; null on the embedded profile) under the query's hash, operation name
 *   and variables, and served from there with an `Age` header. Each instance keeps a copy in
 *   process until the shared entry expires, so a hot page costs no round trip and no instance
 *   serves anything older than the TTL. Personal answers are never kept, so none can be shared.
 */
export function responseCachePlugin(options: {
  schema: GraphQLSchema;
  ttlSeconds: number;
  shared: KeyValueCache<string> | null;
}): ApolloServerPlugin<GraphQLContext> {
  const { schema, ttlSeconds, shared } = options;
  // About 32 MB of answers: each is held twice (the result's objects and its body text), counted by its JSON.
  const local = new LRUCache<string, Kept>({ maxSize: 32 * 2 ** 20 });
  const sizeOf = (key: string, text: string) => key.length + 2 * text.length;
  const keepFor = (policy: CachePolicy) => Math.min(ttlSeconds, policy.maxAge);

  async function lookUp(key: string): Promise<Kept | undefined> {
    const now = Date.now();
    const copy = local.get(key);
    if (copy && copy.expiresAt > now) return copy;
    if (!shared) return undefined;
    const text = await shared.get(key);
    if (!text) return undefined;
    const kept = JSON.parse(text) as Kept;
    if (kept.expiresAt <= now) return undefined;
    remember(kept);
    local.set(key, kept, { ttl: kept.expiresAt - now, size: sizeOf(key, text) });
    return kept;
  }

  async function keep(key: string, result: FormattedExecutionResult, seconds: number): Promise<void> {
    const storedAt = Date.now();
    const kept: Kept = { storedAt, expiresAt: storedAt + seconds * 1000, result };
    const text = JSON.stringify(kept);
    if (text.length > MAX_KEPT_CHARS) return;
    local.set(key, remember(kept), { ttl: seconds * 1000, size: sizeOf(key, text) });
    await shared?.set(key, text, { ttl: seconds });
  }

  return {
    async requestDidStart({ request, contextValue }) {
      // Anonymous means no Authorization header at all: a bad or expired token is never public.
      const anonymous = contextValue.auth.kind === 'anonymous' && !request.http?.headers.has('authorization');
      let policy: CachePolicy = UNCACHEABLE;
      let key: string | undefined;
      let hit: Kept | undefined;
      return {
        async didResolveOperation({ document, operation, queryHash }) {
          // No operation by that name: execution refuses it (OPERATION_RESOLUTION_FAILURE), nothing is served.
          if (!anonymous || !operation) return;
          policy = cachePolicyOf(schema, document, request.operationName);
          if (policy.scope !== 'PUBLIC' || keepFor(policy) <= 0) return;
          // The operation the request picked (named or not), and only the variables it declares, make the answer.
          key = keyOf(queryHash, operation.name?.value, declaredVariables(operation, request.variables));
        },
        async responseForOperation({ response }) {
          if (!key) return null;
          hit = await lookUp(key);
          if (!hit) return null;
          return { http: response.http, body: { kind: 'single', singleResult: hit.result } };
        },
        async willSendResponse({ response, errors }) {
          const headers = response.http.headers;
          const clean = !errors?.length && response.body.kind === 'single' && !response.body.singleResult.errors;
          if (!clean || policy.scope !== 'PUBLIC' || policy.maxAge <= 0) {
            headers.set('cache-control', NO_STORE);
            return;
          }
          headers.set('cache-control', `public, max-age=${policy.maxAge}`);
          // The body's media type follows Accept; cors answers per Origin; a CDN must not give it to a caller with a token.
          headers.set('vary', 'Accept, Origin, Authorization');
          if (hit) headers.set('age', String(Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000))));
          // Kept after the answer leaves (a store that fails only logs).
          else if (key && response.body.kind === 'single') void keep(key, response.body.singleResult, keepFor(policy));
        },
      };
    },
  };
}

/** The query's SHA-256 (Apollo's queryHash), the operation's name and the variables in a canonical order. */
function keyOf(queryHash: string, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): string {
  const material = `${queryHash}\n${operationName ?? ''}\n${canonicalJson(variables ?? {})}`;
  return `rc:${createHash('sha256').update(material).digest('base64url')}`;
}

function declaredVariables(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined) {
  const kept: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables && Object.prototype.hasOwnProperty.call(variables, name)) kept[name] = variables[name];
  }
  return kept;
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
