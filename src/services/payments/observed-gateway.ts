import type { BusinessMetrics } from '../shared/business-metrics';
import { PaymentGatewayError, type PaymentGateway } from './payment-gateway';

/**
 * The PaymentGateway with each confirm's outcome reported: `approved` (Toss answered with the
 * payment), `declined` (a definite refusal), `unknown` (timeout, 5xx, an earlier request still
 * running, a refusal such as ALREADY_PROCESSED_PAYMENT that a lookup settles: the reconciler
 * settles what the lookup cannot, reported then as `reconciled`).
 */
export function observedGateway(gateway: PaymentGateway, metrics: BusinessMetrics): PaymentGateway {
  return {
    async confirm(input) {
      try {
        const payment = await gateway.confirm(input);
        metrics.paymentOutcome('approved');
        return payment;
      } catch (err) {
        // As the payment service reads the answer: a refusal Toss may have approved anyway
        // (ALREADY_PROCESSED_PAYMENT, say) is settled by a lookup, so its outcome is not known here.
        const declined = err instanceof PaymentGatewayError && err.kind === 'rejected' && !err.reconcile;
        metrics.paymentOutcome(declined ? 'declined' : 'unknown');
        throw err;
      }
    },
    cancel: (input) => gateway.cancel(input),
    getByPaymentKey: (paymentKey) => gateway.getByPaymentKey(paymentKey),
    getByOrderId: (orderId) => gateway.getByOrderId(orderId),
  };
}
