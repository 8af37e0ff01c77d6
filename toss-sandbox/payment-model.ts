import { messageOf } from './errors';
import { newPaymentSecret, newTransactionKey } from './ids';
import { formatKst } from './time';
import type { Merchant, Payment, PaymentCancel, PaymentStatus } from './types';

/** A payment plus what only the sandbox knows about it. */
export interface PaymentRecord {
  payment: Payment;
  merchant: Merchant;
  /** When the buyer authenticated (IN_PROGRESS); the 10-minute confirm window starts here. */
  authenticatedAt: number;
  /** Code the confirm of this payment must fail with, if any. */
  confirmError: string | null;
}

/** Statuses of an approved payment, whatever was refunded since. */
export const SETTLED_STATUSES: readonly PaymentStatus[] = ['DONE', 'PARTIAL_CANCELED', 'CANCELED'];

/** `vat = round((amount - taxFree) / 11)` half up, `supplied = amount - taxFree - vat` (§5). */
export function splitVat(amount: number, taxFreeAmount: number): { suppliedAmount: number; vat: number } {
  const taxable = amount - taxFreeAmount;
  const vat = Math.floor(taxable / 11 + 0.5);
  return { suppliedAmount: taxable - vat, vat };
}

/** Links the sandbox serves for a payment (sales slip and checkout page). */
export function paymentLinks(baseUrl: string, paymentKey: string): { receipt: string; checkout: string } {
  const key = encodeURIComponent(paymentKey);
  return {
    receipt: `${baseUrl}/receipt/redirection?transactionId=${key}&ref=PX`,
    checkout: `${baseUrl}/v1/payments/${key}/checkout`,
  };
}

/** The Payment object right after authentication: IN_PROGRESS, card chosen, not yet approved. */
export function newAuthenticatedPayment(
  merchant: Merchant,
  order: { paymentKey: string; orderId: string; orderName: string; amount: number; taxExemptionAmount?: number },
  requestedAt: number,
  baseUrl: string,
): Payment {
  const { suppliedAmount, vat } = splitVat(order.amount, 0);
  return {
    mId: merchant.mId,
    version: '2022-11-16',
    type: 'NORMAL',
    paymentKey: order.paymentKey,
    orderId: order.orderId,
    orderName: order.orderName,
    lastTransactionKey: null,
    transactionKey: null,
    status: 'IN_PROGRESS',
    method: '카드',
    currency: 'KRW',
    country: 'KR',
    requestedAt: formatKst(requestedAt),
    approvedAt: null,
    totalAmount: order.amount,
    balanceAmount: order.amount,
    suppliedAmount,
    vat,
    taxFreeAmount: 0,
    taxExemptionAmount: order.taxExemptionAmount ?? 0,
    useEscrow: false,
    cultureExpense: false,
    // Reference §2: a card payment with a tax-exempt part cannot be partially cancelled.
    isPartialCancelable: (order.taxExemptionAmount ?? 0) === 0,
    card: {
      issuerCode: '71',
      acquirerCode: '71',
      number: '12345678****000*',
      installmentPlanMonths: 0,
      isInterestFree: false,
      interestPayer: null,
      approveNo: '00000000',
      useCardPoint: false,
      cardType: '신용',
      ownerType: '개인',
      acquireStatus: 'READY',
      amount: order.amount,
    },
    virtualAccount: null,
    transfer: null,
    mobilePhone: null,
    giftCertificate: null,
    easyPay: null,
    cashReceipt: null,
    cashReceipts: null,
    discount: null,
    cancels: null,
    failure: null,
    metadata: null,
    secret: null,
    receipt: null,
    checkout: { url: paymentLinks(baseUrl, order.paymentKey).checkout },
  };
}

/** IN_PROGRESS -> DONE: approval time, transaction key, webhook secret and sales slip. */
export function markDone(payment: Payment, now: number, baseUrl: string): void {
  payment.status = 'DONE';
  payment.approvedAt = formatKst(now);
  payment.lastTransactionKey = newTransactionKey();
  payment.secret = newPaymentSecret();
  payment.receipt = { url: paymentLinks(baseUrl, payment.paymentKey).receipt };
}

/** IN_PROGRESS -> ABORTED with `failure {code, message}`; the failed approval still gets a transaction key. */
export function markAborted(payment: Payment, code: string): void {
  payment.status = 'ABORTED';
  payment.lastTransactionKey = newTransactionKey();
  payment.failure = { code, message: messageOf(code) };
}

/** IN_PROGRESS -> EXPIRED with the observed `EXPIRED_PAYMENT` failure. */
export function markExpired(payment: Payment): void {
  payment.status = 'EXPIRED';
  payment.failure = { code: 'EXPIRED_PAYMENT', message: messageOf('EXPIRED_PAYMENT') };
}

/** Appends one cancel and recomputes balance, VAT and status (CANCELED once the balance is 0). */
export function applyCancel(
  payment: Payment,
  cancel: { amount: number; reason: string; taxFreeAmount: number },
  now: number,
): PaymentCancel {
  const balanceAmount = payment.balanceAmount - cancel.amount;
  const taxFreeAmount = payment.taxFreeAmount - cancel.taxFreeAmount;
  const entry: PaymentCancel = {
    transactionKey: newTransactionKey(),
    cancelReason: cancel.reason,
    cancelAmount: cancel.amount,
    taxFreeAmount: cancel.taxFreeAmount,
    taxExemptionAmount: 0,
    refundableAmount: balanceAmount,
    cardDiscountAmount: 0,
    transferDiscountAmount: 0,
    easyPayDiscountAmount: 0,
    canceledAt: formatKst(now),
    receiptKey: null,
    cancelStatus: 'DONE',
    cancelRequestId: null,
  };
  const { suppliedAmount, vat } = splitVat(balanceAmount, taxFreeAmount);
  payment.balanceAmount = balanceAmount;
  payment.taxFreeAmount = taxFreeAmount;
  payment.suppliedAmount = suppliedAmount;
  payment.vat = vat;
  payment.cancels = [...(payment.cancels ?? []), entry];
  payment.lastTransactionKey = entry.transactionKey;
  payment.status = balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
  if (payment.card && balanceAmount === 0) payment.card.acquireStatus = 'CANCELED';
  return entry;
}
