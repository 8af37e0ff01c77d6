import type { SandboxContext } from './context';
import { TossError } from './errors';
import { parseFault, type Fault, type FaultInput } from './faults';
import { authorizePayment, expireOverduePayments, parseAuthorizeInput } from './payment-confirm.service';
import type { AuthorizeInput, AuthorizeResult, Merchant, Payment, WebhookDelivery } from './types';
import { isIntegerAtLeast } from './validation';

/** Test-only controls, shared by the `/__sandbox/*` routes and the TossSandbox object. */
export interface SandboxControls {
  /** READY -> IN_PROGRESS without a browser; returns what successUrl would receive. */
  authorize(input: AuthorizeInput): AuthorizeResult;
  /** Arms a fault for the next `times` requests to an endpoint; returns the armed faults. */
  addFault(fault: FaultInput): Fault[];
  /** Disarms every fault. */
  clearFaults(): void;
  /** Armed faults. */
  faults(): Fault[];
  /** Moves the sandbox clock forward, expiring overdue payments; returns the new time (epoch ms). */
  advanceClock(ms: number): number;
  /** Sandbox time (epoch ms). */
  now(): number;
  /** Every payment (full objects, copies), oldest first. */
  payments(): Payment[];
  /** The webhook delivery log, oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves once no webhook delivery is pending. */
  waitForWebhooks(): Promise<void>;
  /** Points webhooks at another URL (null turns them off). */
  setWebhookUrl(url: string | null): void;
  /** Configured merchants (key pairs with their mId). */
  merchants(): Merchant[];
  /** Forgets payments, idempotency keys, faults, webhooks, checkout sessions and the clock offset. */
  reset(): void;
}

function requireWebhookUrl(url: unknown): string | null {
  if (url === null) return null;
  if (typeof url === 'string') {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url;
    } catch {
      // falls through to the error below
    }
  }
  throw new TossError('INVALID_REQUEST');
}

/** Builds the controls of one sandbox. */
export function createControls(ctx: SandboxContext): SandboxControls {
  return {
    authorize(input: AuthorizeInput): AuthorizeResult {
      const parsed = parseAuthorizeInput(ctx, input);
      return authorizePayment(ctx, parsed.merchant, parsed.input);
    },
    addFault(fault: FaultInput): Fault[] {
      ctx.faults.add(parseFault(fault));
      return ctx.faults.list();
    },
    clearFaults(): void {
      ctx.faults.clear();
    },
    faults(): Fault[] {
      return ctx.faults.list();
    },
    advanceClock(ms: number): number {
      if (!isIntegerAtLeast(ms, 0)) throw new TossError('INVALID_REQUEST');
      ctx.clock.advance(ms);
      expireOverduePayments(ctx);
      return ctx.clock.now();
    },
    now(): number {
      return ctx.clock.now();
    },
    payments(): Payment[] {
      expireOverduePayments(ctx);
      return ctx.payments.all().map((r) => structuredClone(r.payment));
    },
    webhookDeliveries(): WebhookDelivery[] {
      return ctx.webhooks.list();
    },
    waitForWebhooks(): Promise<void> {
      return ctx.webhooks.settled();
    },
    setWebhookUrl(url: string | null): void {
      ctx.webhooks.setUrl(requireWebhookUrl(url));
    },
    merchants(): Merchant[] {
      return ctx.keys.list().map((m) => ({ ...m }));
    },
    reset(): void {
      ctx.payments.clear();
      ctx.idempotency.clear();
      ctx.faults.clear();
      ctx.webhooks.clear();
      ctx.checkouts.clear();
      ctx.clock.reset();
    },
  };
}
