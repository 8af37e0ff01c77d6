import type { EntityManager } from '@mikro-orm/knex';
import { Order } from '../../entities';
import type { Logger } from '../../logger';
import type { PaymentGateway } from './payment-gateway';
import type { PaymentSettlement } from './payment-settlement';

export type WebhookOutcome = { status: 200 | 400 | 503; body: { result: string } };

/**
 * `POST /webhooks/toss`: PAYMENT_STATUS_CHANGED. The body is never trusted: only its
 * paymentKey is used, to read the payment back from Toss, and the order is settled from that
 * answer. Duplicates and out-of-order deliveries are harmless (settling is idempotent).
 * Anything but 200 makes Toss deliver again later, so 503 is answered only when Toss could not
 * be asked.
 */
export class PaymentWebhook {
  constructor(private readonly deps: { em: () => EntityManager; gateway: PaymentGateway; settlement: PaymentSettlement; logger: Logger }) {}

  async handle(body: unknown): Promise<WebhookOutcome> {
    const event = body as { eventType?: unknown; data?: { paymentKey?: unknown } } | null;
    if (!event || typeof event !== 'object') return { status: 400, body: { result: 'not a JSON object' } };
    if (event.eventType !== 'PAYMENT_STATUS_CHANGED') return { status: 200, body: { result: 'ignored' } };
    const paymentKey = event.data?.paymentKey;
    if (typeof paymentKey !== 'string' || !paymentKey || paymentKey.length > 200) return { status: 400, body: { result: 'no paymentKey' } };

    let toss;
    try {
      toss = await this.deps.gateway.getByPaymentKey(paymentKey);
    } catch (err) {
      this.deps.logger.warn({ err }, 'webhook: could not read the payment back from Toss');
      return { status: 503, body: { result: 'retry later' } };
    }
    const em = this.deps.em();
    const order = await em.findOne(Order, { orderId: toss.orderId }, { fields: ['id'] });
    if (!order) return { status: 200, body: { result: 'unknown order' } };
    try {
      const settled = await this.deps.settlement.apply(em, order.id, toss);
      return { status: 200, body: { result: settled.outcome } };
    } catch (err) {
      this.deps.logger.error({ err, orderId: toss.orderId }, 'webhook: could not settle the order');
      return { status: 503, body: { result: 'retry later' } };
    }
  }
}
