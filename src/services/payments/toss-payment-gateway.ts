import { setTimeout as sleep } from 'node:timers/promises';
import { FetchError, ofetch, type $Fetch } from 'ofetch';
import {
  isValidPaymentKey,
  PaymentGatewayError,
  TOSS_PAYMENT_STATUSES,
  type PaymentGateway,
  type PaymentGatewayOperation,
  type TossPayment,
  type TossPaymentCancel,
  type TossPaymentStatus,
} from './payment-gateway';

export interface TossPaymentGatewayOptions {
  /** Base URL without `/v1`: `https://api.tosspayments.com`, or any server speaking the same API. */
  apiUrl: string;
  /** Widget (`*_gsk_*`) or API (`*_sk_*`) secret key. */
  secretKey: string;
  /** Limit per attempt, body included; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for failures that are safe to retry (see RETRY POLICY); default 2. */
  retries?: number;
  /** First backoff delay, doubled on each retry (with jitter); default 200 ms. */
  retryDelayMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}

/*
 * RETRY POLICY (reference §1 and §6)
 * - Lookups (GET) change nothing: retried on any unknown outcome (no answer, timeout, 5xx).
 * - Confirm and cancel are retried only with the SAME Idempotency-Key, and only where the reference says so:
 *   no answer or a timeout ("retry with the same Idempotency-Key"), 5xx codes marked R (not UNKNOWN_PAYMENT_ERROR,
 *   marked L: look it up), and 409 IDEMPOTENT_REQUEST_PROCESSING (the first attempt is still running; "retry with
 *   the same key"). Toss replays the first response for a known key, so a retry can never approve or refund
 *   twice. A partial cancel also sends `refundableAmount` (the balance it expects), so even a repeat without its key
 *   would be refused (NOT_MATCHES_REFUNDABLE_AMOUNT) once the first landed; a full one would end in ALREADY_CANCELED_PAYMENT.
 * - 4xx answers are never retried: they are Toss's decision, and under the same key Toss would replay them.
 *   Temporary ones (PROVIDER_ERROR, ...) are flagged `retryable` for the caller to decide after a lookup.
 * Worst case a call takes (retries + 1) * timeoutMs plus the backoff. When retries run out the last error is thrown.
 */

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 200;

/** Reference §1: at most 300 characters; we also keep to printable ASCII without spaces so it is a valid header value. */
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,300}$/;
const PRINTABLE_ASCII = /^[\x20-\x7E]+$/;
/** 4xx codes marked L: the payment is most likely in the requested state already; confirm with a lookup. */
const RECONCILE_CODES: ReadonlySet<string> = new Set(['ALREADY_PROCESSED_PAYMENT', 'ALREADY_CANCELED_PAYMENT']);
/** 4xx codes marked R: Toss says "try again later"; nothing happened this time. */
const TEMPORARY_CODES: ReadonlySet<string> = new Set(['PROVIDER_ERROR', 'CARD_PROCESSING_ERROR', 'FORBIDDEN_CONSECUTIVE_REQUEST']);
/** The only 5xx code marked L alone: the payment may have failed for good; never retried blindly. */
const NOT_RETRYABLE_5XX_CODES: ReadonlySet<string> = new Set(['UNKNOWN_PAYMENT_ERROR']);
/** Strings made only of digits, `*`, `-` and spaces, as long as a card number: masked or not, they go. */
const CARD_NUMBER_LIKE = /^(?=(?:\D*\d){4})[\d* -]{13,23}$/;

interface TossRequest {
  operation: PaymentGatewayOperation;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  idempotencyKey?: string;
  /** For logs only. */
  orderId?: string;
}

/** The PaymentGateway over Toss Payments' core API (v1), with Basic auth, idempotency keys, timeouts and safe retries. */
export class TossPaymentGateway implements PaymentGateway {
  private readonly http: $Fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly logger: TossPaymentGatewayOptions['logger'];

  constructor(options: TossPaymentGatewayOptions) {
    const url = new URL(options.apiUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`Toss apiUrl must be http(s): ${options.apiUrl}`);
    if (!PRINTABLE_ASCII.test(options.secretKey)) throw new Error('Toss secretKey must be a non-empty ASCII string');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.logger = options.logger;
    this.http = ofetch.create({
      baseURL: options.apiUrl.replace(/\/+$/, ''),
      // The trailing colon is mandatory (empty password); without it Toss answers INCORRECT_BASIC_AUTH_FORMAT.
      headers: { authorization: `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`, accept: 'application/json' },
      retry: false, // our own policy, which knows which failures are safe
      parseResponse: parseJsonOrUndefined,
    });
  }

