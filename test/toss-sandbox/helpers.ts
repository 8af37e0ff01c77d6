import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizeResult, Payment, TossSandbox } from '../../toss-sandbox';

export const WIDGET_KEYS = { clientKey: 'test_gck_sandbox_marketplace', secretKey: 'test_gsk_sandbox_marketplace' } as const;
export const API_KEYS = { clientKey: 'test_ck_sandbox_marketplace', secretKey: 'test_sk_sandbox_marketplace' } as const;

/** `{code, message}` error body. */
export interface ErrorBody {
  code: string;
  message: string;
}

export interface CallResult<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  /** Secret key for Basic auth; null sends no Authorization header. Default: the widget secret key. */
  secretKey?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `Basic base64(secretKey + ":")`, as documented. */
export function basicAuth(secretKey: string): string {
  return `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
}

/** Calls the sandbox over real HTTP and parses the JSON answer. */
export async function call<T = ErrorBody>(
  sandbox: TossSandbox,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const secretKey = options.secretKey === undefined ? WIDGET_KEYS.secretKey : options.secretKey;
  const headers: Record<string, string> = { ...options.headers };
  if (secretKey !== null) headers.authorization ??= basicAuth(secretKey);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, text, headers: response.headers };
}

/** A fresh valid orderId. */
export function newOrderId(prefix = 'ORD'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** The authentication step through the HTTP control, for the widget pair by default. */
export async function authorize(
  sandbox: TossSandbox,
  overrides: {
    clientKey?: string;
    orderId?: string;
    orderName?: string;
    amount?: number;
    confirmError?: string;
    taxExemptionAmount?: number;
  } = {},
): Promise<AuthorizeResult> {
  const body = { clientKey: WIDGET_KEYS.clientKey, orderId: newOrderId(), orderName: '토스 티셔츠 외 2건', amount: 15000, ...overrides };
  const response = await fetch(`${sandbox.url}/__sandbox/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`authorize failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as AuthorizeResult;
}

/** POST /v1/payments/confirm with the authorized values. */
export function confirm(sandbox: TossSandbox, auth: AuthorizeResult, options: CallOptions = {}): Promise<CallResult<Payment & ErrorBody>> {
  const body = { paymentKey: auth.paymentKey, orderId: auth.orderId, amount: auth.amount };
  return call<Payment & ErrorBody>(sandbox, 'POST', '/v1/payments/confirm', { body, ...options });
}

/** Authorizes and confirms one payment; returns the DONE Payment. */
export async function approvedPayment(sandbox: TossSandbox, amount = 15000): Promise<Payment> {
  const result = await confirm(sandbox, await authorize(sandbox, { amount }));
  if (result.status !== 200) throw new Error(`confirm failed: ${result.text}`);
  return result.body;
}

/** POST /v1/payments/{paymentKey}/cancel. */
export function cancel(
  sandbox: TossSandbox,
  paymentKey: string,
  body: unknown,
  options: CallOptions = {},
): Promise<CallResult<Payment & ErrorBody>> {
  return call<Payment & ErrorBody>(sandbox, 'POST', `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, { body, ...options });
}

/** GET /v1/payments/{paymentKey}. */
export function lookup(sandbox: TossSandbox, paymentKey: string, options: CallOptions = {}): Promise<CallResult<Payment & ErrorBody>> {
  return call<Payment & ErrorBody>(sandbox, 'GET', `/v1/payments/${encodeURIComponent(paymentKey)}`, options);
}

/** GET /v1/payments/orders/{orderId}. */
export function lookupByOrder(sandbox: TossSandbox, orderId: string, options: CallOptions = {}): Promise<CallResult<Payment & ErrorBody>> {
  return call<Payment & ErrorBody>(sandbox, 'GET', `/v1/payments/orders/${encodeURIComponent(orderId)}`, options);
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: { eventType: string; createdAt: string; data: Payment };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** A local webhook endpoint answering the given statuses in turn (then 200). */
export async function startWebhookReceiver(statuses: number[] = []): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const queue = [...statuses];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedWebhook['body'] });
      res.writeHead(queue.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/toss`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const KST_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/;
