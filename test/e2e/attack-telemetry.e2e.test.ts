import fs from 'node:fs';
import { print } from 'graphql';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_KEYS, startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { AddToCartDocument, CancelOrderDocument, ConfirmPaymentDocument, OrderEventsDocument, SignUpDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { freePort, spawnAppProcess, type AppProcess } from '../helpers/app-process';
import { spawnTracedApp, spanAttribute, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../helpers/otlp-receiver';
import { codeOf } from '../helpers/graphql-client';
import { deleteRedisKeys, dropDatabase, isolatedNames, itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { authorizeOrder, startAppWithToss, TOSS_CLIENT_KEY, TOSS_SECRET_KEY } from '../helpers/toss';
import { connectWs, runOverWs } from '../helpers/ws-client';
import WebSocket from 'ws';

/**
 * Attacks on the telemetry of issue #19 (README "Observability"): what reaches spans, who decides
 * what is traced, which refusals are counted, and where /metrics answers.
 */

/** Where a text shows in the spans: each span carrying it, with its status message (where the error text goes). */
const carriersOf = (spans: OtlpSpan[], text: string) =>
  spans
    .filter((s) => JSON.stringify(s).includes(text))
    .map(
      (s) =>
        `${s.scope} ${s.name}: ${s.attributes
          .filter((a) => JSON.stringify(a).includes(text))
          .map((a) => a.key)
          .join(',')} status ${s.status?.message ?? ''}`,
    );

/** A pass-through proxy in front of the Toss sandbox that keeps the headers of every request the app sends to Toss. */
async function startRecordingProxy(target: string) {
  const requests: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('traces (tracing on, OTLP/HTTP JSON receiver)', () => {
  const names = isolatedNames();
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-attack-tel-'));
  let receiver: OtlpReceiver | undefined;
  let toss: TossSandbox | undefined;
  let app: AppProcess | undefined;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>> | undefined;

  /** The app process, started once for the tests of this block that need it. */
  async function tracedApp(): Promise<AppProcess> {
    if (app) return app;
    receiver = await startOtlpReceiver();
    toss = await startTossSandbox();
    proxy = await startRecordingProxy(toss.url);
    app = await spawnTracedApp({
      names,
      mediaDir,
      otlpEndpoint: receiver.url,
      env: { SIGNUP_PER_IP_PER_HOUR: '0', TOSS_API_URL: proxy.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY },
    });
    return app;
  }

  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await toss?.close();
    await receiver?.close();
    if (app) {
      await dropDatabase(names.dbName);
      await deleteRedisKeys(names.redisPrefix);
    }
    fs.rmSync(mediaDir, { recursive: true, force: true });
  });

  const operationSpan = (name: string, timeoutMs?: number) =>
    receiver!.waitForSpan((s) => s.scope === 'marketplace-api' && spanAttribute(s, 'graphql.operation.name') === name, timeoutMs);

  /** Waits until everything the app made so far has been exported: a marker operation's span arrived. */
  async function flushed(a: AppProcess, marker: string): Promise<void> {
    const res = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query ${marker} { __typename }` }),
    });
    expect(res.status).toBe(200);
    expect(await operationSpan(marker)).toBeDefined();
  }

  itProductionProfile(
    'no payment key on spans: a confirm with a payment key recorded for another order (the duplicate-key error text)',
    async () => {
      const a = await tracedApp();
      const seller = await signUpAs(a.client, 'SELLER');
      const customer = await signUpAs(a.client, 'CUSTOMER');
      const product = await createProduct(a.client, seller.token, { stock: 5, price: 12000 });
      const first = await orderProducts(a.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      const second = await orderProducts(a.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      const auth = authorizeOrder(toss!, first);
      expect((await a.client.request(ConfirmPaymentDocument, { input: auth }, { token: customer.token })).errors).toBeUndefined();
      // The second order, paid with the first one's payment key: refused (the key belongs to another order).
      const reuse = await a.client.request(
        ConfirmPaymentDocument,
        { input: { paymentKey: auth.paymentKey, orderId: second.orderId, amount: second.totalAmount } },
        { token: customer.token },
      );
      expect(codeOf(reuse)).toBe('BAD_USER_INPUT');
      await flushed(a, 'AfterPaymentKeyReuse');
      const carriers = carriersOf(receiver!.spans, auth.paymentKey);
      expect(carriers).toEqual([]);
    },
  );

  itProductionProfile('no e-mail on spans: sign-ups racing for one e-mail (the duplicate-key error text)', async () => {
    const a = await tracedApp();
    const email = `raced-${process.pid}-${Date.now()}@example.com`;
    const signUp = () => a.client.request(SignUpDocument, { input: { role: 'CUSTOMER', email, password: 'password1234', name: 'racer' } });
    const results = await Promise.all(Array.from({ length: 6 }, signUp));
    const codes = results.map((r) => codeOf(r) ?? 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    await flushed(a, 'AfterSignUpRace');
    const carriers = carriersOf(receiver!.spans, email);
    expect(carriers).toEqual([]);
  });

  itProductionProfile(
    "every operation is traced as OTEL_TRACES_SAMPLER says: a client's traceparent cannot switch its own tracing off",
    async () => {
      const a = await tracedApp();
      // W3C trace context with the sampled flag off, as any client may send it.
      const traceparent = `00-${'7e'.repeat(16)}-${'5a'.repeat(8)}-00`;
      const res = await fetch(`${a.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent },
        body: JSON.stringify({ query: 'query UntracedByChoice { __typename }' }),
      });
      expect(res.status).toBe(200);
      await flushed(a, 'AfterUntracedByChoice');
      expect(await operationSpan('UntracedByChoice', 2000)).toBeDefined();
    },
  );

  itProductionProfile(
    'span attributes come from what the server trusts: without TRUST_PROXY, client.address is the peer, not a forged X-Forwarded-For',
    async () => {
      const a = await tracedApp();
      const forged = '203.0.113.66';
      const res = await fetch(`${a.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forged, forwarded: `for=${forged}` },
        body: JSON.stringify({ query: 'query ForgedAddress { __typename }' }),
      });
      expect(res.status).toBe(200);
      const operation = await operationSpan('ForgedAddress');
      const httpSpan = receiver!.spans.find((s) => s.spanId === operation?.parentSpanId);
      expect(httpSpan).toBeDefined();
      expect(spanAttribute(httpSpan!, 'client.address')).toBe('127.0.0.1');
    },
  );

  itProductionProfile('client-controlled span attributes are bounded, as the operation name is (a long path and user agent)', async () => {
    const a = await tracedApp();
    const long = `x${'y'.repeat(6000)}`;
    const res = await fetch(`${a.url}/${long}`, { headers: { 'user-agent': `agent-${long}` } });
    expect(res.status).toBe(404);
    await flushed(a, 'AfterLongPath');
    // The spans carrying (the start of) the long path: once values are bounded, none can hold all 6,001 characters.
    const carriers = receiver!.spans.filter((s) => JSON.stringify(s).includes(long.slice(0, 200)));
    expect(carriers.length).toBeGreaterThan(0);
    const longest = Math.max(...carriers.flatMap((s) => s.attributes.map((x) => String(spanAttribute(s, x.key) ?? '').length)));
    expect(longest).toBeLessThanOrEqual(2048);
  });

  itProductionProfile(
    "no client-controlled header reaches Toss: an anonymous client's baggage is not forwarded with the app's calls",
    async () => {
      const a = await tracedApp();
      const seller = await signUpAs(a.client, 'SELLER');
      const customer = await signUpAs(a.client, 'CUSTOMER');
      const product = await createProduct(a.client, seller.token, { stock: 5, price: 9000 });
      const order = await orderProducts(a.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      const auth = authorizeOrder(toss!, order);
      const injected = `attacker=${'A'.repeat(64)}`;
      const res = await fetch(`${a.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}`, baggage: injected },
        body: JSON.stringify({ query: print(ConfirmPaymentDocument), variables: { input: auth } }),
      });
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
      const confirmCalls = proxy!.requests.filter((r) => r.path === '/v1/payments/confirm');
      expect(confirmCalls.length).toBeGreaterThan(0);
      expect(confirmCalls.map((r) => String(r.headers.baggage ?? ''))).not.toContainEqual(expect.stringContaining('attacker='));
    },
  );

  itProductionProfile('a GET /graphql keeps its query string off spans (persisted query with variables)', async () => {
    const a = await tracedApp();
    const secret = `needle${Date.now()}`;
    const query = 'query GetWithVariables($s: String) { products(search: $s) { totalCount } }';
    const params = new URLSearchParams({ query, variables: JSON.stringify({ s: secret }), operationName: 'GetWithVariables' });
    const res = await fetch(`${a.url}/graphql?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBeLessThan(500);
    await flushed(a, 'AfterGetWithVariables');
    expect(receiver!.bodies.join('\n')).not.toContain(secret);
  });
});

