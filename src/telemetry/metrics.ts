import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LABEL_NAME } from '../config';
import { OrderEventKind } from '../entities/order-status-change.entity';
import type { Logger } from '../logger';
import type { BusinessMetrics, PaymentOutcome } from '../services/shared/business-metrics';

/** How an operation is labelled: its type, or `unknown` when it never got that far (a parse or validation failure). */
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** What the GraphQL pipeline reports: each operation's duration, and the refusals operators page on. */
export interface RequestMetrics {
  operation(type: OperationType, name: string | undefined, seconds: number): void;
  /** An error code some answer carried (OUT_OF_STOCK and TOO_MANY_REQUESTS are counted). */
  refusal(code: unknown): void;
}

/** Read at scrape time. */
export type GaugeSources = {
  /** Seconds since the oldest unpublished order event was written. */
  outboxLagSeconds(): Promise<number>;
  /** Open WebSockets and the subscriptions running on them, on this instance. */
  connections(): { sockets: number; subscriptions: number };
};

const PAYMENT_OUTCOMES: readonly PaymentOutcome[] = ['approved', 'declined', 'unknown', 'reconciled'];
const OTHER = 'other';

/**
 * Operation names are chosen by clients, so the label values are bounded: the names listed in
 * METRICS_OPERATION_NAMES, or else the first METRICS_MAX_OPERATION_NAMES distinct names this
 * process sees; anything else (and any name that is not a plain GraphQL name) is `other`.
 */
export class OperationNameLabels {
  private readonly seen = new Set<string>();

  constructor(
    private readonly allowed: ReadonlySet<string> | null,
    private readonly max: number,
  ) {}

  label(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (!LABEL_NAME.test(name)) return OTHER;
    if (this.allowed) return this.allowed.has(name) ? name : OTHER;
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(name);
    return name;
  }
}

/**
 * The Prometheus metrics of one app instance, on a registry of its own (README "Observability").
 * Services report through the BusinessMetrics port and the pipeline through RequestMetrics;
 * nothing else imports prom-client.
 */
export class PrometheusMetrics implements BusinessMetrics, RequestMetrics {
  readonly registry = new Registry();
  private readonly names: OperationNameLabels;
  private readonly duration: Histogram<'operation_type' | 'operation_name'>;
  private readonly orderEvents: Counter<'kind'>;
  private readonly payments: Counter<'outcome'>;
  private readonly stockRefusals: Counter;
  private readonly rateLimitRefusals: Counter;
  private sources: GaugeSources | null = null;

  constructor(options: { operationNames: readonly string[] | null; maxOperationNames: number; logger: Logger }) {
    const registers = [this.registry];
    this.names = new OperationNameLabels(options.operationNames ? new Set(options.operationNames) : null, options.maxOperationNames);
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'marketplace_graphql_request_duration_seconds',
      help: 'GraphQL queries and mutations (HTTP and WebSocket), from the request to the answer, by operation type and name',
      labelNames: ['operation_type', 'operation_name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.orderEvents = new Counter({
      name: 'marketplace_order_events_total',
      help: 'Order events published by this instance (created, paid, failed, expired, cancelled, refunded, ...)',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of Object.values(OrderEventKind)) this.orderEvents.inc({ kind: kind.toLowerCase() }, 0);
    this.payments = new Counter({
      name: 'marketplace_payment_outcomes_total',
      help: 'Payment confirms at the gateway by outcome (approved, declined, unknown), and unknown outcomes reconciled later',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of PAYMENT_OUTCOMES) this.payments.inc({ outcome }, 0);
    this.stockRefusals = new Counter({
      name: 'marketplace_stock_refusals_total',
      help: 'Cart and checkout operations refused with OUT_OF_STOCK',
      registers,
    });
    this.rateLimitRefusals = new Counter({
      name: 'marketplace_rate_limit_refusals_total',
      help: 'Requests, operations, WebSocket upgrades and sockets (close 4429), and Toss webhook deliveries refused by a rate limit (TOO_MANY_REQUESTS, HTTP 429)',
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'marketplace_outbox_lag_seconds',
      help: 'Age of the oldest order event not yet published (0: none waiting), read from the database at scrape time',
      registers,
      async collect() {
        const probe = sources();
        if (!probe) return;
        try {
          this.set(await probe.outboxLagSeconds());
        } catch (err) {
          options.logger.warn({ err }, 'metrics: could not read the outbox lag');
        }
      },
    });
    new Gauge({
      name: 'marketplace_websocket_connections',
      help: 'Open WebSocket connections on this instance',
      registers,
      collect() {
        this.set(sources()?.connections().sockets ?? 0);
      },
    });
    new Gauge({
      name: 'marketplace_subscriptions_active',
      help: 'GraphQL subscriptions running on this instance',
      registers,
      collect() {
        this.set(sources()?.connections().subscriptions ?? 0);
      },
    });
  }

  /** Connects the gauges read at scrape time. */
  observe(sources: GaugeSources): void {
    this.sources = sources;
  }

  orderEventsPublished(kinds: readonly OrderEventKind[]): void {
    for (const kind of kinds) this.orderEvents.inc({ kind: kind.toLowerCase() });
  }

  paymentOutcome(outcome: PaymentOutcome): void {
    this.payments.inc({ outcome });
  }

  operation(type: OperationType, name: string | undefined, seconds: number): void {
    this.duration.observe({ operation_type: type, operation_name: this.names.label(name) }, seconds);
  }

  refusal(code: unknown): void {
    if (code === 'OUT_OF_STOCK') this.stockRefusals.inc();
    else if (code === 'TOO_MANY_REQUESTS') this.rateLimitRefusals.inc();
  }

  /** The text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
