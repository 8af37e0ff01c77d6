import WebSocket from 'ws';
import { AuthSession } from '../../src/entities';
import type { Role } from '../../src/entities/role';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf, type GraphQLErrorShape } from '../helpers/graphql-client';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { collect, connectWs, runOverWs, WsClients, type WsConnection } from '../helpers/ws-client';

/**
 * The WebSocket transport goes through the same pipeline as HTTP (validation rules, limits,
 * NUL refusal, error masking, rate counting), and has its own limits: message size, a
 * `connection_init` deadline, operations per socket, sockets per account, and sessions checked
 * again while a socket is open.
 */
type Answer = { data?: unknown; errors?: GraphQLErrorShape[] };
type Transport = { name: string; run(t: TestApp, query: string, variables: Record<string, unknown>, token: string): Promise<Answer> };

const sockets: WsConnection[] = [];
const openWs = (t: TestApp, token?: string) => {
  const conn = connectWs(t.url, token);
  sockets.push(conn);
  return conn;
};
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((c) => c.client.dispose()));
});

const rawSocket = (t: TestApp) => new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
const closeOf = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
const opened = (ws: WebSocket) => new Promise<void>((r, reject) => (ws.once('open', () => r()), ws.once('error', reject)));

/** One socket per app and token for the WebSocket runs (sockets per account are limited). */
const wsClients = new Map<TestApp, WsClients>();

const TRANSPORTS: Transport[] = [
  { name: 'HTTP', run: (t, query, variables, token) => t.client.raw(query, variables, { token }) },
  {
    name: 'WebSocket',
    run: (t, query, variables, token) => {
      let clients = wsClients.get(t);
      if (!clients) wsClients.set(t, (clients = new WsClients(t.url)));
      return clients.run(query, variables, token);
    },
  },
];

describe.each(TRANSPORTS)('the same protections over $name', (transport) => {
  let t: TestApp;
  let customer: TestAccount;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_MAX_ALIASES: '30', GRAPHQL_MAX_DEPTH: '6' });
    customer = await signUpAs(t.client, 'CUSTOMER');
  });
  afterAll(async () => {
    await wsClients.get(t)?.close();
    await t?.close();
  });
  const run = (query: string, variables: Record<string, unknown> = {}) => transport.run(t, query, variables, customer.token);

  it('refuses introspection when GRAPHQL_INTROSPECTION=false', async () => {
    const answer = await run('{ __schema { queryType { name } } }');
    expect(answer.data ?? undefined).toBeUndefined();
    expect(codeOf(answer as never)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf((await run('{ __type(name: "Product") { name } }')) as never)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses 200 aliased product pages (QUERY_TOO_COMPLEX), and too deep a query', async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `p${i}: products(first: 20) { edges { node { id } } }`).join(' ');
    const answer = await run(`{ ${aliases} }`);
    expect(codeOf(answer as never)).toBe('QUERY_TOO_COMPLEX');
    expect(answer.data ?? undefined).toBeUndefined();
    expect(Object.keys(answer.errors![0].extensions!).sort()).toEqual(['aliases', 'code', 'max']);
    const nest = (depth: number): string => (depth === 0 ? 'id' : `id parent { ${nest(depth - 1)} }`);
    expect(codeOf((await run(`{ categories { ${nest(7)} } }`)) as never)).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses a NUL character in variables and in literals with BAD_USER_INPUT, before any SQL', async () => {
    const inVariables = await run('query($id: ID!) { product(id: $id) { id } }', { id: '1\u0000' });
    expect(codeOf(inVariables as never)).toBe('BAD_USER_INPUT');
    expect(inVariables.errors![0].extensions!.field).toBe('id');
    expect(codeOf((await run('{ product(id: "1\\u0000") { id } }')) as never)).toBe('BAD_USER_INPUT');
  });

  it('masks unexpected errors: no SQL text, just INTERNAL_SERVER_ERROR', async () => {
    const service = t.app.services.listing;
    const original = service.list;
    service.list = async () => {
      throw new Error("ER_PARSE_ERROR: select * from product where secret = 'x'");
    };
    try {
      const answer = await run('{ products(first: 1) { totalCount } }');
      expect(codeOf(answer as never)).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(answer)).not.toMatch(/select|ER_PARSE_ERROR|secret/);
    } finally {
      service.list = original;
    }
  });

  it('refuses an unknown persisted query: NOT_FOUND over HTTP (the client then sends the text), NOT_SUPPORTED on the socket', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: 'abc' } };
    let code: unknown;
    if (transport.name === 'HTTP') {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
        body: JSON.stringify({ extensions }),
      });
      code = ((await res.json()) as { errors: GraphQLErrorShape[] }).errors[0].extensions!.code;
    } else {
      const conn = openWs(t, customer.token);
      await conn.opened;
      code = await new Promise((resolve) =>
        conn.client.subscribe(
          { query: '{ __typename }', extensions },
          {
            next: (r) => resolve(r.errors?.[0]?.extensions?.code),
            error: (e) => resolve((e as GraphQLErrorShape[])[0]?.extensions?.code),
            complete: () => undefined,
          },
        ),
      );
    }
    expect(code).toBe(transport.name === 'HTTP' ? 'PERSISTED_QUERY_NOT_FOUND' : 'PERSISTED_QUERY_NOT_SUPPORTED');
  });

  it('still answers well-formed operations', async () => {
    expect((await run('{ me { id } }')).data).toEqual({ me: { id: customer.id } });
  });
});

