import { startTossSandbox, type TossSandbox, type WebhookDelivery } from '../../toss-sandbox';
import { approvedPayment, authorize, call, cancel, confirm, KST_TIME, startWebhookReceiver, type WebhookReceiver } from './helpers';

const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

describe('toss sandbox: PAYMENT_STATUS_CHANGED webhooks', () => {
  let sandbox: TossSandbox;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTossSandbox({ webhookUrl: receiver.url, webhookRetryDelaysMs: [20, 40, 60] });
  });
  afterEach(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('posts the full Payment with the documented headers when a payment becomes DONE', async () => {
    const auth = await authorize(sandbox);
    expect(sandbox.webhookDeliveries()).toEqual([]); // not sent for IN_PROGRESS
    const done = (await confirm(sandbox, auth)).body;
    await sandbox.waitForWebhooks();
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['tosspayments-webhook-transmission-retried-count']).toBe('0');
    expect(hook.headers['tosspayments-webhook-transmission-id']).toMatch(/^whtrans_/);
    expect(hook.headers['tosspayments-webhook-transmission-time']).toMatch(KST_TIME);
    expect(hook.body.eventType).toBe('PAYMENT_STATUS_CHANGED');
    expect(hook.body.createdAt).toMatch(CREATED_AT);
    expect(hook.body.data).toEqual(done);
    expect(hook.body.data.secret).toBe(done.secret);
  });

  it('reports PARTIAL_CANCELED, CANCELED, ABORTED and EXPIRED', async () => {
    const done = await approvedPayment(sandbox, 10000);
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 1000 });
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x' });
    await confirm(sandbox, await authorize(sandbox, { confirmError: 'REJECT_CARD_PAYMENT' }));
    await authorize(sandbox);
    await call(sandbox, 'POST', '/__sandbox/clock', { secretKey: null, body: { advanceMs: 10 * 60 * 1000 + 1 } });
    await sandbox.waitForWebhooks();
    // Deliveries run concurrently, so the log (creation order) is the reference; the receiver got the same set.
    const statuses = ['DONE', 'PARTIAL_CANCELED', 'CANCELED', 'ABORTED', 'EXPIRED'];
    expect(sandbox.webhookDeliveries().map((d) => d.paymentStatus)).toEqual(statuses);
    expect(receiver.received.map((r) => r.body.data.status).sort()).toEqual([...statuses].sort());
    const byStatus = new Map(receiver.received.map((r) => [r.body.data.status, r.body.data]));
    expect(byStatus.get('ABORTED')?.failure?.code).toBe('REJECT_CARD_PAYMENT');
    expect(byStatus.get('EXPIRED')?.failure?.code).toBe('EXPIRED_PAYMENT');
    expect(byStatus.get('PARTIAL_CANCELED')?.balanceAmount).toBe(9000);
    expect(new Set(receiver.received.map((r) => r.headers['tosspayments-webhook-transmission-id'])).size).toBe(5);
  });

  it('retries any non-200 answer on the configured delays with the same transmission id', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver([500, 201]);
    sandbox.setWebhookUrl(receiver.url);
    await approvedPayment(sandbox);
    await sandbox.waitForWebhooks();
    expect(receiver.received.map((r) => r.headers['tosspayments-webhook-transmission-retried-count'])).toEqual(['0', '1', '2']);
    expect(new Set(receiver.received.map((r) => r.headers['tosspayments-webhook-transmission-id'])).size).toBe(1);
    const log = await call<WebhookDelivery[]>(sandbox, 'GET', '/__sandbox/webhooks', { secretKey: null });
    expect(log.body).toHaveLength(1);
    expect(log.body[0]).toMatchObject({ eventType: 'PAYMENT_STATUS_CHANGED', status: 'DELIVERED', attempts: 3, lastResponseStatus: 200 });
    expect(log.body[0].body.data.status).toBe('DONE');
  });

  it('gives up after the last retry and never blocks the API response', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver([500, 500, 500, 500, 500]);
    sandbox.setWebhookUrl(receiver.url);
    await approvedPayment(sandbox);
    await sandbox.waitForWebhooks();
    const [delivery] = sandbox.webhookDeliveries();
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 4, lastResponseStatus: 500, lastError: 'HTTP 500' });
  });

  it('records network errors as failed attempts', async () => {
    const url = receiver.url;
    await receiver.close();
    sandbox.setWebhookUrl(url);
    const started = Date.now();
    expect((await confirm(sandbox, await authorize(sandbox))).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await sandbox.waitForWebhooks();
    expect(sandbox.webhookDeliveries()[0]).toMatchObject({ status: 'FAILED', attempts: 4, lastResponseStatus: null });
    receiver = await startWebhookReceiver();
  });
});
