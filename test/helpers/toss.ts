import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { startTestApp, type TestApp } from './test-app';
import type { Logger } from '../../src/logger';

/** The sandbox's API key pair (test_ck_/test_sk_), as the app's TOSS_* settings. */
export const TOSS_CLIENT_KEY = 'test_ck_sandbox_marketplace';
export const TOSS_SECRET_KEY = 'test_sk_sandbox_marketplace';

/**
 * A Toss sandbox on a free loopback port and the app pointed at it over HTTP, with the
 * sandbox's webhooks delivered to the app's `/webhooks/toss`. Close the app, then the sandbox.
 */
export async function startAppWithToss(
  env: Record<string, string> = {},
  options: { logger?: Logger; onQuery?: (sql: string) => void } = {},
): Promise<{ t: TestApp; toss: TossSandbox; close(): Promise<void> }> {
  const toss = await startTossSandbox({ webhookRetryDelaysMs: [50, 100] });
  const t = await startTestApp({ TOSS_API_URL: toss.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY, TOSS_TIMEOUT_MS: '2000', ...env }, options);
  toss.setWebhookUrl(`${t.url}/webhooks/toss`);
  return {
    t,
    toss,
    async close() {
      toss.setWebhookUrl(null);
      await t.close();
      await toss.close();
    },
  };
}

/**
 * A refund made outside this server, as in Toss's merchant console: straight to the Toss API
 * with the merchant's secret key. A partial one with `cancelAmount`.
 */
export const MERCHANT_REASON = '상점 관리자 환불 (merchant console)';

export async function merchantCancel(toss: TossSandbox, paymentKey: string, cancelAmount?: number): Promise<void> {
  const res = await fetch(`${toss.url}/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${TOSS_SECRET_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cancelReason: MERCHANT_REASON, ...(cancelAmount ? { cancelAmount } : {}) }),
  });
  if (!res.ok) throw new Error(`merchant cancel failed: ${res.status} ${await res.text()}`);
}

/** The payment window for an order, as a customer completes it: what `confirmPayment` then takes. */
export function authorizeOrder(
  toss: TossSandbox,
  order: { orderId: string; orderName: string; totalAmount: number },
  confirmError?: string,
) {
  return toss.authorize({
    clientKey: TOSS_CLIENT_KEY,
    orderId: order.orderId,
    orderName: order.orderName,
    amount: order.totalAmount,
    confirmError,
  });
}
