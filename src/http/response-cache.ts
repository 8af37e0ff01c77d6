import type { ApolloServerPlugin, GraphQLResponse, HTTPGraphQLHead } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { FormattedExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GraphQLContext } from '../context';
import { UNCACHEABLE, cachePolicyOf, type CachePolicy } from '../schema/cache-control';

/** What every answer says unless it is a clean, anonymous, public one. */
export const NO_STORE = 'private, no-store';

/** How long a request waits for the same answer being made by another request of this instance. */
const WAIT_FOR_LEADER_MS = 5_000;

/**
 * The last part of a kept answer's life (a fifth: the last second of the default 5 s) in which one
 * request of the instance makes it again while the others are still served the kept one.
 */
const REFRESH_AHEAD = 0.2;

/** Answers over this many characters are served but not kept. */
const MAX_KEPT_CHARS = 256 * 1024;

type Kept = { storedAt: number; expiresAt: number; result: FormattedExecutionResult };

/** Whether a kept answer is in the last part of its life, when one request makes it again. */
const dueForRefresh = (kept: Kept, now: number) => now >= kept.expiresAt - (kept.expiresAt - kept.storedAt) * REFRESH_AHEAD;

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

/**
 * Notes the body of a kept answer (`resultJson`: its result's JSON, made once, also for the stored
 * text). An answer of data alone (no errors are kept) is sent exactly as that JSON.
 */
function remember(kept: Kept, resultJson: string): Kept {
  const { data, extensions } = kept.result;
  if (data && !extensions) bodies.set(data, resultJson + '\n');
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
 *   An answer that will be kept is made from the primary, never a read replica (README "Scaling
 *   out"): a kept answer is at most the TTL old, not the replica's lag plus the TTL.
 * - When an entry is missing (or just expired), the first request for it in this instance runs
 *   the operation and the others that arrive meanwhile wait for its answer (at most
 *   WAIT_FOR_LEADER_MS; if it errs they run their own), instead of every connection running it.
 * - Refresh ahead: in the last fifth of an entry's life the first request runs the operation again
 *   and keeps its answer, while the others are still served the entry. A busy page therefore never
 *   expires under load (no request waits), and nothing served is older than the TTL.
 */
export function responseCachePlugin(options: {
  schema: GraphQLSchema;
  ttlSeconds: number;
  shared: KeyValueCache<string> | null;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}): ApolloServerPlugin<GraphQLContext> {
  const { schema, ttlSeconds, shared, now: clock = Date.now } = options;
  // About 32 MB of answers: each is held twice (the result's objects and its body text), counted by its JSON.
  const local = new LRUCache<string, Kept>({ maxSize: 32 * 2 ** 20 });
  const sizeOf = (key: string, text: string) => key.length + 2 * text.length;
  const keepFor = (policy: CachePolicy) => Math.min(ttlSeconds, policy.maxAge);
  /** Answers being made in this instance, by key: later requests for the same key wait for them. */
  const making = new Map<string, Promise<Kept | undefined>>();

  async function waitFor(made: Promise<Kept | undefined>): Promise<Kept | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), WAIT_FOR_LEADER_MS)));
    try {
      return await Promise.race([made, gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function lookUp(key: string, now: number): Promise<Kept | undefined> {
    const copy = local.get(key);
    if (copy && copy.expiresAt > now) return copy;
    if (!shared) return undefined;
    const text = await shared.get(key);
    if (!text) return undefined;
    const kept = JSON.parse(text) as Kept;
    if (kept.expiresAt <= now) return undefined;
    local.set(key, remember(kept, JSON.stringify(kept.result)), { ttl: kept.expiresAt - now, size: sizeOf(key, text) });
    return kept;
  }

  /** Keeps an answer in process at once and in the shared store after (a store that fails only logs). */
  function keep(key: string, result: FormattedExecutionResult, seconds: number): Kept | undefined {
    const storedAt = clock();
    const kept: Kept = { storedAt, expiresAt: storedAt + seconds * 1000, result };
    // The result is serialized once: for the shared store's text and for the answer's body.
    const resultJson = JSON.stringify(result);
    const text = `{"storedAt":${storedAt},"expiresAt":${kept.expiresAt},"result":${resultJson}}`;
    if (text.length > MAX_KEPT_CHARS) return undefined;
    local.set(key, remember(kept, resultJson), { ttl: seconds * 1000, size: sizeOf(key, text) });
    void shared?.set(key, text, { ttl: seconds });
    return kept;
  }

  return {
    async requestDidStart({ request, contextValue }) {
      // Anonymous means no Authorization header at all: a bad or expired token is never public.
      const anonymous = contextValue.auth.kind === 'anonymous' && !request.http?.headers.has('authorization');
      let policy: CachePolicy = UNCACHEABLE;
      let key: string | undefined;
      let hit: Kept | undefined;
      /** Set when this request makes an answer others wait for: settles them (with nothing if it fails). */
      let settle: ((kept: Kept | undefined) => void) | undefined;
      const served = (response: { http: HTTPGraphQLHead }, kept: Kept): GraphQLResponse => ({
        http: response.http,
        body: { kind: 'single', singleResult: kept.result },
      });
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
          const now = clock();
          hit = await lookUp(key, now);
          const made = making.get(key);
          // Served as kept, unless it is due for a refresh that no request of this instance is making yet.
          if (hit && (made || !dueForRefresh(hit, now))) return served(response, hit);
          if (made) {
            hit = await waitFor(made);
            if (hit) return served(response, hit);
          } else {
            // Missing, or due for a refresh: this request makes the answer (and keeps it), the others wait or hit.
            hit = undefined;
            const mine = new Promise<Kept | undefined>((resolve) => (settle = resolve));
            making.set(key, mine);
            void mine.then(() => making.get(key!) === mine && making.delete(key!));
          }
          // This request makes an answer that will be kept (and served for up to the TTL): made from
          // the primary, so nothing kept is older than when it was kept (a replica's answer could
          // already be the lag bound old, and the cache would add its TTL to that).
          contextValue.readFromPrimary();
          return null;
        },
        async willSendResponse({ response, errors }) {
          const headers = response.http.headers;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const clean = !errors?.length && result !== undefined && !result.errors;
          if (!clean || policy.scope !== 'PUBLIC' || policy.maxAge <= 0) {
            headers.set('cache-control', NO_STORE);
            settle?.(undefined);
            return;
          }
          headers.set('cache-control', `public, max-age=${policy.maxAge}`);
          // The body's media type follows Accept; cors answers per Origin; a CDN must not give it to a caller with a token.
          headers.set('vary', 'Accept, Origin, Authorization');
          if (hit) headers.set('age', String(Math.max(0, Math.floor((clock() - hit.storedAt) / 1000))));
          // A request that made the answer keeps it, and hands it to those waiting for it (none if it was too large).
          const kept = key && !hit ? keep(key, result, keepFor(policy)) : undefined;
          settle?.(kept);
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
