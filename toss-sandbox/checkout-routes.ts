import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkoutPage, CONFIRM_OUTCOMES, errorPage, paymentSummaryPage } from './checkout-html';
import type { CheckoutSession, SandboxContext } from './context';
import { messageOf, TossError } from './errors';
import { decodeSegment, readBody, redirect, sendHtml } from './http-io';
import { newSessionId } from './ids';
import { authorizePayment } from './payment-confirm.service';
import { sdkShim } from './sdk-shim';
import { ORDER_ID_PATTERN } from './validation';

/** READY payments must be authenticated within 30 minutes (§5). */
export const READY_WINDOW_MS = 30 * 60 * 1000;

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Validates the /checkout query; returns the session or the list of problems. */
function parseCheckoutQuery(ctx: SandboxContext, query: URLSearchParams): CheckoutSession | string[] {
  const get = (name: string): string => query.get(name) ?? '';
  const problems: string[] = [];
  const merchant = ctx.keys.byClientKey(get('clientKey'));
  if (!merchant) problems.push('clientKey: unknown client key (UNAUTHORIZED_KEY)');
  if (!ORDER_ID_PATTERN.test(get('orderId'))) problems.push('orderId: 6-64 characters of A-Z a-z 0-9 - _ =');
  if (get('orderName').length < 1 || get('orderName').length > 100) problems.push('orderName: 1-100 characters');
  if (!/^[1-9][0-9]{0,14}$/.test(get('amount'))) problems.push('amount: a positive integer (KRW)');
  if (!isAbsoluteHttpUrl(get('successUrl'))) problems.push('successUrl: an absolute http(s) URL');
  if (!isAbsoluteHttpUrl(get('failUrl'))) problems.push('failUrl: an absolute http(s) URL');
  for (const name of ['customerEmail', 'customerName']) {
    if (get(name).length > 100) problems.push(`${name}: at most 100 characters`);
  }
  if (!merchant || problems.length > 0) return problems;
  return {
    id: newSessionId(),
    merchant,
    orderId: get('orderId'),
    orderName: get('orderName'),
    amount: Number(get('amount')),
    successUrl: get('successUrl'),
    failUrl: get('failUrl'),
    customerEmail: query.get('customerEmail') || null,
    customerName: query.get('customerName') || null,
    openedAt: ctx.clock.now(),
  };
}

/** Adds parameters to a URL, keeping its own query string. */
function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

function failRedirect(session: CheckoutSession, code: string): string {
  return withParams(session.failUrl, { code, message: messageOf(code), orderId: session.orderId });
}

/** Handles a button press on the payment window and returns where the browser goes next. */
function completeCheckout(ctx: SandboxContext, session: CheckoutSession, form: URLSearchParams): string {
  const action = form.get('action');
  if (action === 'decline') return failRedirect(session, 'PAY_PROCESS_CANCELED');
  if (action === 'reject') return failRedirect(session, 'REJECT_CARD_COMPANY');
  if (ctx.clock.now() - session.openedAt > READY_WINDOW_MS) return failRedirect(session, 'PAY_PROCESS_ABORTED');
  const chosen = form.get('confirmError') ?? '';
  const confirmError = CONFIRM_OUTCOMES.some((o) => o.code === chosen && chosen !== '') ? chosen : undefined;
  try {
    const order = { clientKey: session.merchant.clientKey, orderId: session.orderId, orderName: session.orderName, amount: session.amount };
    const result = authorizePayment(ctx, session.merchant, { ...order, confirmError }, session.openedAt);
    return withParams(session.successUrl, {
      paymentType: 'NORMAL',
      orderId: result.orderId,
      paymentKey: result.paymentKey,
      amount: String(result.amount),
    });
  } catch (error) {
    if (error instanceof TossError) return failRedirect(session, error.code);
    throw error;
  }
}

/** Serves the browser side: /checkout, /checkout/complete, /v2/standard, receipts. Returns false if not ours. */
export async function handleBrowser(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && url.pathname === '/checkout') {
    const parsed = parseCheckoutQuery(ctx, url.searchParams);
    if (Array.isArray(parsed)) {
      sendHtml(res, 400, errorPage('잘못된 결제 요청입니다 (INVALID_REQUEST)', parsed));
      return true;
    }
    ctx.checkouts.set(parsed.id, parsed);
    sendHtml(res, 200, checkoutPage(parsed));
    return true;
  }
  if (method === 'POST' && url.pathname === '/checkout/complete') {
    const form = new URLSearchParams(await readBody(req));
    const session = ctx.checkouts.get(form.get('session') ?? '');
    if (!session || !['approve', 'decline', 'reject'].includes(form.get('action') ?? '')) {
      sendHtml(res, 400, errorPage('결제 세션이 없습니다', ['The payment window was already used, or the sandbox was reset.']));
      return true;
    }
    ctx.checkouts.delete(session.id);
    redirect(res, completeCheckout(ctx, session, form));
    return true;
  }
  if (method === 'GET' && url.pathname === '/v2/standard') {
    const js = sdkShim(ctx.baseUrl);
    res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'content-length': Buffer.byteLength(js) });
    res.end(js);
    return true;
  }
  const checkoutLink = /^\/v1\/payments\/([^/]+)\/checkout$/.exec(url.pathname);
  if (method === 'GET' && (checkoutLink || url.pathname === '/receipt/redirection')) {
    const key = (checkoutLink ? decodeSegment(checkoutLink[1]) : url.searchParams.get('transactionId')) ?? '';
    const record = ctx.payments.get(key);
    if (record) sendHtml(res, 200, paymentSummaryPage(record.payment));
    else sendHtml(res, 404, errorPage('존재하지 않는 결제 정보 입니다.', [key]));
    return true;
  }
  return false;
}
