import type { AddressInfo } from 'node:net';
import { createContext } from './context';
import { createControls, type SandboxControls } from './controls';
import { DEFAULT_KEYS } from './keys';
import { expireOverduePayments } from './payment-confirm.service';
import { createSandboxServer } from './server';
import type { KeyPair } from './types';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS } from './webhooks';

export type { SandboxControls } from './controls';
export type { Fault, FaultEndpoint, FaultInput, FaultMode } from './faults';
export { TossError } from './errors';
export { DEFAULT_KEYS } from './keys';
export type {
  AuthorizeInput,
  AuthorizeResult,
  KeyPair,
  Merchant,
  Payment,
  PaymentCancel,
  PaymentCard,
  PaymentFailure,
  PaymentStatus,
  WebhookBody,
  WebhookDelivery,
} from './types';
export { DEFAULT_WEBHOOK_RETRY_DELAYS_MS } from './webhooks';

/** Options of {@link startTossSandbox}. */
export interface TossSandboxOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (a free port). */
  port?: number;
  /** Key pairs (test_ keys only); default {@link DEFAULT_KEYS}. */
  keys?: KeyPair[];
  /** Where PAYMENT_STATUS_CHANGED webhooks go; none when unset. */
  webhookUrl?: string;
  /** Delays between webhook retries; default {@link DEFAULT_WEBHOOK_RETRY_DELAYS_MS}. */
  webhookRetryDelaysMs?: number[];
  /** Time source (epoch ms) under the sandbox clock; default Date.now. */
  now?: () => number;
}

/** A running sandbox: its base URL, its keys, the test controls and close(). */
export interface TossSandbox extends SandboxControls {
  /** Base URL, e.g. `http://127.0.0.1:4100`; use it in place of https://api.tosspayments.com. */
  readonly url: string;
  /** The configured key pairs. */
  readonly keys: readonly KeyPair[];
  /** Stops listening, drops open connections and pending webhooks. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 1000;

function listen(server: ReturnType<typeof createSandboxServer>, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts a local Toss Payments sandbox that follows the documented core API contract. */
export async function startTossSandbox(options: TossSandboxOptions = {}): Promise<TossSandbox> {
  const keys: readonly KeyPair[] = (options.keys ?? DEFAULT_KEYS).map((k) => ({ clientKey: k.clientKey, secretKey: k.secretKey }));
  const ctx = createContext({
    keys,
    webhookUrl: null,
    retryDelaysMs: [...(options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS)],
    now: options.now ?? Date.now,
  });
  const controls = createControls(ctx);
  if (options.webhookUrl !== undefined) controls.setWebhookUrl(options.webhookUrl);
  const server = createSandboxServer(ctx, controls);
  const address = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ctx.baseUrl = `http://${host}:${address.port}`;
  const sweep = setInterval(() => expireOverduePayments(ctx), SWEEP_INTERVAL_MS);
  sweep.unref();

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    clearInterval(sweep);
    ctx.cancelSleeps();
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await Promise.all([stopped, ctx.webhooks.close()]);
  };
  return {
    ...controls,
    url: ctx.baseUrl,
    keys,
    close(): Promise<void> {
      closing ??= close();
      return closing;
    },
  };
}
