import type { SandboxContext } from './context';
import { TossError } from './errors';
import { newPaymentKey } from './ids';
import { markAborted, markDone, markExpired, newAuthenticatedPayment, SETTLED_STATUSES, type PaymentRecord } from './payment-model';
import type { AuthorizeInput, AuthorizeResult, Merchant, Payment } from './types';
import { asRecord, ERROR_CODE_PATTERN, isIntegerAtLeast, requireAmount, requireOrderId, requireString } from './validation';

/** IN_PROGRESS payments must be confirmed within 10 minutes of authentication (§7). */
export const CONFIRM_WINDOW_MS = 10 * 60 * 1000;

/** Cards need at least 100 KRW (BELOW_MINIMUM_AMOUNT). */
export const MINIMUM_CARD_AMOUNT = 100;

function hasSettledAttempt(ctx: SandboxContext, merchant: Merchant, orderId: string): boolean {
  return ctx.payments.attemptsFor(merchant, orderId).some((r) => SETTLED_STATUSES.includes(r.payment.status));
}

/** Turns an overdue IN_PROGRESS payment into EXPIRED (with webhook); true if it did. */
export function expireIfOverdue(ctx: SandboxContext, record: PaymentRecord): boolean {
  if (record.payment.status !== 'IN_PROGRESS' || ctx.clock.now() - record.authenticatedAt <= CONFIRM_WINDOW_MS) return false;
  markExpired(record.payment);
  ctx.webhooks.paymentChanged(record.payment);
  return true;
}

/** Expires every overdue payment; run before each request and after the clock moves. */
export function expireOverduePayments(ctx: SandboxContext): void {
  for (const record of ctx.payments.all()) expireIfOverdue(ctx, record);
}

/** Parses the input of the simulated authentication step; throws the documented errors. */
export function parseAuthorizeInput(ctx: SandboxContext, body: unknown): { merchant: Merchant; input: AuthorizeInput } {
  const raw = asRecord(body);
  const clientKey = requireString(raw.clientKey, 200);
  const merchant = ctx.keys.byClientKey(clientKey);
  if (!merchant) throw new TossError('UNAUTHORIZED_KEY');
  const confirmError = raw.confirmError ?? undefined;
  if (confirmError !== undefined && (typeof confirmError !== 'string' || !ERROR_CODE_PATTERN.test(confirmError))) {
    throw new TossError('INVALID_REQUEST');
  }
  const amount = requireAmount(raw.amount);
  const taxExemptionAmount = raw.taxExemptionAmount ?? undefined;
  if (taxExemptionAmount !== undefined && (!isIntegerAtLeast(taxExemptionAmount, 0) || (taxExemptionAmount as number) > amount)) {
    throw new TossError('INVALID_REQUEST');
  }
  const input: AuthorizeInput = {
    clientKey,
    orderId: requireOrderId(raw.orderId),
    orderName: requireString(raw.orderName, 100),
    amount,
    confirmError,
    taxExemptionAmount: taxExemptionAmount as number | undefined,
  };
  return { merchant, input };
}

/** READY -> IN_PROGRESS: the buyer authenticated, a paymentKey is issued. */
export function authorizePayment(ctx: SandboxContext, merchant: Merchant, input: AuthorizeInput, requestedAt?: number): AuthorizeResult {
  if (hasSettledAttempt(ctx, merchant, input.orderId)) throw new TossError('DUPLICATED_ORDER_ID');
  const now = ctx.clock.now();
  let paymentKey = newPaymentKey(merchant.mId, now);
  while (ctx.payments.has(paymentKey)) paymentKey = newPaymentKey(merchant.mId, now);
  const order = {
    paymentKey,
    orderId: input.orderId,
    orderName: input.orderName,
    amount: input.amount,
    taxExemptionAmount: input.taxExemptionAmount ?? 0,
  };
  ctx.payments.add({
    payment: newAuthenticatedPayment(merchant, order, requestedAt ?? now, ctx.baseUrl),
    merchant,
    authenticatedAt: now,
    confirmError: input.confirmError ?? null,
  });
  return { paymentKey, orderId: input.orderId, amount: input.amount };
}

/** POST /v1/payments/confirm: approves an IN_PROGRESS payment or throws the documented error. */
export function confirmPayment(ctx: SandboxContext, merchant: Merchant, body: unknown): Payment {
  const raw = asRecord(body);
  const paymentKey = requireString(raw.paymentKey, 200);
  const orderId = requireOrderId(raw.orderId);
  const amount = requireAmount(raw.amount);

  const record = ctx.payments.get(paymentKey);
  if (!record) throw new TossError('NOT_FOUND_PAYMENT_SESSION');
  if (record.merchant !== merchant) throw new TossError('FORBIDDEN_REQUEST');
  expireIfOverdue(ctx, record);
  const { payment } = record;
  // The session data (and its orderId/amount binding) is gone once the payment expired.
  if (payment.status === 'EXPIRED') throw new TossError('NOT_FOUND_PAYMENT_SESSION');
  if (payment.orderId !== orderId) throw new TossError('FORBIDDEN_REQUEST');
  if (payment.totalAmount !== amount) throw new TossError('INVALID_REQUEST');
  if (payment.status !== 'IN_PROGRESS') throw new TossError('ALREADY_PROCESSED_PAYMENT');
  // Another attempt of the same order was approved already: never charge an order twice.
  if (hasSettledAttempt(ctx, merchant, orderId)) throw new TossError('ALREADY_PROCESSED_PAYMENT');

  const failure = amount < MINIMUM_CARD_AMOUNT ? 'BELOW_MINIMUM_AMOUNT' : record.confirmError;
  if (failure) {
    markAborted(payment, failure);
    ctx.webhooks.paymentChanged(payment);
    throw new TossError(failure);
  }
  markDone(payment, ctx.clock.now(), ctx.baseUrl);
  ctx.webhooks.paymentChanged(payment);
  return payment;
}
