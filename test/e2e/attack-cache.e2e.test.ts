import { createHash } from 'node:crypto';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import Redis from 'ioredis';
import { TEST_INVITE_CODE, signUpAs, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import type { GraphQLErrorShape } from '../helpers/graphql-client';
import { EMBEDDED, TEST_REDIS_URL, itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { connectWs, runOverWs } from '../helpers/ws-client';

/**
 * Attacks on issue #18's caching (automatic persisted queries, queries over GET, cache hints,
 * Cache-Control and the shared response cache), with the response cache on. Each test is named
 * after the rule it checks: a passing one proves the rule holds, a failing one is a finding.
 *
 * A hit of the shared response cache is recognised by its `Age` header (only cached answers carry one).
 */
let t: TestApp;
let seller: TestAccount;
let customer: TestAccount;
let admin: TestAccount;
let visible: { id: string; name: string };
let hidden: { id: string; name: string };

beforeAll(async () => {
  t = await startTestApp({ RESPONSE_CACHE_TTL_SECONDS: '30', ADMIN_INVITE_CODE: TEST_INVITE_CODE });
  [seller, customer, admin] = [await signUpAs(t.client, 'SELLER'), await signUpAs(t.client, 'CUSTOMER'), await signUpAs(t.client, 'ADMIN')];
  visible = await createProduct(t.client, seller.token, { name: 'visible cache product' });
  hidden = await createProduct(t.client, seller.token, { name: 'hidden cache product', status: 'HIDDEN' });
}, 60_000);
afterAll(() => t?.close());

type Body = { data?: Record<string, any> | null; errors?: GraphQLErrorShape[] };
type Res = { status: number; headers: Headers; body: Body };

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const pq = (hash: unknown) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** A text of its own for each use (a leading comment), so no test meets another's cached answers. */
let texts = 0;
const fresh = (query: string) => `# attack-cache ${++texts}\n${query}`;

async function parse(res: Response): Promise<Res> {
  const text = await res.text();
  let body: Body = {};
  try {
    body = text ? (JSON.parse(text) as Body) : {};
  } catch {
    body = { errors: [{ message: text.slice(0, 200) }] };
  }
  return { status: res.status, headers: res.headers, body };
}

/** GET /graphql: strings are sent as they are, anything else JSON-encoded. */
async function get(params: Record<string, unknown>, headers: Record<string, string> = {}, app: TestApp = t): Promise<Res> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return parse(await fetch(`${app.url}/graphql?${search}`, { headers }));
}
const rawGet = async (search: string, headers: Record<string, string> = {}) =>
  parse(await fetch(`${t.url}/graphql?${search}`, { headers }));

async function post(body: unknown, headers: Record<string, string> = {}, contentType: string | null = 'application/json'): Promise<Res> {
  return parse(
    await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

const hit = (r: Res) => r.headers.get('age') !== null;
const codeOf = (r: Res) => r.body.errors?.[0]?.extensions?.code;
function expectNoStore(r: Res) {
  expect(r.headers.get('cache-control')).toBe('private, no-store');
  expect(r.headers.get('age')).toBeNull();
}
function expectPublic(r: Res) {
  expect(r.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
}

/** A GET written byte by byte, so header lines can repeat (fetch and http.request would merge or refuse them). */
function rawRequest(path: string, headerLines: Array<[string, string]>): Promise<Res> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      const lines = headerLines.map(([k, v]) => `${k}: ${v}`).join('\r\n');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n${lines}\r\nConnection: close\r\n\r\n`);
    });
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, ...rest] = raw.split('\r\n\r\n');
      const [statusLine, ...headerText] = head.split('\r\n');
      const headers = new Headers();
      for (const line of headerText) headers.append(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim());
      let text = rest.join('\r\n\r\n');
      if (headers.get('transfer-encoding') === 'chunked') text = text.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text ? (JSON.parse(text) as Body) : {} });
    });
  });
}

const PRODUCT = `query ($id: ID!) { product(id: $id) { id name status } }`;
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`;
let emails = 0;
const signUpInput = () => ({
  role: 'CUSTOMER',
  email: `cache-attack-${process.pid}-${++emails}@example.com`,
  password: 'password1234',
  name: 'x',
});
/** Whether an account exists with this email: signing up again is CONFLICT when it does. */
async function accountExists(input: ReturnType<typeof signUpInput>): Promise<boolean> {
  const r = await post({ query: SIGN_UP, variables: { input } });
  if (!r.body.errors) return false;
  expect(codeOf(r)).toBe('CONFLICT');
  return true;
}

describe('no personal answer is ever served to another caller', () => {
  it("a seller's hidden product: the owner reads it fresh and private; anonymous callers before and after get null, never the owner's answer", async () => {
    const q = fresh(PRODUCT);
    const anonBefore = await get({ query: q, variables: { id: hidden.id } });
    expect(anonBefore.body).toEqual({ data: { product: null } });
    const owner = await get({ query: q, variables: { id: hidden.id } }, bearer(seller.token));
    expect(owner.body.data?.product?.id).toBe(hidden.id);
    expectNoStore(owner);
    const ownerPost = await post({ query: q, variables: { id: hidden.id } }, bearer(seller.token));
    expect(ownerPost.body.data?.product?.id).toBe(hidden.id);
    expectNoStore(ownerPost);
    const anonAfter = await get({ query: q, variables: { id: hidden.id } });
    expect(anonAfter.body).toEqual({ data: { product: null } });
    expect(hit(anonAfter)).toBe(true);

    // The other order: the owner first (nothing kept), then anonymous.
    const q2 = fresh(PRODUCT);
    expect((await post({ query: q2, variables: { id: hidden.id } }, bearer(seller.token))).body.data?.product?.id).toBe(hidden.id);
    const anon = await get({ query: q2, variables: { id: hidden.id } });
    expect(anon.body).toEqual({ data: { product: null } });
    expect(hit(anon)).toBe(false);
  });

  it.each([
    ['a PRIVATE field (heldStock)', `query ($id: ID!) { product(id: $id) { id heldStock } }`, {}],
    ['Seller.email directly', `query ($id: ID!) { product(id: $id) { seller { email } } }`, {}],
    ['email behind an alias', `query ($id: ID!) { product(id: $id) { seller { e: email } } }`, {}],
    [
      'email through a fragment on the Account interface',
      `query ($id: ID!) { product(id: $id) { seller { ...A } } } fragment A on Account { email }`,
      {},
    ],
    ['email through an inline fragment on Account', `query ($id: ID!) { product(id: $id) { seller { ... on Account { email } } } }`, {}],
    [
      'email under @skip(if: $skip) with skip=true',
      `query ($id: ID!, $skip: Boolean!) { product(id: $id) { seller { name email @skip(if: $skip) } } }`,
      { skip: true },
    ],
    [
      'email under @include(if: $inc) with inc=false',
      `query ($id: ID!, $inc: Boolean!) { product(id: $id) { seller { name email @include(if: $inc) } } }`,
      { inc: false },
    ],
    ['`me` skipped beside the product', `query ($id: ID!) { product(id: $id) { id } me @skip(if: true) { id } }`, {}],
    ['`me` under a fragment on Query', `query ($id: ID!) { product(id: $id) { id } ...C } fragment C on Query { me { id } }`, {}],
    [
      'heldStock deep in the listing',
      `query ($id: ID!) { product(id: $id) { id } products(first: 1) { edges { node { heldStock } } } }`,
      {},
    ],
  ])('%s: private, no-store, and never kept (for a token or anonymous)', async (_name, query, vars) => {
    const q = fresh(query);
    const variables = { id: visible.id, ...vars };
    for (const headers of [{}, bearer(seller.token), {}]) {
      const r = await get({ query: q, variables }, headers);
      expect(r.body.errors).toBeUndefined();
      expectNoStore(r);
    }
  });

  it('a client cannot add its own hints: @cacheControl in a query is GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await get({ query: fresh('{ me @cacheControl(maxAge: 60, scope: PUBLIC) { id email } }') }, bearer(seller.token));
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expectNoStore(r);
  });

  it('__typename alone, or a root field with no hint, is not cacheable', async () => {
    for (const query of ['{ __typename }', '{ me { id } }', '{ shippingAddresses { id } }']) {
      const q = fresh(query);
      await get({ query: q });
      expectNoStore(await get({ query: q }));
    }
  });

  it('several operations: the public one is cached under its name; the personal one is never served from it', async () => {
    const q = fresh(
      `query Pub($id: ID!) { product(id: $id) { id name } } query Mine($id: ID!) { product(id: $id) { id } me { id email } }`,
    );
    const variables = { id: hidden.id };
    await get({ query: q, operationName: 'Pub', variables });
    expect(hit(await get({ query: q, operationName: 'Pub', variables }))).toBe(true);
    const mine = await get({ query: q, operationName: 'Mine', variables }, bearer(seller.token));
    expect(mine.body.data).toEqual({ product: { id: hidden.id }, me: { id: seller.id, email: seller.email } });
    expectNoStore(mine);
    const mineAnon = await get({ query: q, operationName: 'Mine', variables });
    expect(mineAnon.body.data).toEqual({ product: null, me: null });
    expectNoStore(mineAnon);
    const none = await get({ query: q, variables });
    expect(none.status).toBeLessThan(500);
    expect(none.body.data ?? undefined).toBeUndefined();
    expectNoStore(none);
  });

  it('Authorization variants (Basic, a bare "Bearer", an invalid or revoked token) are never public and never served from the cache', async () => {
    const q = fresh(PRODUCT);
    const variables = { id: hidden.id };
    await get({ query: q, variables });
    expect(hit(await get({ query: q, variables }))).toBe(true);
    const other = await signUpAs(t.client, 'SELLER');
    expect((await post({ query: 'mutation { logout }' }, bearer(other.token))).body.data).toEqual({ logout: true });
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer not-a-token',
      `Bearer ${other.token}`,
      `Bearer ${seller.token}x`,
    ]) {
      const r = await get({ query: q, variables }, { authorization });
      expectNoStore(r);
      expect(r.body.data?.product ?? null).toBeNull();
    }
    // The scheme in lower case is still the seller: fresh, their own product, private.
    const lower = await get({ query: q, variables }, { authorization: `bearer ${seller.token}` });
    expect(lower.body.data?.product?.id).toBe(hidden.id);
    expectNoStore(lower);
    // An empty header is no credential, but a header all the same: the anonymous answer, never public (README "Caching").
    const empty = await get({ query: q, variables }, { authorization: '' });
    expect(empty.body).toEqual({ data: { product: null } });
    expectNoStore(empty);
  });

  it("duplicated Authorization headers: the server reads one of them consistently; the owner's answer is never public or kept", async () => {
    const q = fresh(PRODUCT);
    const path = `/graphql?${new URLSearchParams({ query: q, variables: JSON.stringify({ id: hidden.id }) })}`;
    const ownerFirst = await rawRequest(path, [
      ['authorization', `Bearer ${seller.token}`],
      ['authorization', ''],
    ]);
    expect(ownerFirst.body.data?.product?.id).toBe(hidden.id);
    expectNoStore(ownerFirst);
    const emptyFirst = await rawRequest(path, [
      ['authorization', ''],
      ['authorization', `Bearer ${seller.token}`],
    ]);
    expect(emptyFirst.body).toEqual({ data: { product: null } });
    const twice = await rawRequest(path, [
      ['authorization', `Bearer ${seller.token}`],
      ['authorization', `Bearer ${seller.token}`],
    ]);
    expect(twice.body.data?.product?.id).toBe(hidden.id);
    expectNoStore(twice);
    expect((await get({ query: q, variables: { id: hidden.id } })).body).toEqual({ data: { product: null } });
  });

  it('the WebSocket: the owner reads fresh over the socket, nothing it reads is kept, and persisted queries are refused there', async () => {
    const q = fresh(PRODUCT);
    const conn = connectWs(t.url, seller.token);
    try {
      await conn.opened;
      const first = await runOverWs(conn, q, { id: hidden.id });
      expect((first.data as any)?.product?.id).toBe(hidden.id);
      const anon = await get({ query: q, variables: { id: hidden.id } });
      expect(anon.body).toEqual({ data: { product: null } });
      expect(hit(anon)).toBe(false);
      // An anonymous answer now cached is not what the owner gets over the socket.
      expect(hit(await get({ query: q, variables: { id: hidden.id } }))).toBe(true);
      const again = await runOverWs(conn, q, { id: hidden.id });
      expect((again.data as any)?.product?.id).toBe(hidden.id);
      const persisted = await new Promise<unknown>((resolve) => {
        conn.client.subscribe(
          { query: '', extensions: pq(sha(q)) },
          { next: (v) => resolve(v), error: (e) => resolve(e), complete: () => resolve(undefined) },
        );
      });
      expect(JSON.stringify(persisted)).toContain('PERSISTED_QUERY_NOT_SUPPORTED');
    } finally {
      await conn.client.dispose();
    }
  });

  it('HEAD is not answered with a body or a public header; batches are refused whole', async () => {
    const q = fresh('{ carriers { code } }');
    await get({ query: q });
    const head = await fetch(`${t.url}/graphql?${new URLSearchParams({ query: q })}`, { method: 'HEAD' });
    expect(head.status).toBeLessThan(500);
    expect(head.headers.get('cache-control')).toBe('private, no-store');
    const batch = await post([{ query: q }, { query: '{ me { id email } }' }], bearer(seller.token));
    expect(batch.status).toBe(400);
    expect(codeOf(batch)).toBe('BAD_REQUEST');
    expectNoStore(batch);
  });

  it('GET with both `query` and a matching hash registers it and answers like POST; a later GET by hash alone is the cached answer', async () => {
    const q = fresh(`query ($id: ID!) { product(id: $id) { id name } }`);
    const variables = { id: visible.id };
    const viaPost = await post({ query: q, variables });
    const both = await get({ query: q, variables, extensions: pq(sha(q)) });
    expect(both.body).toEqual(viaPost.body);
    const byHash = await get({ variables, extensions: pq(sha(q)) });
    expect(byHash.body).toEqual({ data: { product: { id: visible.id, name: visible.name } } });
    expect(hit(byHash)).toBe(true);
    expectPublic(byHash);
  });

  it('a text under the hash of another text is refused (400 BAD_REQUEST), and that hash keeps answering its own text', async () => {
    const victim = fresh('{ carriers { code } }');
    const attacker = fresh(`query ($id: ID!) { product(id: $id) { id name } }`);
    expect((await post({ query: victim, extensions: pq(sha(victim)) })).body.data?.carriers).toBeDefined();
    for (const hash of [sha(victim), sha(victim).toUpperCase(), [sha(victim)]]) {
      for (const send of [
        () => get({ query: attacker, variables: { id: hidden.id }, extensions: pq(hash) }),
        () => post({ query: attacker, variables: { id: hidden.id }, extensions: pq(hash) }),
      ]) {
        const r = await send();
        expect(r.status).toBe(400);
        expect(codeOf(r)).toBe('BAD_REQUEST');
        expectNoStore(r);
      }
    }
    const byHash = await get({ extensions: pq(sha(victim)) });
    expect(Object.keys(byHash.body.data ?? {})).toEqual(['carriers']);
    // A hash nobody registered (the attacker's own text was never kept under it either).
    expect(codeOf(await get({ extensions: pq(sha(attacker)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it("a text that Node hashes like another (a lone surrogate is hashed as U+FFFD) cannot take the other text's hash", async () => {
    for (const [real, forged] of [
      ['{ carriers { code } } # \uFFFD', '{ carriers { code } } # \uD800'],
      ['{ products(search: "\uFFFD") { totalCount } }', '{ products(search: "\uD800") { totalCount } }'],
    ]) {
      expect(sha(real)).toBe(sha(forged));
      const r = await post({ query: forged, extensions: pq(sha(real)) });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_PARSE_FAILED');
      expect(codeOf(await get({ extensions: pq(sha(real)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });
});

describe('a mutation never runs over GET; CSRF prevention holds for every simple POST', () => {
  it('a mutation over GET is 405, as a text, as the named operation of a document holding a query, and by a registered hash', async () => {
    expect((await get({ query: 'mutation { logout }' }, bearer(customer.token))).status).toBe(405);
    const input = signUpInput();
    const doc = `query Q { carriers { code } } mutation M($input: SignUpInput!) { signUp(input: $input) { token } }`;
    const named = await get({ query: doc, operationName: 'M', variables: { input } });
    expect(named.status).toBe(405);
    expectNoStore(named);
    expect(await accountExists(input)).toBe(false);

    // Registered by POST (where it may run), then asked for by hash over GET.
    const text = fresh(SIGN_UP);
    expect(
      (await post({ query: text, variables: { input: signUpInput() }, extensions: pq(sha(text)) })).body.data?.signUp?.token,
    ).toBeDefined();
    const other = signUpInput();
    const byHash = await get({ variables: { input: other }, extensions: pq(sha(text)) });
    expect(byHash.status).toBe(405);
    expectNoStore(byHash);
    expect(await accountExists(other)).toBe(false);
  });

  it('a mutation text sent over GET with its hash is neither run nor registered', async () => {
    const text = fresh(SIGN_UP);
    const input = signUpInput();
    expect((await get({ query: text, variables: { input }, extensions: pq(sha(text)) })).status).toBe(405);
    expect(codeOf(await post({ variables: { input }, extensions: pq(sha(text)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(await accountExists(input)).toBe(false);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart/form-data (no preflight header)', 'multipart/form-data; boundary=xyz'],
    ['no content type at all', null],
  ])('a cross-site simple POST (%s) is refused, with its text or by a registered hash, and runs nothing', async (_name, contentType) => {
    const text = fresh(SIGN_UP);
    expect((await post({ query: text, variables: { input: signUpInput() }, extensions: pq(sha(text)) })).body.data).toBeDefined();
    for (const body of [
      (input: object) => ({ query: SIGN_UP, variables: { input } }),
      (input: object) => ({ variables: { input }, extensions: pq(sha(text)) }),
    ]) {
      const input = signUpInput();
      const payload = JSON.stringify(body(input));
      const sent = contentType?.startsWith('multipart')
        ? `--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${payload}\r\n--xyz\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--xyz--\r\n`
        : contentType === 'application/x-www-form-urlencoded'
          ? new URLSearchParams({
              query: SIGN_UP,
              variables: JSON.stringify({ input }),
              extensions: JSON.stringify(pq(sha(text))),
            }).toString()
          : payload;
      // The upload gate may close the connection instead of answering.
      const r = await post(sent, {}, contentType).catch(() => null);
      if (r) {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.body.data ?? undefined).toBeUndefined();
      }
      expect(await accountExists(input)).toBe(false);
    }
  });
});

describe('errors are never cached or public; a cached answer still passes every check', () => {
  it('an answer with an error is private and is computed again each time', async () => {
    const q = fresh(`query ($after: String) { products(first: 2, after: $after) { totalCount } }`);
    for (let i = 0; i < 3; i++) {
      const r = await get({ query: q, variables: { after: 'garbage' } });
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expectNoStore(r);
    }
  });

  it('PERSISTED_QUERY_NOT_FOUND is no-store (a CDN must not freeze it), and the text registered afterwards answers by hash', async () => {
    const q = fresh('{ categories { id name } }');
    const miss = await get({ extensions: pq(sha(q)) });
    expect(codeOf(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expectNoStore(miss);
    await get({ query: q, extensions: pq(sha(q)) });
    const after = await get({ extensions: pq(sha(q)) });
    expect(after.body.data?.categories).toBeDefined();
    expectPublic(after);
  });

  it('a query refused for its cost is refused even when the same text is cached with cheaper variables, by text or by hash', async () => {
    const fields = 'edges { node { id name description price stock } }';
    const q = fresh(
      `query ($first: Int) { a: products(first: $first) { ${fields} } b: products(first: $first) { ${fields} } c: products(first: $first) { ${fields} } }`,
    );
    await get({ query: q, variables: { first: 1 }, extensions: pq(sha(q)) });
    expect(hit(await get({ query: q, variables: { first: 1 } }))).toBe(true);
    for (const r of [
      await get({ query: q, variables: { first: 100 } }),
      await get({ variables: { first: 100 }, extensions: pq(sha(q)) }),
      await post({ variables: { first: 100 }, extensions: pq(sha(q)) }),
    ]) {
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('QUERY_TOO_COMPLEX');
      expectNoStore(r);
    }
  });

  it('input hygiene still runs on a cached text: a NUL in the variables is BAD_USER_INPUT', async () => {
    const q = fresh(`query ($s: String) { products(first: 1, search: $s) { totalCount } }`);
    await get({ query: q, variables: { s: 'a' } });
    expect(hit(await get({ query: q, variables: { s: 'a' } }))).toBe(true);
    const r = await get({ query: q, variables: { s: 'a\u0000' } });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expectNoStore(r);
  });

  it('an unknown operationName is OPERATION_RESOLUTION_FAILURE (4xx), for an anonymous operation too, and never a cached answer', async () => {
    // Found by the attack: a document whose only operation is anonymous (`{ … }`) with an operationName made
    // graphql-query-complexity read `operation.name.value` of undefined (500); the cache then served it.
    const q = fresh('{ carriers { code } }');
    await get({ query: q });
    expect(hit(await get({ query: q }))).toBe(true);
    for (const r of [await get({ query: q, operationName: 'Nope' }), await post({ query: q, operationName: 'Nope' })]) {
      expect({ status: r.status, code: codeOf(r), data: r.body.data ?? undefined }).toEqual({
        status: 400,
        code: 'OPERATION_RESOLUTION_FAILURE',
        data: undefined,
      });
      expectNoStore(r);
    }
  });

  describe('the request rate limit', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await startTestApp({ RESPONSE_CACHE_TTL_SECONDS: '30', RATE_LIMIT_IP_PER_MINUTE: '3' });
    }, 60_000);
    afterAll(() => limited?.close());

    it('counts answers served from the cache: past RATE_LIMIT_IP_PER_MINUTE they are 429 TOO_MANY_REQUESTS, no-store', async () => {
      const q = fresh('{ carriers { code } }');
      const answers: Res[] = [];
      for (let i = 0; i < 4; i++) answers.push(await get({ query: q }, {}, limited));
      expect(answers.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(answers.slice(1, 3).every(hit)).toBe(true);
      expect(answers[3].status).toBe(429);
      expect(codeOf(answers[3])).toBe('TOO_MANY_REQUESTS');
      expect(answers[3].headers.get('retry-after')).toMatch(/^\d+$/);
      expectNoStore(answers[3]);
    });
  });
});

describe('bad input is a coded 4xx, never a 5xx', () => {
  const q = '{ carriers { code } }';
  const e = (v: unknown) => encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v));
  const redisJunk = '\r\n*1\r\n$8\r\nFLUSHALL\r\n';
  it.each([
    ['malformed extensions JSON', `query=${e(q)}&extensions=${e('{bad')}`],
    ['extensions null', `query=${e(q)}&extensions=null`],
    ['extensions a string', `query=${e(q)}&extensions=${e('"x"')}`],
    ['extensions twice', `query=${e(q)}&extensions=%7B%7D&extensions=%7B%7D`],
    ['malformed variables JSON', `query=${e(q)}&variables=${e('{bad')}`],
    ['variables an array', `query=${e(q)}&variables=${e([1])}`],
    ['variables twice', `query=${e(q)}&variables=%7B%7D&variables=%7B%7D`],
    ['an unknown APQ version', `extensions=${e({ persistedQuery: { version: 2, sha256Hash: sha(q) } })}`],
    ['the version as a string', `extensions=${e({ persistedQuery: { version: '1', sha256Hash: sha(q) } })}`],
    ['persistedQuery a string', `extensions=${e({ persistedQuery: 'x' })}`],
    ['persistedQuery without a hash', `extensions=${e({ persistedQuery: { version: 1 } })}`],
    ['a 12,000-character hash', `extensions=${e(pq('a'.repeat(12_000)))}`],
    ['a hash that is an object', `extensions=${e(pq({ a: 1 }))}`],
    ['a hash that is a number', `extensions=${e(pq(7))}`],
    ['a hash that is null, with the text', `query=${e(q)}&extensions=${e(pq(null))}`],
    ['a hash that does not match its text', `query=${e(q)}&extensions=${e(pq(sha('{ me { id } }')))}`],
    [
      'Redis commands in operationName (an anonymous operation: see the OPERATION_RESOLUTION_FAILURE finding)',
      `query=${e(q)}&operationName=${e(redisJunk)}`,
    ],
    ['Redis commands in operationName (a named operation)', `query=${e('query A { carriers { code } }')}&operationName=${e(redisJunk)}`],
    ['a glob and a long operationName', `query=${e('query A { carriers { code } }')}&operationName=${e('*'.repeat(5000))}`],
    ['Redis commands in a hash', `extensions=${e(pq(redisJunk))}`],
    ['a mutation refused over GET', `query=${e('mutation { logout }')}`],
    ['a content type on a GET', `query=${e(q)}`, { 'content-type': 'text/plain' }],
  ])('GET with %s', async (_name, search, headers: Record<string, string> = {}) => {
    const r = await rawGet(search, headers);
    expect(r.status).toBeLessThan(500);
    expect(r.body.errors?.length).toBeGreaterThan(0);
    expect(codeOf(r)).toBeDefined();
    expect(codeOf(r)).not.toBe('INTERNAL_SERVER_ERROR');
    expectNoStore(r);
  });

  it('GET with Redis commands in undeclared variables: answered (they are ignored), under a hashed key', async () => {
    const r = await rawGet(`query=${e(q)}&variables=${e({ [redisJunk]: redisJunk, ['__proto__']: { a: 1 }, constructor: 1 })}`);
    expect(r.status).toBe(200);
    expect(r.body.data?.carriers).toBeDefined();
  });

  it.each([
    ['a 900,000-character hash', { extensions: pq('a'.repeat(900_000)) }],
    ['a hash of a different text, with a text', { query: q, extensions: pq(sha(`${q} `)) }],
    ['extensions as a JSON-encoded string', { query: q, extensions: JSON.stringify(pq(sha(q))) }],
    ['a persistedQuery of version 1 with a hash array of arrays', { extensions: pq([[sha(q)], 'x']) }],
  ])('POST with %s', async (_name, body) => {
    const r = await post(body);
    expect(r.status).toBeLessThan(500);
    expect(codeOf(r)).toBeDefined();
    expect(codeOf(r)).not.toBe('INTERNAL_SERVER_ERROR');
    expectNoStore(r);
  });

  it('a text over 10,000 characters runs by POST and by GET-with-text, but is not kept (its hash alone is NOT_FOUND)', async () => {
    const long = `${fresh('{ carriers { code } }')}\n#${'x'.repeat(10_100)}`;
    const r = await post({ query: long, extensions: pq(sha(long)) });
    expect(r.body.data?.carriers).toBeDefined();
    expect(codeOf(await get({ extensions: pq(sha(long)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post({ extensions: pq(sha(long)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  itProductionProfile('Redis holds only hashed response keys and 64-hex APQ keys, whatever was sent', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${t.redisPrefix}*`);
      const ours = keys.map((k) => k.slice(t.redisPrefix.length)).filter((k) => k.startsWith('rc:') || k.startsWith('apq:'));
      expect(ours.length).toBeGreaterThan(0);
      for (const key of ours) expect(key).toMatch(/^(rc:[A-Za-z0-9_-]{43}|apq:[0-9a-f]{64})$/);
      expect(keys.some((k) => /FLUSHALL|\r|\n/.test(k))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});

describe("cache poisoning: the shared cache never answers one request with another request's answer", () => {
  let other: { id: string; name: string };
  beforeAll(async () => {
    other = await createProduct(t.client, seller.token, { name: 'other cache product' });
  });

  it('variables in another order share an entry; other values never do', async () => {
    const q = fresh(`query ($a: ID!, $b: ID!) { a: product(id: $a) { id name } b: product(id: $b) { id name } }`);
    const ab = await get({ query: q, variables: { a: visible.id, b: other.id } });
    const ba = await get({ query: q, variables: { b: other.id, a: visible.id } });
    expect(ba.body).toEqual(ab.body);
    expect(hit(ba)).toBe(true);
    const swapped = await get({ query: q, variables: { a: other.id, b: visible.id } });
    expect(swapped.body.data).toEqual({ a: { id: other.id, name: other.name }, b: { id: visible.id, name: visible.name } });
    const typed = await get({ query: q, variables: { a: Number(visible.id), b: other.id } });
    expect(typed.body.data?.a?.id).toBe(visible.id);
    const nested = await get({ query: q, variables: { a: visible.id, b: other.id, extra: { a: other.id } } });
    expect(nested.body.data?.a?.id).toBe(visible.id);
  });

  it('operations of one document are kept apart by their name; a named operation is the same with or without operationName', async () => {
    const q = fresh(`query A($id: ID!) { product(id: $id) { id name } } query B($id: ID!) { product(id: $id) { id stock } }`);
    const a = await get({ query: q, operationName: 'A', variables: { id: visible.id } });
    const b = await get({ query: q, operationName: 'B', variables: { id: visible.id } });
    expect(Object.keys(a.body.data?.product ?? {})).toEqual(['id', 'name']);
    expect(Object.keys(b.body.data?.product ?? {})).toEqual(['id', 'stock']);
    const single = fresh(`query Only($id: ID!) { product(id: $id) { id name } }`);
    const without = await get({ query: single, variables: { id: visible.id } });
    const withName = await get({ query: single, operationName: 'Only', variables: { id: visible.id } });
    expect(withName.body).toEqual(without.body);
    expect(hit(withName)).toBe(true);
  });

  it('Accept variants: a cached answer is written in the media type each request asks for, and the public answer varies on Accept', async () => {
    const q = fresh('{ carriers { code } }');
    const first = await fetch(`${t.url}/graphql?${new URLSearchParams({ query: q })}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(first.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(first.headers.get('vary')).toMatch(/Accept/i);
    const second = await fetch(`${t.url}/graphql?${new URLSearchParams({ query: q })}`, { headers: { accept: 'application/json' } });
    expect(second.headers.get('age')).not.toBeNull();
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await second.json()).toEqual(await first.json());
    const html = await fetch(`${t.url}/graphql?${new URLSearchParams({ query: q })}`, { headers: { accept: 'text/html' } });
    expect(html.status).toBeLessThan(500);
    if (!(html.headers.get('content-type') ?? '').includes('json')) expect(html.headers.get('cache-control')).toBe('private, no-store');
  });

  it("an answer's max-age is the smallest hint it touches; the shared copy never outlives it", async () => {
    const both = await get({ query: fresh('{ categories { id } products(first: 1) { totalCount } }') });
    expect(both.headers.get('cache-control')).toBe('public, max-age=10');
    const categories = await get({ query: fresh('{ categories { id } }') });
    expect(categories.headers.get('cache-control')).toBe('public, max-age=60');
  });

  itProductionProfile('the shared copy expires within min(RESPONSE_CACHE_TTL_SECONDS, maxAge); APQ texts within an hour', async () => {
    const q = fresh('{ products(first: 1) { totalCount } }');
    await get({ query: q, extensions: pq(sha(q)) });
    await get({ query: q }); // the shared write is not awaited by the first answer
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const rc = await redis.keys(`${t.redisPrefix}rc:*`);
      const ttls = await Promise.all(rc.map((k) => redis.ttl(k)));
      expect(ttls.length).toBeGreaterThan(0);
      expect(Math.max(...ttls)).toBeLessThanOrEqual(30);
      const apq = await redis.ttl(`${t.redisPrefix}apq:${sha(q)}`);
      expect(apq).toBeGreaterThan(0);
      expect(apq).toBeLessThanOrEqual(3600);
      // A products answer (maxAge 10) is kept at most 10 s, not the 30 s TTL.
      const keyOf = (vars: object) =>
        `rc:${createHash('sha256')
          .update(`${sha(q)}\n\n${JSON.stringify(vars)}`)
          .digest('base64url')}`;
      const own = await redis.ttl(`${t.redisPrefix}${keyOf({})}`);
      expect(own).toBeGreaterThan(0);
      expect(own).toBeLessThanOrEqual(10);
    } finally {
      redis.disconnect();
    }
  });
});

describe('memory: what an attacker can make the server keep', () => {
  let categoryId: string;
  const description = 'x'.repeat(5000);
  /** `n` aliases of a page of 20 products with 5,000-character descriptions: about 100,000 characters each. */
  const bigQuery = (n: number) =>
    `query ($c: ID, $m: Int) { ${Array.from({ length: n }, (_, i) => `a${i}: products(categoryId: $c, first: 20, maxPrice: $m) { edges { node { id description } } }`).join(' ')} }`;

  beforeAll(async () => {
    categoryId = (await createCategory(t.client, admin.token)).id;
    for (let i = 0; i < 20; i++) await createProduct(t.client, seller.token, { categoryId, description });
  }, 120_000);

  it('an answer over the 256 K-character limit is served but not kept', async () => {
    const q = fresh(bigQuery(12));
    const first = await get({ query: q, variables: { c: categoryId } });
    expect(JSON.stringify(first.body).length).toBeGreaterThan(256 * 1024);
    expectPublic(first);
    expect(hit(await get({ query: q, variables: { c: categoryId } }))).toBe(false);
  });

  it('the in-process copy stays within its 32 MiB budget when an attacker varies an argument of a large public answer', async () => {
    // Found by this attack: the LRU counted each entry as key.length + 1024 whatever the answer's size,
    // so ~30,000 answers of any size fitted its 32 MiB; it now counts each answer's JSON text.
    const gc = (() => {
      v8.setFlagsFromString('--expose-gc');
      return vm.runInNewContext('gc') as () => void;
    })();
    const q = fresh(bigQuery(2));
    const size = JSON.stringify((await get({ query: q, variables: { c: categoryId, m: 100_000 } })).body).length;
    expect(size).toBeGreaterThan(150_000);
    expect(size).toBeLessThan(256 * 1024);
    gc();
    const before = v8.getHeapStatistics().used_heap_size;
    const requests = 400;
    for (let i = 0; i < requests; i++) {
      const r = await get({ query: q, variables: { c: categoryId, m: 100_001 + i } });
      expect(r.body.errors).toBeUndefined();
    }
    gc();
    const grown = v8.getHeapStatistics().used_heap_size - before;
    // ~400 answers of ~0.2 M characters (~80 M) were sent; a 32 MiB budget keeps at most ~160 of them.
    const heldMiB = Math.round(grown / 2 ** 20);
    expect(heldMiB).toBeLessThanOrEqual(48);
  }, 120_000);

  it('variables the operation does not declare (ignored by GraphQL) do not make a new entry', async () => {
    // Found by the attack (hardening): the key once hashed the variables as sent, so {"junk": n} made a new
    // entry (and a new execution) per n for the same answer. Only declared variables count now.
    const q = fresh(`query ($id: ID!) { product(id: $id) { id name } }`);
    await get({ query: q, variables: { id: visible.id } });
    const junk = await get({ query: q, variables: { id: visible.id, junk: 1 } });
    expect(junk.body.data?.product?.id).toBe(visible.id);
    expect(hit(junk)).toBe(true);
  });

  (EMBEDDED ? it : it.skip)(
    'embedded: the in-process APQ store is an LRU of 8 M characters (the oldest text is forgotten past it)',
    async () => {
      const pad = 'y'.repeat(9_000);
      const text = (i: number) => `${fresh('{ carriers { code } }')}\n# ${i} ${pad}`;
      const first = text(0);
      expect((await post({ query: first, extensions: pq(sha(first)) })).body.data).toBeDefined();
      expect(codeOf(await post({ extensions: pq(sha(first)) }))).toBeUndefined();
      for (let i = 1; i <= 950; i++) {
        const other = text(i);
        expect((await post({ query: other, extensions: pq(sha(other)) })).status).toBe(200);
      }
      expect(codeOf(await post({ extensions: pq(sha(first)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    },
    120_000,
  );

  itProductionProfile(
    'Redis: APQ texts are bounded per text (10,000 characters) and by their one-hour TTL, not in number',
    async () => {
      // Known bound (README "Caching"): one client at RATE_LIMIT_IP_PER_MINUTE (3,000) can keep 3,000 × 60
      // texts of up to 10,000 characters (~1.8 G characters) on Redis; the TTL ends them.
      const pad = 'z'.repeat(9_000);
      const hashes: string[] = [];
      for (let i = 0; i < 30; i++) {
        const text = `${fresh('{ carriers { code } }')}\n# ${pad}`;
        hashes.push(sha(text));
        expect((await post({ query: text, extensions: pq(sha(text)) })).status).toBe(200);
      }
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const ttls = await Promise.all(hashes.map((h) => redis.ttl(`${t.redisPrefix}apq:${h}`)));
        expect(ttls.every((ttl) => ttl > 0 && ttl <= 3600)).toBe(true);
        const lengths = await Promise.all(hashes.map((h) => redis.strlen(`${t.redisPrefix}apq:${h}`)));
        expect(Math.max(...lengths)).toBeLessThanOrEqual(10_000);
      } finally {
        redis.disconnect();
      }
    },
    60_000,
  );
});
