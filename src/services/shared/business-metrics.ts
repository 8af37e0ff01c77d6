import type { OrderEventKind } from '../../entities';

/** What a confirm at the payment gateway came to, or an unknown outcome settled later by looking it up. */
export type PaymentOutcome = 'approved' | 'declined' | 'unknown' | 'reconciled';

/**
 * The business facts services report for operators (README "Observability"), behind a port so
 * services never see the metrics library. `NO_METRICS` when metrics are not exposed.
 */
export interface BusinessMetrics {
  /** Order events this instance published from the outbox (each event is published by one instance). */
  orderEventsPublished(kinds: readonly OrderEventKind[]): void;
  /** One confirm's outcome at the gateway, or one payment reconciled. */
  paymentOutcome(outcome: PaymentOutcome): void;
}

export const NO_METRICS: BusinessMetrics = {
  orderEventsPublished: () => undefined,
  paymentOutcome: () => undefined,
};
