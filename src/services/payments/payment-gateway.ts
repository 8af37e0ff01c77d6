/**
 * The PaymentGateway port: confirm, cancel and look up card payments at the PG. One adapter,
 * `TossPaymentGateway`, pointed at the real Toss API or at the local Toss sandbox by config.
 */
export interface PaymentGateway {
  /** Confirms (approves) an authorized payment. `idempotencyKey` makes a retried confirm safe. */
  confirm(input: { paymentKey: string; orderId: string; amount: number; idempotencyKey: string }): Promise<TossPayment>;
  /**
   * Cancels (refunds) a payment, with a reason: in full, or `cancelAmount` of it (a partial cancel).
   * `refundableAmount` makes Toss refuse (NOT_MATCHES_REFUNDABLE_AMOUNT) unless the balance is that.
   */
  cancel(input: {
    paymentKey: string;
    reason: string;
    idempotencyKey: string;
    cancelAmount?: number;
    refundableAmount?: number;
  }): Promise<TossPayment>;
  /** Looks a payment up by paymentKey. */
  getByPaymentKey(paymentKey: string): Promise<TossPayment>;
  /** Looks a payment up by orderId; null when Toss has none for it (NOT_FOUND_PAYMENT / NOT_FOUND). */
  getByOrderId(orderId: string): Promise<TossPayment | null>;
}

/** Payment statuses of the Toss Payment object (reference §5). */
export const TOSS_PAYMENT_STATUSES = [
  'READY',
  'IN_PROGRESS',
  'WAITING_FOR_DEPOSIT',
  'DONE',
  'CANCELED',
  'PARTIAL_CANCELED',
  'ABORTED',
  'EXPIRED',
] as const;

export type TossPaymentStatus = (typeof TOSS_PAYMENT_STATUSES)[number];

/** One entry of the Payment object's `cancels[]`. */
export interface TossPaymentCancel {
  cancelAmount: number;
  cancelReason: string;
  /** ISO 8601 with offset, e.g. `2024-02-13T13:02:41+09:00`. */
  canceledAt: string;
  /** Identifies this cancel transaction; null if Toss left it out. */
  transactionKey: string | null;
  /** The balance left after this cancel; null if Toss left it out. */
  refundableAmount: number | null;
}

/** The fields of Toss's Payment object we use, plus the whole body for storage. */
export interface TossPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: TossPaymentStatus;
  /** Korean label (`카드`, `간편결제`, ...); null before a method is chosen. */
  method: string | null;
  /** Original amount in won; never changes. */
  totalAmount: number;
  /** Amount still cancelable, in won. */
  balanceAmount: number;
  /** Set once the payment reaches DONE. */
  approvedAt: string | null;
  requestedAt: string | null;
  /** Empty until the first cancel (Toss sends `null`). */
  cancels: TossPaymentCancel[];
  receiptUrl: string | null;
  /** Set on ABORTED and EXPIRED payments. */
  failure: { code: string; message: string } | null;
  /** The JSON body as received, minus card numbers (even masked ones): safe to store. */
  raw: Record<string, unknown>;
}

/** Reference §4: older tables say NOT_FOUND_PAYMENT, a 2026 extraction NOT_FOUND; accept both. */
const NOT_FOUND_CODES: ReadonlySet<string | null> = new Set(['NOT_FOUND_PAYMENT', 'NOT_FOUND']);

/**
 * - `rejected`: Toss answered with a definite 4xx refusal (`code`, `tossMessage`, `status` are Toss's).
 * - `unknown`: timeout, dropped connection, 5xx or an unreadable answer. The outcome at Toss is not known:
 *   look the payment up; never send a confirm or cancel again under a new idempotency key.
 * - `conflict`: 409 IDEMPOTENT_REQUEST_PROCESSING, an earlier request with the same key is still running at
 *   Toss. Also an unknown outcome: retry later with the same key, or look the payment up.
 */
export type PaymentGatewayErrorKind = 'rejected' | 'unknown' | 'conflict';

/** Why an outcome is unknown. */
export type UnknownOutcomeReason = 'timeout' | 'network' | 'server-error' | 'invalid-response';

export type PaymentGatewayOperation = 'confirm' | 'cancel' | 'lookup';

export interface PaymentGatewayErrorInit {
  kind: PaymentGatewayErrorKind;
  operation: PaymentGatewayOperation;
  /** Toss's error code, when Toss sent one. */
  code?: string | null;
  /** Toss's error message, when Toss sent one (Korean by default; Toss may reword it at any time). */
  tossMessage?: string | null;
  /** HTTP status; null when no response arrived. */
  status?: number | null;
  reason?: UnknownOutcomeReason | null;
  retryable?: boolean;
  reconcile?: boolean;
  cause?: unknown;
}

/** A failed gateway call, classified so the caller can decide: fail the order, retry, or look the payment up. */
export class PaymentGatewayError extends Error {
  readonly kind: PaymentGatewayErrorKind;
  readonly operation: PaymentGatewayOperation;
  readonly code: string | null;
  readonly tossMessage: string | null;
  readonly status: number | null;
  /** Set when kind is `unknown`. */
  readonly reason: UnknownOutcomeReason | null;
  /** Toss calls the failure temporary: the same request (same idempotency key) may succeed later. */
  readonly retryable: boolean;
  /** The payment may already be in the requested state (or it is not known): look it up before acting on this error. */
  readonly reconcile: boolean;

  constructor(init: PaymentGatewayErrorInit) {
    const what = init.code ? `${init.code}${init.tossMessage ? ` (${init.tossMessage})` : ''}` : (init.reason ?? 'failed');
    super(`Toss ${init.operation} ${init.kind}: ${what}${init.status ? ` [HTTP ${init.status}]` : ''}`, { cause: init.cause });
    this.name = 'PaymentGatewayError';
    this.kind = init.kind;
    this.operation = init.operation;
    this.code = init.code ?? null;
    this.tossMessage = init.tossMessage ?? null;
    this.status = init.status ?? null;
    this.reason = init.reason ?? null;
    this.retryable = init.retryable ?? false;
    this.reconcile = init.reconcile ?? init.kind !== 'rejected';
  }

  /**
   * Toss's own word that no such payment exists (404 with its not-found code). A 404 without
   * Toss's code (a proxy, a wrong base URL) is not proof that no payment exists.
   */
  get notFound(): boolean {
    return this.kind === 'rejected' && this.status === 404 && NOT_FOUND_CODES.has(this.code);
  }

  /** What a GraphQL error may show in `extensions`: Toss's own code and message, nothing internal. */
  toClientExtensions(): { tossCode: string | null; tossMessage: string | null } {
    return { tossCode: this.code, tossMessage: this.tossMessage };
  }
}

/**
 * Whether a paymentKey can name a payment in Toss's URL paths: 1 to 200 characters, not `.` or
 * `..` (they survive encodeURIComponent and the URL parser resolves them away).
 */
export function isValidPaymentKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200 && value !== '.' && value !== '..';
}
