import { Payment, PaymentStatus, type PaymentCancelRecord } from '../../entities/payment.entity';
import type { TossPayment, TossPaymentStatus } from './payment-gateway';

/** A payment as the read path shows it. */
export type PaymentRecord = {
  orderDbId: number;
  paymentKey: string;
  method: string | null;
  amount: number;
  balanceAmount: number;
  status: PaymentStatus;
  approvedAt: Date | null;
  canceledAt: Date | null;
  cancelReason: string | null;
  cancels: PaymentCancelRecord[];
  receiptUrl: string | null;
  failureCode: string | null;
  failureMessage: string | null;
};

export function toPaymentRecord(p: Payment): PaymentRecord {
  return {
    orderDbId: p.order.id,
    paymentKey: p.paymentKey,
    method: p.method,
    amount: p.amount,
    balanceAmount: p.balanceAmount,
    status: p.status,
    approvedAt: p.approvedAt,
    canceledAt: p.canceledAt,
    cancelReason: p.cancelReason,
    cancels: p.cancels ?? [],
    receiptUrl: p.receiptUrl,
    failureCode: p.failureCode,
    failureMessage: p.failureMessage,
  };
}

/** Toss's eight payment statuses folded into ours. */
export function ourStatus(status: TossPaymentStatus): PaymentStatus {
  switch (status) {
    case 'DONE':
      return PaymentStatus.DONE;
    case 'PARTIAL_CANCELED':
      return PaymentStatus.PARTIAL_CANCELED;
    case 'CANCELED':
      return PaymentStatus.CANCELED;
    case 'ABORTED':
    case 'EXPIRED':
      return PaymentStatus.ABORTED;
    default:
      return PaymentStatus.READY;
  }
}

/** How far a payment has come: Toss only ever moves a payment forward along this order. */
const PROGRESS: Record<PaymentStatus, number> = {
  [PaymentStatus.READY]: 0,
  [PaymentStatus.ABORTED]: 1,
  [PaymentStatus.DONE]: 1,
  [PaymentStatus.PARTIAL_CANCELED]: 2,
  [PaymentStatus.CANCELED]: 3,
};

/**
 * Whether `toss` is older than what the row already holds: a slow confirm's DONE arriving after
 * the refund was recorded, say. Toss's state only moves forward, and each cancel adds to
 * `cancels`, so fewer cancels or an earlier status means an earlier answer.
 */
export function isStale(row: Payment, toss: TossPayment): boolean {
  if (row.paymentKey !== toss.paymentKey) return false;
  const known = row.cancels?.length ?? 0;
  if (toss.cancels.length !== known) return toss.cancels.length < known;
  return PROGRESS[ourStatus(toss.status)] < PROGRESS[row.status as PaymentStatus];
}

/** Copies what Toss says about a payment onto our row, unless the row already knows a later state. */
export function applyTossPayment(row: Payment, toss: TossPayment): void {
  if (isStale(row, toss)) return;
  row.status = ourStatus(toss.status);
  row.balanceAmount = toss.status === 'DONE' || toss.status === 'PARTIAL_CANCELED' || toss.status === 'CANCELED' ? toss.balanceAmount : 0;
  row.method = toss.method ?? row.method;
  row.approvedAt = toss.approvedAt ? new Date(toss.approvedAt) : row.approvedAt;
  row.cancels = toss.cancels.map((c) => ({
    amount: c.cancelAmount,
    reason: c.cancelReason,
    canceledAt: c.canceledAt,
    transactionKey: c.transactionKey,
  }));
  const lastCancel = toss.cancels.at(-1);
  if (lastCancel) {
    row.canceledAt = new Date(lastCancel.canceledAt);
    row.cancelReason = lastCancel.cancelReason.slice(0, 200);
  }
  row.receiptUrl = toss.receiptUrl ?? row.receiptUrl;
  if (toss.failure) {
    row.failureCode = toss.failure.code.slice(0, 64);
    row.failureMessage = toss.failure.message.slice(0, 510);
  }
  row.lastResponse = toss.raw;
}