  /** POST /v1/payments/confirm. Throws RangeError (nothing sent) for a malformed idempotency key or paymentKey. */
  async confirm(input: { paymentKey: string; orderId: string; amount: number; idempotencyKey: string }): Promise<TossPayment> {
    assertIdempotencyKey(input.idempotencyKey);
    assertPathSegment('paymentKey', input.paymentKey);
    return this.request({
      operation: 'confirm',
      method: 'POST',
      path: '/v1/payments/confirm',
      body: { paymentKey: input.paymentKey, orderId: input.orderId, amount: input.amount },
      idempotencyKey: input.idempotencyKey,
      orderId: input.orderId,
    });
  }

  /** POST /v1/payments/{paymentKey}/cancel without cancelAmount, i.e. a full cancel of the remaining balance. */
  async cancel(input: {
    paymentKey: string;
    reason: string;
    idempotencyKey: string;
    cancelAmount?: number;
    refundableAmount?: number;
  }): Promise<TossPayment> {
    assertIdempotencyKey(input.idempotencyKey);
    assertPathSegment('paymentKey', input.paymentKey);
    return this.request({
      operation: 'cancel',
      method: 'POST',
      path: `/v1/payments/${encodeURIComponent(input.paymentKey)}/cancel`,
      body: {
        cancelReason: input.reason,
        ...(input.cancelAmount !== undefined ? { cancelAmount: input.cancelAmount } : {}),
        ...(input.refundableAmount !== undefined ? { refundableAmount: input.refundableAmount } : {}),
      },
      idempotencyKey: input.idempotencyKey,
    });
  }

  /** GET /v1/payments/{paymentKey}. */
  async getByPaymentKey(paymentKey: string): Promise<TossPayment> {
    assertPathSegment('paymentKey', paymentKey);
    return this.request({ operation: 'lookup', method: 'GET', path: `/v1/payments/${encodeURIComponent(paymentKey)}` });
  }

  /** GET /v1/payments/orders/{orderId}; null only on Toss's own 404 not-found codes. */
  async getByOrderId(orderId: string): Promise<TossPayment | null> {
    assertPathSegment('orderId', orderId);
    try {
      return await this.request({
        operation: 'lookup',
        method: 'GET',
        path: `/v1/payments/orders/${encodeURIComponent(orderId)}`,
        orderId,
      });
    } catch (error) {
      if (error instanceof PaymentGatewayError && error.notFound) return null;
      throw error;
    }
  }

  private async request(req: TossRequest): Promise<TossPayment> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.send(req);
      } catch (error) {
        if (!(error instanceof PaymentGatewayError) || attempt >= this.retries || !isSafeToRetry(req, error)) throw error;
        const base = this.retryDelayMs * 2 ** attempt;
        const delayMs = Math.round(base / 2 + (Math.random() * base) / 2);
        const { kind, reason, code, status } = error;
        const context = { operation: req.operation, orderId: req.orderId, attempt: attempt + 1, kind, reason, code, status, delayMs };
        this.logger?.warn(context, 'Toss request failed; retrying (same Idempotency-Key)');
        await sleep(delayMs);
      }
    }
  }

  private async send(req: TossRequest): Promise<TossPayment> {
    // Our own signal rather than ofetch's `timeout`, which stops at the headers: this one also bounds the body.
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: { status: number; _data?: unknown };
    try {
      response = await this.http.raw(req.path, {
        method: req.method,
        body: req.body,
        headers: req.idempotencyKey === undefined ? undefined : { 'idempotency-key': req.idempotencyKey },
        signal,
      });
    } catch (error) {
      throw toGatewayError(req.operation, error, signal.aborted);
    }
    return toTossPayment(req.operation, response.status, response._data);
  }
}

function isSafeToRetry(req: TossRequest, error: PaymentGatewayError): boolean {
  if (error.kind === 'rejected') return false;
  if (req.method === 'GET') return error.reason !== 'invalid-response';
  return error.retryable;
}

