import type { SandboxContext } from './context';
import { TossError } from './errors';
import type { PaymentRecord } from './payment-model';
import { expireIfOverdue } from './payment-confirm.service';
import type { Merchant, Payment } from './types';

/** The merchant's own payment, else 404 NOT_FOUND_PAYMENT or 403 FORBIDDEN_REQUEST. */
export function ownPayment(ctx: SandboxContext, merchant: Merchant, paymentKey: string): PaymentRecord {
  const record = ctx.payments.get(paymentKey);
  if (!record) throw new TossError('NOT_FOUND_PAYMENT');
  if (record.merchant !== merchant) throw new TossError('FORBIDDEN_REQUEST');
  expireIfOverdue(ctx, record);
  return record;
}

/** GET /v1/payments/{paymentKey}. */
export function lookupPayment(ctx: SandboxContext, merchant: Merchant, paymentKey: string): Payment {
  return ownPayment(ctx, merchant, paymentKey).payment;
}

/** GET /v1/payments/orders/{orderId}: order IDs are scoped to the merchant, like on Toss. */
export function lookupPaymentByOrder(ctx: SandboxContext, merchant: Merchant, orderId: string): Payment {
  const record = ctx.payments.findByOrder(merchant, orderId);
  if (!record) throw new TossError('NOT_FOUND_PAYMENT');
  expireIfOverdue(ctx, record);
  return record.payment;
}
