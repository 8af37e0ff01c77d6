import type { SandboxContext } from './context';
import { TossError } from './errors';
import { applyCancel } from './payment-model';
import { ownPayment } from './payment-lookup.service';
import type { Merchant, Payment } from './types';
import { asRecord, optionalInteger, requireString } from './validation';

interface CancelInput {
  cancelReason: string;
  cancelAmount: number | undefined;
  refundableAmount: number | undefined;
  taxFreeAmount: number;
}

function parseCancelInput(body: unknown): CancelInput {
  const raw = asRecord(body);
  if (raw.currency !== undefined && raw.currency !== null && raw.currency !== 'KRW') throw new TossError('INVALID_REQUEST');
  return {
    cancelReason: requireString(raw.cancelReason, 200),
    cancelAmount: optionalInteger(raw.cancelAmount, 1),
    refundableAmount: optionalInteger(raw.refundableAmount, 0),
    taxFreeAmount: optionalInteger(raw.taxFreeAmount, 0) ?? 0,
  };
}

/** POST /v1/payments/{paymentKey}/cancel: full cancel without cancelAmount, partial with it. */
export function cancelPayment(ctx: SandboxContext, merchant: Merchant, paymentKey: string, body: unknown): Payment {
  const input = parseCancelInput(body);
  const { payment } = ownPayment(ctx, merchant, paymentKey);
  if (payment.status === 'CANCELED') throw new TossError('ALREADY_CANCELED_PAYMENT');
  if (payment.status !== 'DONE' && payment.status !== 'PARTIAL_CANCELED') throw new TossError('NOT_CANCELABLE_PAYMENT');
  if (input.refundableAmount !== undefined && input.refundableAmount !== payment.balanceAmount) {
    throw new TossError('NOT_MATCHES_REFUNDABLE_AMOUNT');
  }
  const amount = input.cancelAmount ?? payment.balanceAmount;
  if (amount > payment.balanceAmount) throw new TossError('NOT_CANCELABLE_AMOUNT');
  if (amount < payment.balanceAmount && !payment.isPartialCancelable) throw new TossError('NOT_ALLOWED_PARTIAL_REFUND');
  if (input.taxFreeAmount > amount || input.taxFreeAmount > payment.taxFreeAmount) throw new TossError('NOT_CANCELABLE_AMOUNT');
  applyCancel(payment, { amount, reason: input.cancelReason, taxFreeAmount: input.taxFreeAmount }, ctx.clock.now());
  ctx.webhooks.paymentChanged(payment);
  return payment;
}
