import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleApi, isApiPath } from './api-routes';
import { handleBrowser } from './checkout-routes';
import type { SandboxContext } from './context';
import { CONTROL_PREFIX, handleControls } from './control-routes';
import type { SandboxControls } from './controls';
import { TossError } from './errors';
import { errorResponse, langOf, send, sendJson } from './http-io';
import { expireOverduePayments } from './payment-confirm.service';

async function dispatch(ctx: SandboxContext, controls: SandboxControls, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  // Expiry is evaluated lazily (and by a 1 s sweep), so every request sees the current sandbox time.
  expireOverduePayments(ctx);
  if (await handleBrowser(ctx, req, res, url)) return;
  if (isApiPath(url.pathname)) return handleApi(ctx, req, res, url);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControls(controls, req, res, url);
  if (req.method === 'GET' && url.pathname === '/') {
    sendJson(res, 200, {
      name: 'toss-payments-sandbox',
      api: [
        'POST /v1/payments/confirm',
        'POST /v1/payments/{paymentKey}/cancel',
        'GET /v1/payments/{paymentKey}',
        'GET /v1/payments/orders/{orderId}',
      ],
      browser: ['GET /checkout', 'GET /v2/standard'],
      controls: `${CONTROL_PREFIX}{authorize,faults,clock,payments,webhooks,webhook-url,keys,reset}`,
    });
    return;
  }
  send(res, errorResponse(new TossError('NOT_FOUND'), langOf(req)));
}

/** The sandbox HTTP server (not yet listening). */
export function createSandboxServer(ctx: SandboxContext, controls: SandboxControls): Server {
  return createServer((req, res) => {
    dispatch(ctx, controls, req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      send(res, errorResponse(error, langOf(req)));
    });
  });
}