describe('traces on the embedded profile (its Toss sandbox in the same process)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-attack-tel-emb-'));
  let receiver: OtlpReceiver | undefined;
  let app: AppProcess | undefined;
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no payment key on spans: a refund sent to the in-process sandbox (`/v1/payments/{paymentKey}/cancel`)', async () => {
    receiver = await startOtlpReceiver();
    const lines: string[] = [];
    app = await spawnAppProcess(
      {
        NODE_ENV: 'test',
        SQLITE_FILE: path.join(dir, 'shop.sqlite'),
        LOCAL_STORAGE_DIR: path.join(dir, 'uploads'),
        PASSWORD_HASH_MEMORY_KIB: '4096',
        PASSWORD_HASH_TIME_COST: '1',
        RATE_LIMIT_IP_PER_MINUTE: '0',
        RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      { logLevel: 'info', onOutput: (line) => lines.push(line) },
    );
    const sandboxUrl = /Toss sandbox \(in-process, test keys\): (http:\/\/[^"\s]+)/.exec(lines.join('\n'))?.[1];
    expect(sandboxUrl).toBeDefined();
    const seller = await signUpAs(app.client, 'SELLER');
    const customer = await signUpAs(app.client, 'CUSTOMER');
    const product = await createProduct(app.client, seller.token, { stock: 5, price: 15000 });
    const order = await orderProducts(app.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    // The payment window, as a browser goes through it.
    const clientKey = DEFAULT_KEYS.find((k) => k.clientKey.startsWith('test_gck_'))!.clientKey;
    const window = new URLSearchParams({
      clientKey,
      orderId: order.orderId,
      orderName: order.orderName,
      amount: String(order.totalAmount),
      successUrl: `${app.url}/demo/?view=success`,
      failUrl: `${app.url}/demo/?view=fail`,
    });
    const page = await (await fetch(`${sandboxUrl}/checkout?${window}`)).text();
    const session = /name="session" value="([^"]+)"/.exec(page)?.[1];
    expect(session).toBeDefined();
    const done = await fetch(`${sandboxUrl}/checkout/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ session: session!, action: 'approve' }).toString(),
      redirect: 'manual',
    });
    const success = new URL(done.headers.get('location')!);
    const paymentKey = success.searchParams.get('paymentKey')!;
    expect(paymentKey).toBeTruthy();
    const input = { paymentKey, orderId: order.orderId, amount: order.totalAmount };
    expect((await app.client.request(ConfirmPaymentDocument, { input }, { token: customer.token })).errors).toBeUndefined();
    const cancelled = await app.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(cancelled.errors).toBeUndefined();
    const marker = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query AfterEmbeddedRefund { __typename }' }),
    });
    expect(marker.status).toBe(200);
    await receiver.waitForSpan((s) => spanAttribute(s, 'graphql.operation.name') === 'AfterEmbeddedRefund');
    expect(carriersOf(receiver.spans, paymentKey).map((c) => c.replace(paymentKey, '<paymentKey>'))).toEqual([]);
  });
});

describe('tracing on, the collector hanging', () => {
  const names = isolatedNames();
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-attack-tel-hang-'));
  let app: AppProcess | undefined;
  let hanging: http.Server | undefined;
  let exports = 0;
  afterAll(async () => {
    await app?.kill();
    hanging?.closeAllConnections();
    await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    if (app) {
      await dropDatabase(names.dbName);
      await deleteRedisKeys(names.redisPrefix);
    }
    fs.rmSync(mediaDir, { recursive: true, force: true });
  });

  itProductionProfile('holds: requests are answered while every export hangs unanswered', async () => {
    // Takes every export and never answers it.
    hanging = http.createServer(() => void exports++);
    await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = hanging.address() as AddressInfo;
    app = await spawnTracedApp({
      names,
      mediaDir,
      otlpEndpoint: `http://127.0.0.1:${port}`,
      env: { OTEL_BSP_SCHEDULE_DELAY: '20', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '8' },
    });
    const seller = await signUpAs(app.client, 'SELLER');
    const statuses = new Map<number, number>();
    for (let round = 0; round < 20; round++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(`${app!.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${seller.token}` },
            body: JSON.stringify({ query: `query Hanging${i} { me { id } products(first: 5) { totalCount } }` }),
          }).then((r) => r.status),
        ),
      );
      for (const status of batch) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 200 });
    expect(exports).toBeGreaterThan(0);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });
  itProductionProfile(
    'a SIGTERM while the collector hangs ends the process cleanly (exit code 0), not as a failed shutdown',
    async () => {
      expect(app).toBeDefined();
      const child = app!.child;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      child.kill('SIGTERM');
      // main.ts's own limit is 15 s; past 30 s something else is wrong.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const outcome = await exited;
      clearTimeout(killer);
      expect(outcome).toEqual({ code: 0, signal: null });
    },
    40_000,
  );
});

