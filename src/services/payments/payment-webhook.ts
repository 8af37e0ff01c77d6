import type { EntityManager } from '@mikro-orm/knex';
import { LRUCache } from 'lru-cache';
import { Order } from '../../entities';
import type { Logger } from '../../logger';
import { isValidPaymentKey, PaymentGatewayError, TOSS_PAYMENT_STATUSES, type PaymentGateway } from './payment-gateway';
import type { PaymentSettlement } from './payment-settlement';

export type WebhookOutcome = { status: 200 | 400 | 503; body: { result: string } };

/** The part of a payment a delivery announces: a new status, or a new balance (a second partial refund keeps the status). */
type PaymentState = { status: string | null; balanceAmount: number | null };

/** What one look-up found: the answer given, and the state Toss reported (null when Toss had no such payment or could not be asked). */
type LookedUp = { outcome: WebhookOutcome; seen: PaymentState | null };

/**
 * How long a look-up's answer is reused for deliveries naming the same paymentKey, status and balance.
 * Short on purpose: a delivery it answers is one whose news was already read from Toss within
 * this window (see `handle`), so nothing is lost, and a flood costs one Toss call per window.
 */
export const WEBHOOK_MEMO_TTL_MS = 3000;
const WEBHOOK_MEMO_MAX_ENTRIES = 10_000;

const RETRY_LATER: WebhookOutcome = { status: 503, body: { result: 'retry later' } };

/**
 * `POST /webhooks/toss`: PAYMENT_STATUS_CHANGED. The body is never trusted: only its
 * paymentKey is used, to read the payment back from Toss, and the order is settled from that
 * answer. Duplicates and out-of-order deliveries are harmless (settling is idempotent).
 * Anything but 200 makes Toss deliver again later, so 503 is answered only when Toss could not
 * be asked (or, below, when the delivery may carry news a reused look-up has not seen).
 *
 * Deliveries are public, so each one must not cost a Toss call (the merchant's rate limit)
 * and a database write: concurrent and repeated deliveries for the same paymentKey and claimed
 * state within WEBHOOK_MEMO_TTL_MS share one look-up and its answer (per instance).
 */
export class PaymentWebhook {
  private readonly recent: LRUCache<string, LookedUp, string>;

  constructor(
    private readonly deps: {
      em: () => EntityManager;
      gateway: PaymentGateway;
      settlement: PaymentSettlement;
      logger: Logger;
    },
  ) {
    this.recent = new LRUCache<string, LookedUp, string>({
      max: WEBHOOK_MEMO_MAX_ENTRIES,
      // Counted from when the look-up ended (lru-cache stores a fetched value when it arrives).
      ttl: WEBHOOK_MEMO_TTL_MS,
      fetchMethod: (_key, _stale, { context }) => this.lookUpAndSettle(context),
    });
  }

  async handle(body: unknown): Promise<WebhookOutcome> {
    const event = body as { eventType?: unknown; data?: { paymentKey?: unknown; status?: unknown; balanceAmount?: unknown } } | null;
    if (!event || typeof event !== 'object') return { status: 400, body: { result: 'not a JSON object' } };
    if (event.eventType !== 'PAYMENT_STATUS_CHANGED') return { status: 200, body: { result: 'ignored' } };
    const paymentKey = event.data?.paymentKey;
    // A key Toss's paths cannot carry (empty, ".", "..", over 200 characters) names no payment: no need to ask.
    if (!isValidPaymentKey(paymentKey)) return { status: 400, body: { result: 'no paymentKey' } };
    // What the delivery claims is never acted on; it only tells deliveries with different news apart.
    const claimed: PaymentState = {
      status: (TOSS_PAYMENT_STATUSES as readonly unknown[]).includes(event.data?.status) ? String(event.data?.status) : null,
      balanceAmount: Number.isSafeInteger(event.data?.balanceAmount) ? Number(event.data?.balanceAmount) : null,
    };

    const status: LRUCache.Status<string, LookedUp, string> = {};
    const key = `${claimed.status ?? '-'} ${claimed.balanceAmount ?? '-'} ${paymentKey}`;
    const looked = await this.recent.fetch(key, { context: paymentKey, status });
    if (!looked) return RETRY_LATER;
    if (status.fetch === 'miss' || !looked.seen) return looked.outcome;
    if (looked.seen.status === claimed.status && looked.seen.balanceAmount === claimed.balanceAmount) return looked.outcome;
    // A reused answer that disagrees with the delivery: the delivery may announce a change that came
    // after that look-up. Toss delivers again later, when a fresh look-up will see it.
    return RETRY_LATER;
  }

  /**
   * Reads the payment from Toss and settles its order; never throws. A failure gives undefined,
   * which lru-cache does not keep (the delivery answers 503 and the next one looks again).
   */
  private async lookUpAndSettle(paymentKey: string): Promise<LookedUp | undefined> {
    const { gateway, logger, settlement } = this.deps;
    let toss;
    try {
      toss = await gateway.getByPaymentKey(paymentKey);
    } catch (err) {
      if (err instanceof PaymentGatewayError && err.notFound) {
        // Not this merchant's payment (junk or a forged key): nothing to do, and Toss must not redeliver.
        logger.debug({ paymentKey }, 'webhook: Toss has no such payment');
        return { outcome: { status: 200, body: { result: 'unknown payment' } }, seen: null };
      }
      logger.warn({ err }, 'webhook: could not read the payment back from Toss');
      // Not kept: Toss's next delivery (its retries may come within the memo's window) must ask again.
      return undefined;
    }
    try {
      const em = this.deps.em();
      const order = await em.findOne(Order, { orderId: toss.orderId }, { fields: ['id'] });
      if (!order)
        return {
          outcome: { status: 200, body: { result: 'unknown order' } },
          seen: { status: toss.status, balanceAmount: toss.balanceAmount },
        };
      const settled = await settlement.apply(em, order.id, toss);
      return {
        outcome: { status: 200, body: { result: settled.outcome } },
        seen: { status: toss.status, balanceAmount: toss.balanceAmount },
      };
    } catch (err) {
      logger.error({ err, orderId: toss.orderId }, 'webhook: could not settle the order');
      return undefined;
    }
  }
}
