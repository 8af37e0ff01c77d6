import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { Logger } from '../logger';
import type { PrometheusMetrics } from './metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `/metrics` on the main port: only for `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise),
 * compared in constant time. Without a token the route is not mounted at all (404).
 */
export function metricsRoute(metrics: PrometheusMetrics, token: string, logger: Logger): express.RequestHandler {
  const expected = digest(`Bearer ${token}`);
  return (req, res) => {
    const given = req.headers.authorization;
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      res.status(401).setHeader('www-authenticate', 'Bearer').setHeader('cache-control', 'no-store').end();
      return;
    }
    void send(metrics, res, logger);
  };
}

async function send(metrics: PrometheusMetrics, res: http.ServerResponse, logger: Logger): Promise<void> {
  try {
    const { contentType, body } = await metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
  } catch (err) {
    logger.error({ err }, 'could not collect the metrics');
    res.writeHead(500).end();
  }
}

/**
 * A listener of its own (METRICS_PORT on METRICS_HOST, loopback by default) that serves only
 * `GET /metrics`, without a token: reachable only where the operator binds it.
 */
export async function startMetricsListener(
  metrics: PrometheusMetrics,
  listener: { port: number; host: string },
  logger: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    void send(metrics, res, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`Cannot listen for metrics on ${listener.host}:${listener.port} (METRICS_PORT): ${err.message}`)),
    );
    server.listen(listener.port, listener.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
