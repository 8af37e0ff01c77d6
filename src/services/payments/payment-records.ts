import { Payment, PaymentStatus } from '../../entities';
import type { TossPayment, TossPaymentStatus } from './payment-gateway';

/** A payment as the read path shows it. */
export type PaymentRecord = {
  orderDbId: number;
  paymentKey: string;
  method: string | null;
  amount: number;
  status: PaymentStatus;
  approvedAt: Date | null;
  canceledAt: Date | null;
  cancelReason: string | null;
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
    status: p.status,
    approvedAt: p.approvedAt,
    canceledAt: p.canceledAt,
    cancelReason: p.cancelReason,
    receiptUrl: p.receiptUrl,
    failureCode: p.failureCode,
    failureMessage: p.failureMessage,
  };
}

/** Toss's eight payment statuses folded into the contract's four. */
export function ourStatus(status: TossPaymentStatus): PaymentStatus {
  switch (status) {
    case 'DONE':
      return PaymentStatus.DONE;
    case 'CANCELED':
    case 'PARTIAL_CANCELED':
      return PaymentStatus.CANCELED;
    case 'ABORTED':
    case 'EXPIRED':
      return PaymentStatus.ABORTED;
    default:
      return PaymentStatus.READY;
  }
}

/** Copies what Toss says about a payment onto our row. */
export function applyTossPayment(row: Payment, toss: TossPayment): void {
  row.status = ourStatus(toss.status);
  row.method = toss.method ?? row.method;
  row.approvedAt = toss.approvedAt ? new Date(toss.approvedAt) : row.approvedAt;
  const lastCancel = toss.cancels.at(-1);
  if (lastCancel) {
    row.canceledAt = new Date(lastCancel.canceledAt);
    row.cancelReason = lastCancel.cancelReason;
  }
  row.receiptUrl = toss.receiptUrl ?? row.receiptUrl;
  if (toss.failure) {
    row.failureCode = toss.failure.code;
    row.failureMessage = toss.failure.message.slice(0, 510);
  }
  row.lastResponse = toss.raw;
}