describe('metrics: refusals counted on every door', () => {
  const METRICS_TOKEN = 'attack-metrics-token-5d2c9e71b0a84f36';
  let t: TestApp | undefined;
  afterAll(() => t?.close());

  const scrape = async (app: TestApp): Promise<Map<string, number>> => {
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const values = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      values.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return values;
  };
  const RATE_LIMITED = 'marketplace_rate_limit_refusals_total';

  it('a Toss webhook delivery refused by TOSS_WEBHOOK_PER_IP_PER_MINUTE (429) counts as a rate-limit refusal', async () => {
    t = await startTestApp({ METRICS_TOKEN, TOSS_WEBHOOK_PER_IP_PER_MINUTE: '1', WS_MAX_SOCKETS_PER_ACCOUNT: '1' });
    const before = (await scrape(t)).get(RATE_LIMITED) ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${t.url}/webhooks/toss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} }),
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(((await scrape(t)).get(RATE_LIMITED) ?? 0) - before).toBe(2);
  });

  it('a WebSocket closed with 4429 (too many sockets for the account) counts as a rate-limit refusal', async () => {
    t ??= await startTestApp({ METRICS_TOKEN, TOSS_WEBHOOK_PER_IP_PER_MINUTE: '1', WS_MAX_SOCKETS_PER_ACCOUNT: '1' });
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const first = connectWs(t.url, customer.token);
    await first.opened;
    try {
      const before = (await scrape(t)).get(RATE_LIMITED) ?? 0;
      const second = connectWs(t.url, customer.token);
      expect((await second.closed).code).toBe(4429);
      expect(((await scrape(t)).get(RATE_LIMITED) ?? 0) - before).toBe(1);
    } finally {
      await first.client.dispose();
    }
  });

  it('holds: /metrics on the main port needs the token whatever the spelling of the path or method', async () => {
    t ??= await startTestApp({ METRICS_TOKEN, TOSS_WEBHOOK_PER_IP_PER_MINUTE: '1', WS_MAX_SOCKETS_PER_ACCOUNT: '1' });
    const base = new URL(t.url);
    /** A raw request line, so no client normalises the path. */
    const raw = (method: string, target: string, headers = '') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: base.hostname, port: base.port, method, path: target, headers: {} }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        if (headers) req.setHeader('authorization', headers);
        req.on('error', reject);
        req.end();
      });
    const targets = ['/metrics', '/metrics/', '/METRICS', '/Metrics?x=1', '//metrics', '/%6detrics', '/./metrics', '/graphql/../metrics'];
    for (const method of ['GET', 'HEAD'])
      for (const target of targets) {
        const res = await raw(method, target, `Bearer ${METRICS_TOKEN.slice(0, -1)}X`);
        expect({ method, target, served: res.status === 200 && res.body.includes('marketplace_') }).toEqual({
          method,
          target,
          served: false,
        });
        expect(res.status).not.toBe(200);
      }
  });
});

