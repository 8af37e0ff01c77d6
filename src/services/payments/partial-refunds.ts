import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { sqlOf } from '../../db/sql';
import { Role } from '../../entities/role';
import type { Logger } from '../../logger';
import { badInput, notFound, paymentFailed, serviceUnavailable } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { CANCEL_REASON_MAX } from '../orders/order.service';
import type { ItemCancellations, RequestedLine } from './item-cancellations';
import { PaymentGatewayError, type PaymentGateway, type TossPayment } from './payment-gateway';

/** At most this many lines in one cancelOrderItems call (an order holds at most 100 products). */
export const MAX_CANCEL_LINES = 100;
const BATCH = 50;

/**
 * cancelOrderItems: a partial refund of a paid order through Toss's partial cancel. The lines are
 * claimed first (ItemCancellations.claim: nothing is sent to Toss unless the request stands), then
 * Toss is asked for `cancelAmount` with the cancellation's own Idempotency-Key and the balance it
 * expects (`refundableAmount`), then the cancellation is settled from Toss's answer. Toss's refusal
 * fails it and leaves the lines as they were; an unknown outcome is looked up at once and, failing
 * that, settled by `settleStale` once no call can still be running: never refunded twice.
 */
export class PartialRefunds {
  constructor(
    private readonly deps: {
      gateway: PaymentGateway;
      cancellations: ItemCancellations;
      logger: Logger;
      /** A PENDING cancellation older than this belongs to a request that died or could not tell. */
      claimTtlMs: number;
    },
  ) {}

  /** Cancels `items` (units of unshipped lines) of a paid order: the customer's, or a seller's own lines. */
  async cancelItems(
    em: EntityManager,
    identity: Identity,
    orderId: string,
    items: ReadonlyArray<{ itemId: string; quantity: number }>,
    reason: string | null | undefined,
  ): Promise<void> {
    const requested = parseLines(items);
    const cleanReason = reason?.trim() || null;
    if (cleanReason && cleanReason.length > CANCEL_REASON_MAX) throw badInput('reason', `must be at most ${CANCEL_REASON_MAX} characters`);
    const defaultReason = identity.role === Role.SELLER ? '판매자 취소 (cancelled by the seller)' : '고객 요청 (requested by the customer)';
    const claimed = await this.deps.cancellations.claim(em, identity, orderId, requested, cleanReason ?? defaultReason);
    let refunded: TossPayment;
    try {
      refunded = await this.deps.gateway.cancel({
        paymentKey: claimed.paymentKey,
        reason: claimed.reason,
        idempotencyKey: claimed.idempotencyKey,
        cancelAmount: claimed.amount,
        refundableAmount: claimed.balanceBefore,
      });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      if (err.kind === 'rejected') {
        await this.deps.cancellations.fail(em, claimed.id, `Toss refused: ${err.code}`);
        throw paymentFailed(`The refund was refused, so nothing was cancelled: ${err.tossMessage ?? err.code}`, {
          code: err.code,
          ...err.toClientExtensions(),
          orderId,
        });
      }
      // Toss could not say: its view of the payment decides, now or once no call can still be running.
      const known = await this.deps.gateway.getByPaymentKey(claimed.paymentKey).catch(() => null);
      if (!known || !(await this.deps.cancellations.settle(em, claimed.id, known))) {
        this.deps.logger.warn({ err, orderId, cancellationId: claimed.id }, 'partial cancel outcome unknown; the reconciler settles it');
        throw serviceUnavailable(
          'The refund could not be confirmed with Toss. It is settled automatically shortly (never twice); the lines stay as they are until then.',
        );
      }
      return;
    }
    if (!(await this.deps.cancellations.settle(em, claimed.id, refunded))) {
      // Toss answered without this refund in cancels[]: it cannot be read as done; the reconciler looks again.
      this.deps.logger.error({ orderId, cancellationId: claimed.id }, "Toss's answer to a partial cancel does not show it");
      throw serviceUnavailable('The refund could not be confirmed with Toss. It is settled automatically shortly (never twice).');
    }
  }

  /**
   * Cancellations left PENDING past the TTL (the request died, or Toss could not say): settled from
   * Toss's view, or failed (claim released, lines as they were) when Toss shows no such refund.
   */
  async settleStale(em: EntityManager, now = new Date()): Promise<number> {
    const stale = await this.deps.cancellations.stale(em, new Date(now.getTime() - this.deps.claimTtlMs), BATCH);
    let settled = 0;
    for (const c of stale) {
      try {
        const [payment] = await sqlOf(em.fork()).rows<{ payment_key: string }>('select payment_key from payment where order_id = ?', [
          c.order.id,
        ]);
        const toss = payment ? await this.deps.gateway.getByPaymentKey(payment.payment_key) : null;
        if (toss && (await this.deps.cancellations.settle(em, c.id, toss))) settled++;
        else {
          await this.deps.cancellations.fail(em, c.id, 'Toss shows no such refund');
          settled++;
        }
      } catch (err) {
        this.deps.logger.warn({ err, cancellationId: c.id }, 'could not settle a pending partial cancel; retrying on the next pass');
      }
    }
    return settled;
  }
}

/** The requested lines: 1 to MAX_CANCEL_LINES distinct line ids, each with a whole number of units (at least 1). */
function parseLines(items: ReadonlyArray<{ itemId: string; quantity: number }>): RequestedLine[] {
  if (items.length === 0) throw badInput('items', 'name at least one line to cancel');
  if (items.length > MAX_CANCEL_LINES) throw badInput('items', `at most ${MAX_CANCEL_LINES} lines at once`);
  const seen = new Set<number>();
  return items.map(({ itemId, quantity }) => {
    const id = parseNumericId(itemId);
    if (id === null) throw notFound('Order item');
    if (seen.has(id)) throw badInput('items', 'names the same line twice');
    seen.add(id);
    if (!Number.isInteger(quantity) || quantity < 1) throw badInput('items', 'each quantity must be a whole number of units, at least 1');
    return { itemId: id, quantity };
  });
}
