import { print } from 'graphql';
import type { TossSandbox } from '../../toss-sandbox';
import {
  AddToCartDocument,
  ClearCartDocument,
  ConfirmPaymentDocument,
  CreateOrderDocument,
  OrderEventsDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { sqlOf } from '../../src/db/sql';
import { freePort } from '../helpers/app-process';
import { codeOf } from '../helpers/graphql-client';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';
import { authorizeOrder, startAppWithToss } from '../helpers/toss';
import { collect, connectWs } from '../helpers/ws-client';

/**
 * Prometheus metrics (README "Observability"): scraped from the listener of their own
 * (METRICS_PORT) and from the main port with METRICS_TOKEN; never public.
 */
const METRICS_TOKEN = 'metrics-scrape-token-7c1e9a4f2b6d8e03';

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let seller: TestAccount, customer: TestAccount;
let listenerUrl: string;

beforeAll(async () => {
  const port = await freePort();
  ({ t, toss, close } = await startAppWithToss({
    METRICS_TOKEN,
    METRICS_PORT: String(port),
    // One customer may order twice a minute here: the third is a rate-limit refusal.
    ORDER_CREATE_PER_MINUTE: '2',
  }));
  listenerUrl = `http://127.0.0.1:${port}/metrics`;
  [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
});
afterAll(() => close?.());

/** The samples of a scrape, by metric name and labels (`name{a="b"}` as Prometheus prints them). */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

async function scrape(url = listenerUrl, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return samples(await res.text());
}

/** Scrapes until `ready` holds (order events are counted when the outbox relay has published them, just after commit). */
async function scrapeUntil(ready: (m: Map<string, number>) => boolean): Promise<Map<string, number>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await scrape();
    if (ready(m) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
const ORDERS_CREATED = 'marketplace_order_events_total{kind="created"}';
const ORDERS_PAID = 'marketplace_order_events_total{kind="paid"}';
const APPROVED = 'marketplace_payment_outcomes_total{outcome="approved"}';
const DECLINED = 'marketplace_payment_outcomes_total{outcome="declined"}';
const ORDERS_FAILED = 'marketplace_order_events_total{kind="failed"}';

describe('/metrics', () => {
  it('moves the business counters with a checkout and its payment: order created and paid, payment approved', async () => {
    const before = await scrape();
    const product = await createProduct(t.client, seller.token, { stock: 5, price: 20000 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const res = await t.client.request(ConfirmPaymentDocument, { input: authorizeOrder(toss, order) }, { token: customer.token });
    expect(res.errors).toBeUndefined();

    const after = await scrapeUntil((m) => value(m, ORDERS_PAID) > value(before, ORDERS_PAID));
    expect(value(after, ORDERS_CREATED) - value(before, ORDERS_CREATED)).toBe(1);
    expect(value(after, ORDERS_PAID) - value(before, ORDERS_PAID)).toBe(1);
    expect(value(after, APPROVED) - value(before, APPROVED)).toBe(1);
    expect(value(after, DECLINED) - value(before, DECLINED)).toBe(0);
    // Every operation's duration, labelled by its type and name.
    const count = (type: string, name: string) =>
      value(after, `marketplace_graphql_request_duration_seconds_count{operation_type="${type}",operation_name="${name}"}`);
    expect(count('mutation', 'CreateOrder')).toBeGreaterThanOrEqual(1);
    expect(count('mutation', 'ConfirmPayment')).toBeGreaterThanOrEqual(1);
    // The process metrics are there too.
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    expect(after.get('marketplace_outbox_lag_seconds')).toEqual(expect.any(Number));
  });

  it('counts a declined card: the payment declined, the order failed', async () => {
    const before = await scrape();
    const product = await createProduct(t.client, seller.token, { stock: 5 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const res = await t.client.request(
      ConfirmPaymentDocument,
      { input: authorizeOrder(toss, order, 'REJECT_CARD_COMPANY') },
      { token: customer.token },
    );
    expect(codeOf(res)).toBe('PAYMENT_FAILED');
    const after = await scrapeUntil((m) => value(m, ORDERS_FAILED) > value(before, ORDERS_FAILED));
    expect(value(after, DECLINED) - value(before, DECLINED)).toBe(1);
    expect(value(after, ORDERS_FAILED) - value(before, ORDERS_FAILED)).toBe(1);
    expect(value(after, APPROVED) - value(before, APPROVED)).toBe(0);
  });

  it('counts an unknown outcome, then the reconciler settling it', async () => {
    const UNKNOWN = 'marketplace_payment_outcomes_total{outcome="unknown"}';
    const RECONCILED = 'marketplace_payment_outcomes_total{outcome="reconciled"}';
    // Another customer: ORDER_CREATE_PER_MINUTE=2, and the first one has ordered twice already.
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { stock: 5 });
    const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
    const before = await scrape();
    // Toss approves, but neither its reply nor a lookup gets through; no webhook settles it meanwhile.
    toss.setWebhookUrl(null);
    try {
      toss.addFault({ endpoint: 'confirm', mode: 'drop-after', times: 5 });
      toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
      const res = await t.client.request(ConfirmPaymentDocument, { input: authorizeOrder(toss, order) }, { token: buyer.token });
      expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
      toss.clearFaults();
      const unknown = await scrape();
      expect(value(unknown, UNKNOWN) - value(before, UNKNOWN)).toBe(1);
      expect(value(unknown, APPROVED) - value(before, APPROVED)).toBe(0);
      expect(await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 3600_000))).toBeGreaterThanOrEqual(1);
      const after = await scrapeUntil((m) => value(m, ORDERS_PAID) > value(before, ORDERS_PAID));
      expect(value(after, RECONCILED) - value(before, RECONCILED)).toBe(1);
      expect(value(after, ORDERS_PAID) - value(before, ORDERS_PAID)).toBe(1);
    } finally {
      toss.clearFaults();
      toss.setWebhookUrl(`${t.url}/webhooks/toss`);
    }
  });

  it('counts stock refusals and rate-limit refusals', async () => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const [scarce, plenty] = await Promise.all([
      createProduct(t.client, seller.token, { stock: 1 }),
      createProduct(t.client, seller.token, { stock: 10 }),
    ]);
    const before = await scrape();
    const tooMany = await t.client.request(AddToCartDocument, { productId: scarce.id, quantity: 2 }, { token: buyer.token });
    expect(codeOf(tooMany)).toBe('OUT_OF_STOCK');
    // ORDER_CREATE_PER_MINUTE=2: the third order in a minute is refused.
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      await t.client.ok(ClearCartDocument, {}, { token: buyer.token });
      await t.client.ok(AddToCartDocument, { productId: plenty.id, quantity: 1 }, { token: buyer.token });
      codes.push(codeOf(await t.client.request(CreateOrderDocument, {}, { token: buyer.token })));
    }
    expect(codes).toEqual([undefined, undefined, 'TOO_MANY_REQUESTS']);
    const after = await scrape();
    expect(value(after, 'marketplace_stock_refusals_total') - value(before, 'marketplace_stock_refusals_total')).toBe(1);
    expect(value(after, 'marketplace_rate_limit_refusals_total') - value(before, 'marketplace_rate_limit_refusals_total')).toBe(1);
  });

  it('shows open WebSockets and running subscriptions', async () => {
    const conn = connectWs(t.url, customer.token);
    await conn.opened;
    const events = collect(conn, print(OrderEventsDocument), 'orderEvents');
    try {
      const deadline = Date.now() + 10_000;
      let m = await scrape();
      while (value(m, 'marketplace_subscriptions_active') < 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        m = await scrape();
      }
      expect(value(m, 'marketplace_websocket_connections')).toBe(1);
      expect(value(m, 'marketplace_subscriptions_active')).toBe(1);
    } finally {
      events.stop();
      await conn.client.dispose();
    }
  });

  it('on the main port, answers only with the token: 401 without it or with another one', async () => {
    const main = `${t.url}/metrics`;
    expect((await fetch(main)).status).toBe(401);
    expect((await fetch(main, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    expect((await fetch(main, { headers: { authorization: METRICS_TOKEN } })).status).toBe(401);
    const m = await scrape(main, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(m.has(ORDERS_CREATED)).toBe(true);
    // The listener of its own serves /metrics and nothing else.
    expect((await fetch(listenerUrl.replace(/\/metrics$/, '/graphql'))).status).toBe(404);
  });

  it('operation names are bounded: past METRICS_MAX_OPERATION_NAMES, new names are counted as `other`; a request refused at admission (429) is a rate-limit refusal', async () => {
    // Five requests a minute from one address: the sixth is refused before its operation runs (HTTP 429).
    const bounded = await startTestApp({ METRICS_TOKEN, METRICS_MAX_OPERATION_NAMES: '2', RATE_LIMIT_IP_PER_MINUTE: '5' });
    try {
      const statuses: number[] = [];
      for (const name of ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth']) {
        const res = await fetch(`${bounded.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `query ${name} { __typename }` }),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const m = await scrape(`${bounded.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
      const names = [...m.keys()]
        .filter((k) => k.startsWith('marketplace_graphql_request_duration_seconds_count{'))
        .map((k) => /operation_name="([^"]*)"/.exec(k)![1]);
      expect(names.sort()).toEqual(['First', 'Second', 'other']);
      expect(value(m, 'marketplace_graphql_request_duration_seconds_count{operation_type="query",operation_name="other"}')).toBe(3);
      expect(value(m, 'marketplace_rate_limit_refusals_total')).toBe(1);
    } finally {
      await bounded.close();
    }
  });
});

describe('the outbox lag', () => {
  it('is the age of the oldest unpublished order event, read at the scrape, and 0 once the relay has published it', async () => {
    // The relay's timer waits a minute here: only what an order change kicks is published.
    const app = await startTestApp({ METRICS_TOKEN, OUTBOX_RELAY_INTERVAL_MS: '60000' });
    try {
      const [sellerA, buyer] = await Promise.all([signUpAs(app.client, 'SELLER'), signUpAs(app.client, 'CUSTOMER')]);
      const product = await createProduct(app.client, sellerA.token, { stock: 5 });
      await orderProducts(app.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
      await app.app.relay.runOnce();
      const lag = async () =>
        value(await scrape(`${app.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` }), 'marketplace_outbox_lag_seconds');
      expect(await lag()).toBe(0);
      // An event written 90 s ago that no relay has published (as when Redis was down meanwhile).
      await sqlOf(app.app.orm.em.fork()).run(
        `insert into order_status_change (order_id, customer_id, order_code, kind, payment_status, from_status, to_status, at)
         select order_id, customer_id, order_code, kind, payment_status, from_status, to_status, ? from order_status_change order by id limit 1`,
        [new Date(Date.now() - 90_000)],
      );
      expect(await lag()).toBeGreaterThanOrEqual(90);
      await app.app.relay.runOnce();
      expect(await lag()).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('several instances', () => {
  itProductionProfile('each counts what it did: an order is counted once over all instances, whichever relay published it', async () => {
    const a = await startTestApp({ METRICS_TOKEN });
    const b = await a.startPeer();
    try {
      const [sellerA, buyer] = await Promise.all([signUpAs(a.client, 'SELLER'), signUpAs(b.client, 'CUSTOMER')]);
      const product = await createProduct(a.client, sellerA.token, { stock: 5 });
      const counted = async () => {
        const [onA, onB] = await Promise.all(
          [a.url, b.url].map((url) => scrape(`${url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })),
        );
        return value(onA, ORDERS_CREATED) + value(onB, ORDERS_CREATED);
      };
      const before = await counted();
      await orderProducts(b.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
      // Both relays pass over the outbox: everything committed is published by then, each event by one of them.
      await Promise.all([a.app.relay.runOnce(), b.app.relay.runOnce()]);
      await Promise.all([a.app.relay.runOnce(), b.app.relay.runOnce()]);
      expect((await counted()) - before).toBe(1);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('without METRICS_PORT or METRICS_TOKEN', () => {
  it('has no /metrics at all (404)', async () => {
    const plain = await startTestApp();
    try {
      const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(404);
      expect(plain.app.metricsUrl).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