describe('metrics: WebSocket counts', () => {
  const METRICS_TOKEN = 'attack-metrics-token-ws-8f1a3c5e7b9d2046';
  let t: TestApp | undefined;
  afterAll(() => t?.close());
  const scrape = async (app: TestApp): Promise<Map<string, number>> => {
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const values = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      values.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return values;
  };
  const until = async (app: TestApp, ready: (m: Map<string, number>) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = await scrape(app);
      if (ready(m) || Date.now() > deadline) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('holds: WebSocket upgrades refused with 429 are counted, each once', async () => {
    const limited = await startTestApp({ METRICS_TOKEN, RATE_LIMIT_IP_PER_MINUTE: '2' });
    try {
      const before = (await scrape(limited)).get('marketplace_rate_limit_refusals_total') ?? 0;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const socket = new WebSocket(`${limited.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
        statuses.push(
          await new Promise<number>((resolve) => {
            socket.once('open', () => {
              socket.terminate();
              resolve(101);
            });
            socket.once('unexpected-response', (_req, res) => {
              resolve(res.statusCode ?? 0);
              socket.terminate();
            });
            socket.once('error', () => resolve(-1));
          }),
        );
      }
      expect(statuses).toEqual([101, 101, 429, 429]);
      expect(((await scrape(limited)).get('marketplace_rate_limit_refusals_total') ?? 0) - before).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('holds: an OUT_OF_STOCK answered over the WebSocket is counted exactly once', async () => {
    t = await startTestApp({ METRICS_TOKEN });
    const [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
    const product = await createProduct(t.client, seller.token, { stock: 1 });
    const conn = connectWs(t.url, customer.token);
    await conn.opened;
    try {
      const before = (await scrape(t)).get('marketplace_stock_refusals_total') ?? 0;
      const res = await runOverWs(conn, print(AddToCartDocument), { productId: product.id, quantity: 2 });
      expect(res.errors?.[0]?.extensions?.code).toBe('OUT_OF_STOCK');
      expect(((await scrape(t)).get('marketplace_stock_refusals_total') ?? 0) - before).toBe(1);
    } finally {
      await conn.client.dispose();
    }
  });

  it('holds: the socket and subscription gauges go back to 0 after a socket dropped without a close frame', async () => {
    t ??= await startTestApp({ METRICS_TOKEN });
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const acked = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
      }),
    );
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${customer.token}` } }));
    await acked;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: print(OrderEventsDocument) } }));
    const open = await until(t, (m) => (m.get('marketplace_subscriptions_active') ?? 0) >= 1);
    expect(open.get('marketplace_websocket_connections')).toBe(1);
    expect(open.get('marketplace_subscriptions_active')).toBe(1);
    // The TCP connection dies: no close frame, no `complete`.
    socket.terminate();
    const after = await until(
      t,
      (m) => (m.get('marketplace_websocket_connections') ?? 1) === 0 && (m.get('marketplace_subscriptions_active') ?? 1) === 0,
    );
    expect(after.get('marketplace_websocket_connections')).toBe(0);
    expect(after.get('marketplace_subscriptions_active')).toBe(0);
  });
});

