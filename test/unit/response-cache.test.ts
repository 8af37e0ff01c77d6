import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { getOperationAST, parse, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { createHash } from 'node:crypto';
import { ANONYMOUS } from '../../src/auth/identity';
import type { GraphQLContext } from '../../src/context';
import { responseCachePlugin } from '../../src/http/response-cache';
import { buildAppSchema } from '../../src/schema/build-schema';

// The in-process copy of the shared response cache (issue 18: a lean server, under 200 MB). What it
// keeps cannot be seen deterministically through the endpoint (the Redis copy answers too, and the
// TTL runs meanwhile), so these drive the plugin's hooks the way Apollo calls them for one
// anonymous GET, on the embedded profile's set-up (no shared store: the process copy is the cache).

const QUERY = 'query Page($minPrice: Int) { products(minPrice: $minPrice) { totalCount } }';
const document = parse(QUERY);
const queryHash = createHash('sha256').update(QUERY).digest('hex');

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

type Listener = GraphQLRequestListener<GraphQLContext>;

/** One anonymous request through the plugin: a hit answers from the cache, a miss "executes" to `result`. */
async function request(plugin: ApolloServerPlugin<GraphQLContext>, minPrice: number, result: FormattedExecutionResult) {
  const { response, answer, send } = await begin(plugin, minPrice);
  const hit = (await answer) as { body: { singleResult: FormattedExecutionResult } } | null;
  const body = { kind: 'single' as const, singleResult: hit ? hit.body.singleResult : result };
  await send(body.singleResult);
  return {
    hit: hit !== null,
    cacheControl: response.http.headers.get('cache-control') ?? null,
    age: response.http.headers.get('age') ?? null,
    body,
  };
}

const page = (filler: string, n: number): FormattedExecutionResult => ({ data: { products: { totalCount: n, filler } } });

describe('response cache plugin, in process', () => {
  it('keeps a clean anonymous public answer and serves it again, with an Age header', async () => {
    const plugin = responseCachePlugin({ schema, ttlSeconds: 60, shared: null });
    const first = await request(plugin, 1, page('a', 1));
    expect(first).toMatchObject({ hit: false, cacheControl: 'public, max-age=10', age: null });
    const second = await request(plugin, 1, page('changed', 1));
    expect(second).toMatchObject({ hit: true, cacheControl: 'public, max-age=10', age: '0' });
    expect(second.body.singleResult).toEqual(page('a', 1));
    expect((await request(plugin, 2, page('b', 2))).hit).toBe(false);
  });

  it('does not keep an answer over 256 K characters', async () => {
    const plugin = responseCachePlugin({ schema, ttlSeconds: 60, shared: null });
    const huge = 'x'.repeat(256 * 1024 + 1);
    expect((await request(plugin, 1, page(huge, 1))).hit).toBe(false);
    expect((await request(plugin, 1, page(huge, 1))).hit).toBe(false);
  });

  // Found by this test: the LRU once counted `key.length + 1024` per entry whatever the answer, so its
  // 32 MiB bounded the number of entries (~32,000) instead of their size. It counts each answer's JSON now.
  it('holds at most about 32 MB of answers: 200 answers of 250,000 characters push the first ones out', async () => {
    const plugin = responseCachePlugin({ schema, ttlSeconds: 60, shared: null });
    const filler = 'x'.repeat(250_000);
    for (let n = 0; n < 200; n++) expect((await request(plugin, n, page(filler, n))).hit).toBe(false);
    // The latest answer is still kept; the oldest cannot all be (200 x 250,000 characters > 32 MiB).
    expect((await request(plugin, 199, page('', 199))).hit).toBe(true);
    expect((await request(plugin, 0, page('', 0))).hit).toBe(false);
  });

  it('makes a missing answer once: requests that arrive meanwhile wait for the first one and get its answer', async () => {
    const plugin = responseCachePlugin({ schema, ttlSeconds: 60, shared: null });
    const leader = await begin(plugin, 7);
    expect(await leader.answer).toBeNull(); // it runs the operation, reading the primary: its answer is kept
    expect(leader.readsFromPrimary()).toBe(1);
    const follower = await begin(plugin, 7);
    let settled = false;
    void follower.answer.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // waiting for the leader, not running it
    await leader.send(page('made once', 7));
    expect((await follower.answer)?.body.singleResult).toEqual(page('made once', 7));
    expect(follower.readsFromPrimary()).toBe(0);
  });

  it('lets the waiting requests run their own when the first one fails', async () => {
    const plugin = responseCachePlugin({ schema, ttlSeconds: 60, shared: null });
    const leader = await begin(plugin, 8);
    await leader.answer;
    const follower = await begin(plugin, 8);
    await leader.send({ errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(await follower.answer).toBeNull();
    // It runs the operation itself, and keeps its answer: on the primary too.
    expect(follower.readsFromPrimary()).toBe(1);
    expect(leader.response.http.headers.get('cache-control')).toBe('private, no-store');
  });

  it('refreshes ahead: in the last fifth of its life one request makes the answer again while the others are served the kept one', async () => {
    let now = 1_000_000;
    const plugin = responseCachePlugin({ schema, ttlSeconds: 5, shared: null, now: () => now });
    expect((await request(plugin, 9, page('a', 9))).hit).toBe(false);
    now += 3_900; // before the last fifth of its 5 s: served as kept, nothing runs
    expect(await request(plugin, 9, page('not run', 9))).toMatchObject({ hit: true, age: '3', body: { singleResult: page('a', 9) } });
    now += 200; // 4.1 s: the first request makes it again, on the primary
    const refresher = await begin(plugin, 9);
    expect(await refresher.answer).toBeNull();
    expect(refresher.readsFromPrimary()).toBe(1);
    // Meanwhile the others are served the kept answer at once: none waits, none runs it.
    const other = await begin(plugin, 9);
    expect((await other.answer)?.body.singleResult).toEqual(page('a', 9));
    expect(other.readsFromPrimary()).toBe(0);
    await refresher.send(page('b', 9));
    expect(await request(plugin, 9, page('not run', 9))).toMatchObject({ hit: true, age: '0', body: { singleResult: page('b', 9) } });
    // Nothing is served older than the TTL: with no request in its last second, an answer expires.
    now += 5_001;
    expect(await request(plugin, 9, page('c', 9))).toMatchObject({ hit: false, body: { singleResult: page('c', 9) } });
  });

  it('serves the kept answer to the others while a refresh fails, and lets the next request try again', async () => {
    let now = 2_000_000;
    const plugin = responseCachePlugin({ schema, ttlSeconds: 5, shared: null, now: () => now });
    await request(plugin, 10, page('a', 10));
    now += 4_500;
    const refresher = await begin(plugin, 10);
    expect(await refresher.answer).toBeNull();
    await refresher.send({ errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(refresher.response.http.headers.get('cache-control')).toBe('private, no-store');
    // The failed refresh kept nothing: the next request in the window makes it again.
    const again = await begin(plugin, 10);
    expect(await again.answer).toBeNull();
    await again.send(page('b', 10));
    expect((await request(plugin, 10, page('not run', 10))).body.singleResult).toEqual(page('b', 10));
  });
});

/** One anonymous request, started: resolved and asked for a cached answer; `send` finishes it with `result`. */
async function begin(plugin: ApolloServerPlugin<GraphQLContext>, minPrice: number) {
  const start = plugin.requestDidStart as (arg: unknown) => Promise<Listener>;
  const http = { method: 'GET', headers: new HeaderMap(), search: '', body: undefined };
  // Counts the switches of the request's reads to the primary (a kept answer is never made from a replica).
  const contextValue = { auth: ANONYMOUS, readFromPrimary: jest.fn() };
  const listener = await start({
    request: { query: QUERY, operationName: 'Page', variables: { minPrice }, http },
    contextValue,
  });
  await listener.didResolveOperation!({
    document,
    operation: getOperationAST(document, 'Page'),
    operationName: 'Page',
    queryHash,
  } as never);
  const response = { http: { headers: new HeaderMap(), status: undefined } };
  const answer = listener.responseForOperation!({ response } as never) as Promise<{ body: { singleResult: unknown } } | null>;
  const send = (result: FormattedExecutionResult) =>
    listener.willSendResponse!({
      response: { http: response.http, body: { kind: 'single', singleResult: result } },
      errors: undefined,
    } as never);
  return { response, answer, send, readsFromPrimary: () => contextValue.readFromPrimary.mock.calls.length };
}
