import { SETTLED_STATUSES, type PaymentRecord } from './payment-model';
import type { Merchant } from './types';

function orderIndexKey(merchant: Merchant, orderId: string): string {
  return `${merchant.secretKey}\u0000${orderId}`;
}

/** In-memory payments, by paymentKey and by (merchant, orderId). Order IDs are scoped to their merchant. */
export class PaymentStore {
  private readonly byKey = new Map<string, PaymentRecord>();
  private readonly byOrder = new Map<string, string[]>();

  /** Adds a newly authenticated payment. */
  add(record: PaymentRecord): void {
    this.byKey.set(record.payment.paymentKey, record);
    const key = orderIndexKey(record.merchant, record.payment.orderId);
    this.byOrder.set(key, [...(this.byOrder.get(key) ?? []), record.payment.paymentKey]);
  }

  /** The payment with this key, whoever owns it. */
  get(paymentKey: string): PaymentRecord | undefined {
    return this.byKey.get(paymentKey);
  }

  /** True when a payment key is already taken. */
  has(paymentKey: string): boolean {
    return this.byKey.has(paymentKey);
  }

  /** Every attempt made for one of the merchant's orders, oldest first. */
  attemptsFor(merchant: Merchant, orderId: string): PaymentRecord[] {
    const keys = this.byOrder.get(orderIndexKey(merchant, orderId)) ?? [];
    return keys.map((key) => this.byKey.get(key)).filter((record): record is PaymentRecord => record !== undefined);
  }

  /** The approved attempt of an order if there is one, else the latest attempt. */
  findByOrder(merchant: Merchant, orderId: string): PaymentRecord | undefined {
    const attempts = this.attemptsFor(merchant, orderId);
    return attempts.find((r) => SETTLED_STATUSES.includes(r.payment.status)) ?? attempts[attempts.length - 1];
  }

  /** Every payment, oldest first. */
  all(): PaymentRecord[] {
    return [...this.byKey.values()];
  }

  /** Forgets every payment. */
  clear(): void {
    this.byKey.clear();
    this.byOrder.clear();
  }
}
