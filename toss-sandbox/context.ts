import { TossError } from './errors';
import { FaultRegistry } from './faults';
import { IdempotencyStore } from './idempotency';
import { KeyRing } from './keys';
import { PaymentStore } from './payment-store';
import { SandboxClock } from './time';
import type { KeyPair, Merchant } from './types';
import { WebhookDispatcher } from './webhooks';

/** A payment window opened by GET /checkout (status READY: no paymentKey yet). */
export interface CheckoutSession {
  id: string;
  merchant: Merchant;
  orderId: string;
  orderName: string;
  amount: number;
  successUrl: string;
  failUrl: string;
  customerEmail: string | null;
  customerName: string | null;
  openedAt: number;
}

/** Everything a request handler needs; one per sandbox instance. */
export interface SandboxContext {
  readonly clock: SandboxClock;
  readonly keys: KeyRing;
  readonly payments: PaymentStore;
  readonly idempotency: IdempotencyStore;
  readonly faults: FaultRegistry;
  readonly webhooks: WebhookDispatcher;
  readonly checkouts: Map<string, CheckoutSession>;
  /** `http://host:port` once listening; used in receipt and checkout links. */
  baseUrl: string;
  /** Waits `ms` on the real clock; rejects with a 500 error when the sandbox closes. */
  sleep(ms: number): Promise<void>;
  /** Cancels pending sleeps. */
  cancelSleeps(): void;
}

/** Builds a fresh context from validated options. */
export function createContext(config: {
  keys: readonly KeyPair[];
  webhookUrl: string | null;
  retryDelaysMs: readonly number[];
  now: () => number;
}): SandboxContext {
  const clock = new SandboxClock(config.now);
  const sleeps = new Map<NodeJS.Timeout, (error: Error) => void>();
  return {
    clock,
    keys: new KeyRing(config.keys),
    payments: new PaymentStore(),
    idempotency: new IdempotencyStore(clock),
    faults: new FaultRegistry(),
    webhooks: new WebhookDispatcher(config.webhookUrl, config.retryDelaysMs, clock),
    checkouts: new Map<string, CheckoutSession>(),
    baseUrl: '',
    sleep(ms: number): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          sleeps.delete(timer);
          resolve();
        }, ms);
        sleeps.set(timer, reject);
      });
    },
    cancelSleeps(): void {
      for (const [timer, reject] of sleeps) {
        clearTimeout(timer);
        reject(new TossError('FAILED_INTERNAL_SYSTEM_PROCESSING'));
      }
      sleeps.clear();
    },
  };
}
