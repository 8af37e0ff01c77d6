import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { ConfirmPaymentDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import type { AppProcess } from '../helpers/app-process';
import { spawnTracedApp, spanAttribute, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../helpers/otlp-receiver';
import { deleteRedisKeys, dropDatabase, isolatedNames, itProductionProfile } from '../helpers/test-app';
import { authorizeOrder, TOSS_CLIENT_KEY, TOSS_SECRET_KEY } from '../helpers/toss';
import { connectWs, runOverWs } from '../helpers/ws-client';

/**
 * Traces (README "Observability"): the app runs as its own process with the standard OTEL_*
 * variables pointing at an OTLP/HTTP receiver started here (JSON encoding, so it can be read).
 * A checkout's spans must arrive with the SQL, Redis and Toss spans under the GraphQL
 * operation's span, and nothing secret anywhere in what was exported.
 */
const SCOPE = {
  app: 'marketplace-api',
  http: '@opentelemetry/instrumentation-http',
  mysql: '@opentelemetry/instrumentation-mysql2',
  redis: '@opentelemetry/instrumentation-ioredis',
  undici: '@opentelemetry/instrumentation-undici',
};

describe('OpenTelemetry traces', () => {
  const names = isolatedNames();
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-trace-'));
  let receiver: OtlpReceiver;
  let toss: TossSandbox;
  let app: AppProcess;
  const logLines: string[] = [];

  afterAll(async () => {
    await app?.stop();
    await toss?.close();
    await receiver?.close();
    // Only the production run starts anything (the embedded run skips the test).
    if (app) {
      await dropDatabase(names.dbName);
      await deleteRedisKeys(names.redisPrefix);
    }
    fs.rmSync(mediaDir, { recursive: true, force: true });
  });

  /** Waits until the receiver holds a span that `match` accepts. */
  async function spanWhere(match: (span: OtlpSpan) => boolean, what: string): Promise<OtlpSpan> {
    const found = await receiver.waitForSpan(match);
    if (!found) throw new Error(`no ${what} span arrived; got ${receiver.spans.map((s) => s.name).join(', ')}`);
    return found;
  }

  /** Whether `ancestor` is on `span`'s parent chain. */
  function isUnder(span: OtlpSpan, ancestor: OtlpSpan): boolean {
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    for (
      let at = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      at;
      at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined
    )
      if (at.spanId === ancestor.spanId) return true;
    return false;
  }

  const operationSpan = (type: string, name: string) =>
    spanWhere((s) => s.scope === SCOPE.app && s.name === type && spanAttribute(s, 'graphql.operation.name') === name, `${type} ${name}`);

  itProductionProfile(
    'a checkout: SQL, Redis and Toss spans under the GraphQL operation spans, log lines with the trace id, no secret exported',
    async () => {
      receiver = await startOtlpReceiver();
      toss = await startTossSandbox();
      app = await spawnTracedApp(
        {
          names,
          mediaDir,
          otlpEndpoint: receiver.url,
          env: { TOSS_API_URL: toss.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY, OTEL_SERVICE_NAME: 'marketplace-test' },
        },
        { logLevel: 'debug', onOutput: (line) => logLines.push(line) },
      );

      const seller = await signUpAs(app.client, 'SELLER');
      const customer: TestAccount = await signUpAs(app.client, 'CUSTOMER');
      const productName = 'Traced kimchi 5e8d1f';
      const product = await createProduct(app.client, seller.token, { name: productName, stock: 3, price: 17000 });
      const order = await orderProducts(app.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      const auth = authorizeOrder(toss, order);
      const paid = await app.client.request(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
      expect(paid.errors).toBeUndefined();
      // A query over the WebSocket gets its own operation span.
      const ws = connectWs(app.url, customer.token);
      await ws.opened;
      const overWs = await runOverWs(ws, 'query WsCart { cart { lines { quantity } } }');
      expect(overWs.errors).toBeUndefined();
      await ws.client.dispose();

      // createOrder: the operation span under the incoming HTTP span; its SQL and Redis (the StockGuard) under it.
      const createOrder = await operationSpan('mutation', 'CreateOrder');
      expect(spanAttribute(createOrder, 'graphql.operation.type')).toBe('mutation');
      const httpSpan = receiver.spans.find((s) => s.spanId === createOrder.parentSpanId)!;
      expect(httpSpan).toMatchObject({ scope: SCOPE.http, kind: 2 });
      expect(spanAttribute(httpSpan, 'url.path')).toBe('/graphql');
      const orderSql = await spanWhere((s) => s.scope === SCOPE.mysql && isUnder(s, createOrder), 'SQL under createOrder');
      expect(String(spanAttribute(orderSql, 'db.query.text'))).toMatch(/\S/);
      await spanWhere((s) => s.scope === SCOPE.redis && isUnder(s, createOrder), 'Redis under createOrder');
      const inserts = receiver.spans.filter(
        (s) => s.scope === SCOPE.mysql && /insert into/i.test(String(spanAttribute(s, 'db.query.text'))),
      );
      expect(inserts.length).toBeGreaterThan(0);
      for (const insert of inserts) expect(String(spanAttribute(insert, 'db.query.text'))).toContain('?');

      // confirmPayment: the call to Toss (undici) and the SQL under the operation span.
      const confirm = await operationSpan('mutation', 'ConfirmPayment');
      const tossCall = await spanWhere((s) => s.scope === SCOPE.undici && isUnder(s, confirm), 'Toss call under confirmPayment');
      expect(spanAttribute(tossCall, 'url.full')).toBe(`${toss.url}/v1/payments/confirm`);
      await spanWhere((s) => s.scope === SCOPE.mysql && isUnder(s, confirm), 'SQL under confirmPayment');

      // The WebSocket query: its own root span, with its SQL under it.
      const wsQuery = await operationSpan('query', 'WsCart');
      expect(wsQuery.parentSpanId ?? '').toBe('');
      await spanWhere((s) => s.scope === SCOPE.mysql && isUnder(s, wsQuery), 'SQL under the WebSocket query');

      // Log lines written inside a request carry its trace id.
      const traced = logLines
        .map((line) => JSON.parse(line) as { trace_id?: string; span_id?: string })
        .filter((l) => l.trace_id === confirm.traceId);
      expect(traced.length).toBeGreaterThan(0);
      expect(traced[0].span_id).toMatch(/^[0-9a-f]{16}$/);

      // Nothing secret in anything exported: passwords, tokens, the Toss secret key (or its Basic header),
      // the payment key, an email, a variable's value.
      const exported = receiver.bodies.join('\n');
      expect(receiver.bodies.length).toBeGreaterThan(0);
      const secrets = {
        password: 'password1234',
        sellerToken: seller.token,
        customerToken: customer.token,
        tossSecretKey: TOSS_SECRET_KEY,
        basicHeader: Buffer.from(`${TOSS_SECRET_KEY}:`).toString('base64'),
        paymentKey: auth.paymentKey,
        email: customer.email,
        productName,
      };
      for (const [what, secret] of Object.entries(secrets))
        expect({ what, found: exported.includes(secret) }).toEqual({ what, found: false });
      // The service name came from OTEL_SERVICE_NAME.
      expect(exported).toContain('"marketplace-test"');
    },
  );
});
