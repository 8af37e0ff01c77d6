import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './context';
import { TossError, type Lang } from './errors';
import type { Fault, FaultEndpoint } from './faults';
import { decodeSegment, errorResponse, header, jsonResponse, langOf, parseJson, readBody, send } from './http-io';
import { IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyStore, type StoredResponse } from './idempotency';
import { cancelPayment } from './payment-cancel.service';
import { confirmPayment } from './payment-confirm.service';
import { lookupPayment, lookupPaymentByOrder } from './payment-lookup.service';
import type { Merchant, Payment } from './types';
import { ERROR_CODE_PATTERN } from './validation';

interface ApiRoute {
  endpoint: FaultEndpoint;
  run(ctx: SandboxContext, merchant: Merchant, bodyText: string): Payment;
}

/** Maps a method and path to one of the four documented endpoints. */
function matchApiRoute(method: string, pathname: string): ApiRoute | null {
  const parts = pathname.split('/').slice(1);
  if (parts[0] !== 'v1' || parts[1] !== 'payments') return null;
  const rest = parts.slice(2);
  if (method === 'POST' && rest.length === 1 && rest[0] === 'confirm') {
    return { endpoint: 'confirm', run: (ctx, merchant, text) => confirmPayment(ctx, merchant, parseJson(text)) };
  }
  if (method === 'GET' && rest.length === 2 && rest[0] === 'orders') {
    const orderId = decodeSegment(rest[1]);
    return orderId === null ? null : { endpoint: 'lookup', run: (ctx, merchant) => lookupPaymentByOrder(ctx, merchant, orderId) };
  }
  const paymentKey = rest.length > 0 && rest[0] !== '' ? decodeSegment(rest[0]) : null;
  if (paymentKey === null) return null;
  if (method === 'POST' && rest.length === 2 && rest[1] === 'cancel') {
    return { endpoint: 'cancel', run: (ctx, merchant, text) => cancelPayment(ctx, merchant, paymentKey, parseJson(text)) };
  }
  if (method === 'GET' && rest.length === 1) {
    return { endpoint: 'lookup', run: (ctx, merchant) => lookupPayment(ctx, merchant, paymentKey) };
  }
  return null;
}

/** True for the paths this module serves. */
export function isApiPath(pathname: string): boolean {
  return pathname === '/v1' || pathname.startsWith('/v1/');
}

/** Serves the documented API: fault injection, Basic auth, idempotency, Test-Code, then the operation. */
export async function handleApi(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const lang = langOf(req);
  const route = matchApiRoute(req.method ?? 'GET', url.pathname);
  if (!route) {
    send(res, errorResponse(new TossError('NOT_FOUND'), lang));
    return;
  }
  const fault = ctx.faults.take(route.endpoint);
  if (fault?.mode === 'drop-before') {
    req.socket.destroy();
    return;
  }
  if (fault?.mode === 'error5xx') {
    send(res, errorResponse(new TossError('FAILED_INTERNAL_SYSTEM_PROCESSING'), lang));
    return;
  }
  const response = await respond(ctx, req, url, route, lang, fault);
  if (fault?.mode === 'drop-after') {
    req.socket.destroy();
    return;
  }
  send(res, response);
}

async function respond(
  ctx: SandboxContext,
  req: IncomingMessage,
  url: URL,
  route: ApiRoute,
  lang: Lang,
  fault: Fault | null,
): Promise<StoredResponse> {
  let bodyText: string;
  let merchant: Merchant;
  try {
    bodyText = await readBody(req);
    merchant = ctx.keys.authenticate(header(req, 'authorization'));
  } catch (error) {
    return errorResponse(error, lang);
  }
  const execute = async (): Promise<StoredResponse> => {
    try {
      if (fault?.mode === 'delay') await ctx.sleep(fault.ms);
      const testCode = header(req, 'tosspayments-test-code')?.trim();
      if (testCode) throw new TossError(ERROR_CODE_PATTERN.test(testCode) ? testCode : 'INVALID_REQUEST');
      return jsonResponse(200, route.run(ctx, merchant, bodyText));
    } catch (error) {
      return errorResponse(error, lang);
    }
  };
  // GET ignores Idempotency-Key (§1).
  const idempotencyKey = req.method === 'POST' ? header(req, 'idempotency-key') : undefined;
  if (idempotencyKey === undefined) return execute();
  if (idempotencyKey.length === 0 || idempotencyKey.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    return errorResponse(new TossError('INVALID_IDEMPOTENCY_KEY'), lang);
  }
  const key = IdempotencyStore.compose(idempotencyKey, merchant.secretKey, url.pathname, 'POST');
  const stored = ctx.idempotency.lookup(key);
  if (stored === 'in-flight') return errorResponse(new TossError('IDEMPOTENT_REQUEST_PROCESSING'), lang);
  if (stored) return stored;
  ctx.idempotency.begin(key);
  let response: StoredResponse | null = null;
  try {
    response = await execute();
    return response;
  } finally {
    // 5xx means the operation did not complete: a retry with the same key runs it again.
    ctx.idempotency.finish(key, response !== null && response.status < 500 ? response : null);
  }
}
