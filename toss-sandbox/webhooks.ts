import { newTransmissionId } from './ids';
import { formatKst, formatWebhookCreatedAt, type SandboxClock } from './time';
import type { Payment, WebhookDelivery } from './types';

/** Toss retries at 1, 4, 16, 64, 256, 1024 and 4096 minutes; the sandbox uses seconds instead. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1000, 4000, 16000, 64000, 256000, 1024000, 4096000];

const DELIVERY_TIMEOUT_MS = 10_000;

/** Sends PAYMENT_STATUS_CHANGED webhooks in the background, retrying any non-200 answer. */
export class WebhookDispatcher {
  private deliveries: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];
  private abort = new AbortController();

  constructor(
    private url: string | null,
    private readonly retryDelaysMs: readonly number[],
    private readonly clock: SandboxClock,
  ) {}

  /** Changes (or with null, turns off) the webhook endpoint for future events. */
  setUrl(url: string | null): void {
    this.url = url;
  }

  /** Current webhook endpoint. */
  getUrl(): string | null {
    return this.url;
  }

  /** Queues a delivery of the payment as it is now; never blocks the caller. */
  paymentChanged(payment: Payment): void {
    if (!this.url) return;
    const delivery: WebhookDelivery = {
      transmissionId: newTransmissionId(),
      eventType: 'PAYMENT_STATUS_CHANGED',
      paymentKey: payment.paymentKey,
      paymentStatus: payment.status,
      url: this.url,
      status: 'PENDING',
      attempts: 0,
      lastResponseStatus: null,
      lastError: null,
      body: { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: formatWebhookCreatedAt(this.clock.now()), data: structuredClone(payment) },
    };
    this.deliveries.push(delivery);
    this.schedule(delivery, 0);
  }

  /** The delivery log (copies), oldest first. */
  list(): WebhookDelivery[] {
    return this.deliveries.map((d) => structuredClone(d));
  }

  /** Resolves once no delivery is pending (every one delivered or out of retries). */
  settled(): Promise<void> {
    if (!this.deliveries.some((d) => d.status === 'PENDING')) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops every pending delivery and forgets the log. */
  clear(): void {
    this.abort.abort();
    this.abort = new AbortController();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.deliveries = [];
    this.releaseWaiters();
  }

  /** Stops everything and waits for requests already on the wire to end. */
  async close(): Promise<void> {
    this.clear();
    await Promise.allSettled([...this.running]);
  }

  private schedule(delivery: WebhookDelivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const attempt = this.attempt(delivery, this.abort.signal).finally(() => this.running.delete(attempt));
      this.running.add(attempt);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(delivery: WebhookDelivery, signal: AbortSignal): Promise<void> {
    const retriedCount = delivery.attempts;
    delivery.attempts += 1;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'tosspayments-webhook-transmission-time': formatKst(this.clock.now()),
          'tosspayments-webhook-transmission-retried-count': String(retriedCount),
          'tosspayments-webhook-transmission-id': delivery.transmissionId,
        },
        body: JSON.stringify(delivery.body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer();
      delivery.lastResponseStatus = response.status;
      delivery.lastError = response.status === 200 ? null : `HTTP ${response.status}`;
      if (response.status === 200) delivery.status = 'DELIVERED';
    } catch (error) {
      if (signal.aborted) return;
      delivery.lastError = error instanceof Error ? error.message : String(error);
    }
    if (signal.aborted) return;
    if (delivery.status === 'PENDING') {
      const nextDelay = this.retryDelaysMs[retriedCount];
      if (nextDelay === undefined) delivery.status = 'FAILED';
      else this.schedule(delivery, nextDelay);
    }
    if (!this.deliveries.some((d) => d.status === 'PENDING')) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