describe("variables nested 20,000 deep (past what any walker's stack holds)", () => {
  let t: TestApp;
  let customer: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    customer = await signUpAs(t.client, 'CUSTOMER');
  });
  afterAll(() => t?.close());
  // Written as text: JSON.stringify itself cannot nest this deep.
  const operation = `{"query":"query($a: String) { products(first: 1, after: $a) { totalCount } }","variables":{"a":${'['.repeat(20_000)}"x"${']'.repeat(20_000)}}}`;

  it('are BAD_USER_INPUT over HTTP (400, not a 5xx)', async () => {
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: operation });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: GraphQLErrorShape[] }).errors[0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('are BAD_USER_INPUT over the WebSocket, which stays open', async () => {
    const ws = rawSocket(t);
    await opened(ws);
    const messages: Array<{ id?: string; type: string; payload?: unknown }> = [];
    const next = (type: string) =>
      new Promise<{ id?: string; type: string; payload?: unknown }>((resolve) => {
        const check = () => {
          const found = messages.find((m) => m.type === type);
          if (found) resolve(messages.splice(messages.indexOf(found), 1)[0]);
          else setTimeout(check, 20);
        };
        check();
      });
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${customer.token}` } }));
    await next('connection_ack');
    ws.send(`{"id":"deep","type":"subscribe","payload":${operation}}`);
    const answer = await next('error');
    expect(JSON.stringify(answer.payload)).toContain('BAD_USER_INPUT');
    ws.send(JSON.stringify({ id: 'me', type: 'subscribe', payload: { query: '{ me { id } }' } }));
    expect((await next('next')).payload).toEqual({ data: { me: { id: customer.id } } });
    ws.close();
  });
});

describe('subscriptions', () => {
  let t: TestApp;
  let customer: TestAccount;
  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_OPERATIONS_PER_SOCKET: '2' });
    customer = await signUpAs(t.client, 'CUSTOMER');
  });
  afterAll(() => t?.close());

  it('closes a socket whose message is over WS_MAX_MESSAGE_BYTES (1009) before parsing it, connection_init included', async () => {
    const message = JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${customer.token}`, pad: 'x'.repeat(8 * 1024 * 1024) },
    });
    const ws = rawSocket(t);
    await opened(ws);
    const closed = closeOf(ws);
    ws.send(message);
    expect((await closed).code).toBe(1009);
  });

  it('mask unexpected errors too', async () => {
    const original = t.app.feed.customerEvents;
    t.app.feed.customerEvents = () => {
      throw new Error("ER_NO_SUCH_TABLE: select * from order_status_change where secret = 'x'");
    };
    try {
      const conn = openWs(t, customer.token);
      await conn.opened;
      const sub = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
      await sub.done;
      expect(JSON.stringify(sub.errors)).toContain('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(sub.errors)).not.toMatch(/select|ER_NO_SUCH_TABLE|secret/);
    } finally {
      t.app.feed.customerEvents = original;
    }
  });

  it('pass the same checks (a NUL in afterId is BAD_USER_INPUT)', async () => {
    const conn = openWs(t, customer.token);
    await conn.opened;
    const sub = collect(conn, 'subscription($a: ID) { orderEvents(afterId: $a) { id } }', 'orderEvents', { a: '1\u0000' });
    await sub.done;
    expect(JSON.stringify(sub.errors)).toContain('BAD_USER_INPUT');
  });

  it('at most WS_MAX_OPERATIONS_PER_SOCKET open on one socket; completing one makes room', async () => {
    const conn = openWs(t, customer.token);
    await conn.opened;
    const first = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
    collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
    const third = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
    await third.done;
    expect(JSON.stringify(third.errors)).toContain('TOO_MANY_REQUESTS');
    expect(first.errors).toEqual([]);
    first.stop();
    await new Promise((r) => setTimeout(r, 200));
    const again = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.errors).toEqual([]);
  });
});

