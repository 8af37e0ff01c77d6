/** Payment statuses from the reference (§5). */
export type PaymentStatus =
  'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';

/** `card` block of a Payment (§5). */
export interface PaymentCard {
  issuerCode: string;
  acquirerCode: string | null;
  number: string;
  installmentPlanMonths: number;
  isInterestFree: boolean;
  interestPayer: 'BUYER' | 'CARD_COMPANY' | 'MERCHANT' | null;
  approveNo: string;
  useCardPoint: boolean;
  cardType: string;
  ownerType: string;
  acquireStatus: 'READY' | 'REQUESTED' | 'COMPLETED' | 'CANCEL_REQUESTED' | 'CANCELED';
  amount: number;
}

/** One entry of `cancels[]` (§5). */
export interface PaymentCancel {
  transactionKey: string;
  cancelReason: string;
  cancelAmount: number;
  taxFreeAmount: number;
  taxExemptionAmount: number;
  refundableAmount: number;
  cardDiscountAmount: number;
  transferDiscountAmount: number;
  easyPayDiscountAmount: number;
  canceledAt: string;
  receiptKey: string | null;
  cancelStatus: 'DONE' | 'IN_PROGRESS' | 'ABORTED';
  cancelRequestId: string | null;
}

/** `failure` block, set on ABORTED and EXPIRED payments. */
export interface PaymentFailure {
  code: string;
  message: string;
}

/** The Payment object, version 2022-11-16, card payments only. Unused method blocks stay `null`. */
export interface Payment {
  mId: string;
  version: string;
  type: 'NORMAL' | 'BILLING' | 'BRANDPAY';
  paymentKey: string;
  orderId: string;
  orderName: string;
  lastTransactionKey: string | null;
  transactionKey: string | null;
  status: PaymentStatus;
  method: string | null;
  currency: string;
  country: string;
  requestedAt: string;
  approvedAt: string | null;
  totalAmount: number;
  balanceAmount: number;
  suppliedAmount: number;
  vat: number;
  taxFreeAmount: number;
  taxExemptionAmount: number;
  useEscrow: boolean;
  cultureExpense: boolean;
  isPartialCancelable: boolean;
  card: PaymentCard | null;
  virtualAccount: null;
  transfer: null;
  mobilePhone: null;
  giftCertificate: null;
  easyPay: null;
  cashReceipt: null;
  cashReceipts: null;
  discount: null;
  cancels: PaymentCancel[] | null;
  failure: PaymentFailure | null;
  metadata: Record<string, string> | null;
  secret: string | null;
  receipt: { url: string } | null;
  checkout: { url: string } | null;
}

/** A client/secret key pair as configured by the caller. */
export interface KeyPair {
  clientKey: string;
  secretKey: string;
}

/** A configured key pair with the merchant data the sandbox derives from it. */
export interface Merchant extends KeyPair {
  mId: string;
  kind: 'widget' | 'api';
}

/** Input of the simulated authentication step (READY -> IN_PROGRESS). */
export interface AuthorizeInput {
  clientKey: string;
  orderId: string;
  orderName: string;
  amount: number;
  /** Makes the later confirm fail with this code; the payment then becomes ABORTED. */
  confirmError?: string;
  /**
   * A tax-exempt part of the amount (a cup deposit, say). As at Toss, a card payment with one
   * cannot be partially cancelled: `isPartialCancelable` is false (reference §2).
   */
  taxExemptionAmount?: number;
}

/** What the authentication step hands to the successUrl. */
export interface AuthorizeResult {
  paymentKey: string;
  orderId: string;
  amount: number;
}

/** Body of a PAYMENT_STATUS_CHANGED webhook. */
export interface WebhookBody {
  eventType: 'PAYMENT_STATUS_CHANGED';
  createdAt: string;
  data: Payment;
}

/** One webhook delivery and its retries, as kept in the sandbox log. */
export interface WebhookDelivery {
  transmissionId: string;
  eventType: 'PAYMENT_STATUS_CHANGED';
  paymentKey: string;
  paymentStatus: PaymentStatus;
  url: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  lastResponseStatus: number | null;
  lastError: string | null;
  body: WebhookBody;
}