/** Maps whatever ofetch threw to a classified gateway error: no answer or 5xx -> unknown, 409 -> conflict, 4xx -> rejected. */
function toGatewayError(operation: PaymentGatewayOperation, error: unknown, timedOut: boolean): PaymentGatewayError {
  const status = error instanceof FetchError ? error.response?.status : undefined;
  if (status === undefined) {
    // No HTTP answer (refused, reset, dropped mid-body, our timeout): the request may or may not have reached Toss.
    // The cause is the socket error, not the FetchError, whose message holds the URL and so the paymentKey.
    const cause = error instanceof FetchError ? error.cause : error;
    return new PaymentGatewayError({ kind: 'unknown', operation, reason: timedOut ? 'timeout' : 'network', retryable: true, cause });
  }
  const data: unknown = (error as FetchError).data;
  const code = isRecord(data) && typeof data.code === 'string' ? data.code : null;
  const tossMessage = isRecord(data) && typeof data.message === 'string' ? data.message : null;
  const base = { operation, code, tossMessage, status };
  if (status >= 500) {
    const retryable = code === null || !NOT_RETRYABLE_5XX_CODES.has(code);
    return new PaymentGatewayError({ ...base, kind: 'unknown', reason: 'server-error', retryable });
  }
  // A 4xx that is not Toss's `{code, message}` (HTML from a proxy, say) proves nothing about the payment.
  if (code === null) return new PaymentGatewayError({ ...base, kind: 'unknown', reason: 'invalid-response' });
  if (status === 409 && code === 'IDEMPOTENT_REQUEST_PROCESSING')
    return new PaymentGatewayError({ ...base, kind: 'conflict', retryable: true });
  return new PaymentGatewayError({ ...base, kind: 'rejected', retryable: TEMPORARY_CODES.has(code), reconcile: RECONCILE_CODES.has(code) });
}

/** Validates a 2xx body and picks the fields we use; anything else is an unknown outcome. */
function toTossPayment(operation: PaymentGatewayOperation, status: number, body: unknown): TossPayment {
  const raw = isRecord(body) ? (withoutCardNumbers(body) as Record<string, unknown>) : null;
  if (
    !raw ||
    typeof raw.paymentKey !== 'string' ||
    typeof raw.orderId !== 'string' ||
    !isStatus(raw.status) ||
    !isAmount(raw.totalAmount) ||
    !isAmount(raw.balanceAmount)
  ) {
    throw new PaymentGatewayError({ kind: 'unknown', operation, status, reason: 'invalid-response' });
  }
  return {
    paymentKey: raw.paymentKey,
    orderId: raw.orderId,
    orderName: stringOrNull(raw.orderName) ?? '',
    status: raw.status,
    method: stringOrNull(raw.method),
    totalAmount: raw.totalAmount,
    balanceAmount: raw.balanceAmount,
    approvedAt: stringOrNull(raw.approvedAt),
    requestedAt: stringOrNull(raw.requestedAt),
    cancels: Array.isArray(raw.cancels) ? raw.cancels.filter(isRecord).map(toCancel) : [],
    receiptUrl: isRecord(raw.receipt) ? stringOrNull(raw.receipt.url) : null,
    failure: isRecord(raw.failure) && typeof raw.failure.code === 'string' ? toFailure(raw.failure) : null,
    raw,
  };
}

function toCancel(cancel: Record<string, unknown>): TossPaymentCancel {
  return {
    cancelAmount: isAmount(cancel.cancelAmount) ? cancel.cancelAmount : 0,
    cancelReason: stringOrNull(cancel.cancelReason) ?? '',
    canceledAt: stringOrNull(cancel.canceledAt) ?? '',
    transactionKey: stringOrNull(cancel.transactionKey),
    refundableAmount: isAmount(cancel.refundableAmount) ? cancel.refundableAmount : null,
  };
}

function toFailure(failure: Record<string, unknown>): { code: string; message: string } {
  return { code: String(failure.code), message: stringOrNull(failure.message) ?? '' };
}

/**
 * A deep copy without card numbers: we must never store them, not even Toss's masked form (`12345678****000*`
 * still holds the BIN and last digits). Drops `cardNumber` anywhere and `number` inside card blocks, and blanks
 * any other string shaped like a card number. Built with fromEntries so a `__proto__` key stays a plain key.
 */
function withoutCardNumbers(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutCardNumbers(item, parentKey));
  if (isRecord(value)) {
    const kept = Object.entries(value).filter(([key]) => !/^card_?number$/i.test(key) && !(key === 'number' && /card/i.test(parentKey)));
    return Object.fromEntries(kept.map(([key, item]) => [key, withoutCardNumbers(item, key)]));
  }
  return typeof value === 'string' && CARD_NUMBER_LIKE.test(value) ? '[removed]' : value;
}

function assertIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY.test(key)) throw new RangeError('Idempotency-Key must be 1-300 printable ASCII characters without spaces');
}

function assertPathSegment(name: string, value: string): void {
  if (!isValidPaymentKey(value)) throw new RangeError(`Invalid ${name}`);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // reported as an invalid response (2xx) or an unknown outcome (4xx/5xx)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStatus(value: unknown): value is TossPaymentStatus {
  return typeof value === 'string' && (TOSS_PAYMENT_STATUSES as readonly string[]).includes(value);
}

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
