import type { BusinessMetrics } from '../shared/business-metrics';
import { PaymentGatewayError, type PaymentGateway } from './payment-gateway';

/**
 * The PaymentGateway with each confirm's outcome reported: `approved` (Toss answered with the
 * payment), `declined` (a definite refusal), `unknown` (timeout, 5xx, an earlier request still
 * running: the reconciler settles it later, reported then as `reconciled`).
 */
export function observedGateway(gateway: PaymentGateway, metrics: BusinessMetrics): PaymentGateway {
  return {
    async confirm(input) {
      try {
        const payment = await gateway.confirm(input);
        metrics.paymentOutcome('approved');
        return payment;
      } catch (err) {
        metrics.paymentOutcome(err instanceof PaymentGatewayError && err.kind === 'rejected' ? 'declined' : 'unknown');
        throw err;
      }
    },
    cancel: (input) => gateway.cancel(input),
    getByPaymentKey: (paymentKey) => gateway.getByPaymentKey(paymentKey),
    getByOrderId: (orderId) => gateway.getByOrderId(orderId),
  };
}