describe('operation ids reused while their operation is being admitted', () => {
  it('never leave a subscription running uncounted, during or after the socket', async () => {
    const t = await startTestApp({ WS_MAX_OPERATIONS_PER_SOCKET: '2' });
    try {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const ws = rawSocket(t);
      await opened(ws);
      const acked = new Promise<void>((resolve) =>
        ws.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve()),
      );
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${customer.token}` } }));
      await acked;
      const subscribe = (id: string) =>
        ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { orderEvents { id } }' } }));
      const closed = closeOf(ws);
      const complete = (id: string) => ws.send(JSON.stringify({ id, type: 'complete' }));
      // subscribe A, complete A while it is being admitted, subscribe A again; complete it once it runs: 30 times.
      for (let round = 0; round < 30; round++) {
        subscribe('A');
        complete('A');
        subscribe('A');
        await new Promise((r) => setTimeout(r, 150));
        complete('A');
        await new Promise((r) => setTimeout(r, 50));
      }
      subscribe('B');
      subscribe('C');
      subscribe('D');
      await new Promise((r) => setTimeout(r, 1500));
      expect(t.app.feed.subscriberCount).toBeLessThanOrEqual(2);
      ws.close();
      await closed;
      await new Promise((r) => setTimeout(r, 500));
      expect(t.app.feed.subscriberCount).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('socket limits', () => {
  let t: TestApp;
  let customer: TestAccount;
  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_MESSAGE_BYTES: '65536', WS_CONNECTION_INIT_TIMEOUT_MS: '300', WS_MAX_SOCKETS_PER_ACCOUNT: '2' });
    customer = await signUpAs(t.client, 'CUSTOMER');
  });
  afterAll(() => t?.close());

  it('closes a socket that does not send connection_init within WS_CONNECTION_INIT_TIMEOUT_MS (4408)', async () => {
    const ws = rawSocket(t);
    await opened(ws);
    const started = Date.now();
    expect((await closeOf(ws)).code).toBe(4408);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a socket without a valid token (4403)', async () => {
    expect((await openWs(t).closed).code).toBe(4403);
    expect((await openWs(t, 'not-a-token').closed).code).toBe(4403);
  });

  it('holds at most WS_MAX_SOCKETS_PER_ACCOUNT sockets per account (4429), and frees the slot when one closes', async () => {
    const a = openWs(t, customer.token);
    const b = openWs(t, customer.token);
    await Promise.all([a.opened, b.opened]);
    const c = openWs(t, customer.token);
    expect((await c.closed).code).toBe(4429);
    // Another account is not affected.
    const other = await signUpAs(t.client, 'CUSTOMER');
    await openWs(t, other.token).opened;
    await a.client.dispose();
    await new Promise((r) => setTimeout(r, 200));
    await openWs(t, customer.token).opened;
  });
});

describe('sockets per account across instances', () => {
  itProductionProfile('are counted in Redis, shared by every instance', async () => {
    const t = await startTestApp({ WS_MAX_SOCKETS_PER_ACCOUNT: '2' });
    const peer = await t.startPeer();
    try {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const here = connectWs(t.url, customer.token);
      const there = connectWs(peer.url, customer.token);
      sockets.push(here, there);
      await Promise.all([here.opened, there.opened]);
      const third = connectWs(peer.url, customer.token);
      sockets.push(third);
      expect((await third.closed).code).toBe(4429);
    } finally {
      await Promise.all(sockets.splice(0).map((c) => c.client.dispose()));
      await peer.close();
      await t.close();
    }
  });
});

describe('rate counting', () => {
  it('counts every operation on a socket in the account budget HTTP uses', async () => {
    const t = await startTestApp({ RATE_LIMIT_ACCOUNT_PER_MINUTE: '5' });
    try {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const conn = openWs(t, customer.token); // connection_init counts one
      await conn.opened;
      const answers: Array<string | undefined> = [];
      for (let i = 0; i < 5; i++) answers.push(codeOf((await runOverWs(conn, '{ me { id } }')) as never));
      expect(answers).toEqual([undefined, undefined, undefined, undefined, 'TOO_MANY_REQUESTS']);
      const subscription = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
      await subscription.done;
      expect(JSON.stringify(subscription.errors)).toContain('TOO_MANY_REQUESTS');
      // The same budget as HTTP.
      expect(codeOf(await t.client.raw('{ me { id } }', {}, { token: customer.token }))).toBe('TOO_MANY_REQUESTS');
    } finally {
      await Promise.all(sockets.splice(0).map((c) => c.client.dispose()));
      await t.close();
    }
  });

  it('counts each upgrade in the client IP budget: past it, the upgrade is refused with 429', async () => {
    const t = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: '3' });
    try {
      const status = () =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
          ws.once('open', () => (ws.close(), resolve(101)));
          ws.once('unexpected-response', (_req, res) => (resolve(res.statusCode ?? 0), ws.terminate()));
          ws.once('error', () => undefined);
        });
      expect([await status(), await status(), await status()]).toEqual([101, 101, 101]);
      expect(await status()).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('client address behind a proxy (TRUST_PROXY=1)', () => {
  it('is the one HTTP sees: the proxy-appended entry, whatever the client writes to the left', async () => {
    const t = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: '3', TRUST_PROXY: '1' });
    let n = 0;
    const upgrade = (realClient: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
          headers: { 'x-forwarded-for': `198.51.100.${++n}, ${realClient}` },
        });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => (resolve(res.statusCode ?? 0), ws.terminate()));
        ws.once('error', () => undefined);
      });
    try {
      const http = (realClient: string) =>
        t.client.raw('{ categories { id } }', {}, { headers: { 'x-forwarded-for': `203.0.113.${++n}, ${realClient}` } });
      expect((await http('10.9.9.9')).status).toBe(200);
      expect(await upgrade('10.9.9.9')).toBe(101);
      expect(await upgrade('10.9.9.9')).toBe(101);
      // The fourth from 10.9.9.9 on either transport, whatever the spoofed entries say.
      expect(await upgrade('10.9.9.9')).toBe(429);
      expect((await http('10.9.9.9')).status).toBe(429);
      expect(await upgrade('10.9.9.8')).toBe(101);
    } finally {
      await t.close();
    }
  });
});

describe('sessions re-checked while a socket is open', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WS_SESSION_CHECK_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  const sessionsOf = (account: TestAccount) => ({ accountId: Number(account.id), role: account.role as Role });

  it('closes (4401) a socket whose session was revoked without a revocation message', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const conn = openWs(t, customer.token);
    await conn.opened;
    const sub = collect(conn, 'subscription { orderEvents { id } }', 'orderEvents');
    // The socket is in use (the subscription's own session check is behind us) before the session ends.
    expect((await runOverWs(conn, '{ me { id } }')).data).toEqual({ me: { id: customer.id } });
    // Revoked in the database only, as if the EventBus message had been lost.
    await t.app.orm.em.fork().nativeUpdate(AuthSession, sessionsOf(customer), { revokedAt: new Date() });
    expect((await conn.closed).code).toBe(4401);
    await sub.done;
  });

  it('closes (4401) a socket whose session expired', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const conn = openWs(t, customer.token);
    await conn.opened;
    await t.app.orm.em.fork().nativeUpdate(AuthSession, sessionsOf(customer), { expiresAt: new Date(Date.now() - 1000) });
    expect((await conn.closed).code).toBe(4401);
  });
});