describe('metrics: payment outcomes', () => {
  itProductionProfile(
    'a confirm Toss answers ALREADY_PROCESSED_PAYMENT for a payment it approved (the order is paid) is not counted `declined`',
    async () => {
      const METRICS_TOKEN = 'attack-metrics-token-out-2b4d6f8a0c1e3957';
      const { t, toss, close } = await startAppWithToss({ METRICS_TOKEN });
      try {
        const scrape = async (sample: string) => {
          const text = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
          return Number(
            text
              .split('\n')
              .find((l) => l.startsWith(`${sample} `))
              ?.split(' ')
              .pop() ?? 0,
          );
        };
        const DECLINED = 'marketplace_payment_outcomes_total{outcome="declined"}';
        const UNKNOWN = 'marketplace_payment_outcomes_total{outcome="unknown"}';
        const APPROVED = 'marketplace_payment_outcomes_total{outcome="approved"}';
        const [seller, buyer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
        const product = await createProduct(t.client, seller.token, { stock: 5 });
        const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
        const declined = await scrape(DECLINED);
        const notRefused = async () => (await scrape(UNKNOWN)) + (await scrape(APPROVED));
        const notRefusedBefore = await notRefused();
        // The payment was confirmed at Toss already (an earlier confirm under another idempotency key, whose
        // answer never came back): Toss answers this app's confirm 400 ALREADY_PROCESSED_PAYMENT, and the app
        // looks the payment up, finds it DONE and marks the order paid.
        const auth = authorizeOrder(toss, order);
        // No webhook for the earlier confirm: it would mark the order paid before this app's confirm,
        // which then never reaches Toss (nothing to count).
        toss.setWebhookUrl(null);
        const earlier = await fetch(`${toss.url}/v1/payments/confirm`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${TOSS_SECRET_KEY}:`).toString('base64')}`,
            'content-type': 'application/json',
            'idempotency-key': `earlier-${order.orderId}`,
          },
          body: JSON.stringify(auth),
        });
        expect(earlier.status).toBe(200);
        const res = await t.client.request(ConfirmPaymentDocument, { input: auth }, { token: buyer.token });
        expect(res.errors).toBeUndefined();
        // Paid: no refusal happened, so nothing is `declined` (the confirm is `unknown`, or `approved`).
        expect({ declined: (await scrape(DECLINED)) - declined, unknownOrApproved: (await notRefused()) - notRefusedBefore }).toEqual({
          declined: 0,
          unknownOrApproved: 1,
        });
      } finally {
        await close();
      }
    },
  );
});

