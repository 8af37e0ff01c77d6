import type { EntityManager } from '@mikro-orm/knex';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { OrderLifecycle } from '../orders/order-lifecycle';
import type { StockGuard } from '../stock/stock-guard';
import { ItemCancellations } from './item-cancellations';
import { PartialRefunds } from './partial-refunds';
import { PaymentReconciler } from './payment-reconciler';
import { PaymentRefunds } from './payment-refunds';
import { PaymentSettlement } from './payment-settlement';
import { PaymentWebhook } from './payment-webhook';
import { PaymentService } from './payment.service';
import { TossPaymentGateway } from './toss-payment-gateway';
import { NO_METRICS, type BusinessMetrics } from '../shared/business-metrics';
import { observedGateway } from './observed-gateway';

/**
 * Wires the payments module. Without TOSS_SECRET_KEY there is no gateway: confirmPayment and
 * refunds answer SERVICE_UNAVAILABLE, and the reconciler and webhook stay off.
 */
export function createPayments(
  config: Config['payments'],
  deps: { em: () => EntityManager; lifecycle: OrderLifecycle; stock: StockGuard; logger: Logger; metrics?: BusinessMetrics },
) {
  const metrics = deps.metrics ?? NO_METRICS;
  const toss = config.secretKey
    ? new TossPaymentGateway({
        apiUrl: config.apiUrl,
        secretKey: config.secretKey,
        timeoutMs: config.timeoutMs,
        retries: 1,
        logger: deps.logger,
      })
    : null;
  const gateway = toss && metrics !== NO_METRICS ? observedGateway(toss, metrics) : toss;
  if (!gateway) deps.logger.warn('TOSS_SECRET_KEY is not set: payments are off');
  const cancellations = new ItemCancellations({ lifecycle: deps.lifecycle, stock: deps.stock, logger: deps.logger });
  const settlement = gateway
    ? new PaymentSettlement({ lifecycle: deps.lifecycle, stock: deps.stock, gateway, logger: deps.logger, cancellations })
    : null;
  const service = new PaymentService({ gateway, settlement, logger: deps.logger });
  // Past every Toss call a refund makes (cancel with one retry, then a lookup) and the reconciler's wait.
  const claimTtlMs = Math.max(config.reconcileAfterSeconds * 1000, 4 * config.timeoutMs);
  const refunds = gateway && settlement ? new PaymentRefunds({ gateway, settlement, logger: deps.logger, claimTtlMs }) : null;
  const partialRefunds = gateway ? new PartialRefunds({ gateway, cancellations, logger: deps.logger, claimTtlMs }) : null;
  const reconciler =
    gateway && settlement && refunds && partialRefunds
      ? new PaymentReconciler({
          em: deps.em,
          gateway,
          settlement,
          refunds,
          partialRefunds,
          logger: deps.logger,
          metrics,
          reconcileAfterMs: config.reconcileAfterSeconds * 1000,
        })
      : null;
  const webhook = gateway && settlement ? new PaymentWebhook({ em: deps.em, gateway, settlement, logger: deps.logger }) : null;
  return { gateway, settlement, service, refunds, partialRefunds, reconciler, webhook };
}

export type Payments = ReturnType<typeof createPayments>;