describe('metrics: several instances', () => {
  itProductionProfile('a payment reconciled by two instances at once is counted `reconciled` once over all instances', async () => {
    const METRICS_TOKEN = 'attack-metrics-token-peer-1e3b5d7f9a2c4068';
    const { t, toss, close } = await startAppWithToss({ METRICS_TOKEN });
    const peer = await t.startPeer();
    try {
      const scrape = async (url: string, sample: string) => {
        const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
        return Number(line?.split(' ').pop() ?? 0);
      };
      const overBoth = async (sample: string) => (await scrape(t.url, sample)) + (await scrape(peer.url, sample));
      const reconciled = () => overBoth('marketplace_payment_outcomes_total{outcome="reconciled"}');
      const paid = () => overBoth('marketplace_order_events_total{kind="paid"}');
      const [seller, buyer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
      const product = await createProduct(t.client, seller.token, { stock: 5 });
      const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
      // Toss approves, but neither its answer nor a lookup gets through, and no webhook settles it: the outcome is unknown.
      toss.setWebhookUrl(null);
      toss.addFault({ endpoint: 'confirm', mode: 'drop-after', times: 5 });
      toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
      const res = await t.client.request(ConfirmPaymentDocument, { input: authorizeOrder(toss, order) }, { token: buyer.token });
      expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
      toss.clearFaults();
      const before = await reconciled();
      const paidBefore = await paid();
      // Both instances' reconcilers pass at the same moment (their timers are independent).
      const later = new Date(Date.now() + 3600_000);
      await Promise.all([t.app.payments.reconciler!.runOnce(later), peer.app.payments.reconciler!.runOnce(later)]);
      // Holds: the order's `paid` event is counted once over both relays.
      for (let i = 0; i < 2; i++) await Promise.all([t.app.relay.runOnce(), peer.app.relay.runOnce()]);
      expect((await paid()) - paidBefore).toBe(1);
      expect((await reconciled()) - before).toBe(1);
    } finally {
      await peer.close();
      await close();
    }
  });
});

describe('the metrics listener', () => {
  it('holds: loopback by default, only /metrics, nothing from the public port without the token', async () => {
    const port = await freePort();
    const app = await startTestApp({ METRICS_PORT: String(port) });
    try {
      expect(app.app.metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
      expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics/../graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
