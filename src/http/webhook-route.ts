import express, { type Router } from 'express';
import type { RedisClient } from '../services/shared/redis-client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { isTooManyRequests } from '../schema/errors';
import type { PaymentWebhook } from '../services/payments/payment-webhook';
import { ActionLimit } from '../services/shared/action-limit';
import { ipMatcher } from '../services/shared/ip-list';
import { clientKey } from '../services/shared/ip-key';
import type { RequestMetrics } from '../telemetry/metrics';

/**
 * `POST /webhooks/toss`, Toss's PAYMENT_STATUS_CHANGED deliveries. Each one makes this server
 * ask Toss with the merchant's secret key, so before anything is read: senders outside
 * TOSS_WEBHOOK_ALLOWED_IPS get 403, and past TOSS_WEBHOOK_PER_IP_PER_MINUTE a client IP gets
 * 429 with Retry-After (Toss delivers again later), counted with the other rate-limit refusals.
 * `webhook` is null when payments are off (503).
 */
export function tossWebhookRouter(deps: {
  config: Config;
  redis: RedisClient | null;
  logger: Logger;
  webhook: PaymentWebhook | null;
  /** Prometheus metrics (null: off). */
  metrics: RequestMetrics | null;
}): Router {
  const { config, redis, logger, webhook, metrics } = deps;
  const { perIpPerMinute, allowedIps } = config.payments.webhook;
  const allowed = allowedIps ? ipMatcher(allowedIps) : () => true;
  const limit = new ActionLimit(
    {
      name: 'toss-webhook',
      points: perIpPerMinute,
      windowSeconds: 60,
      keyPrefix: config.redisKeyPrefix,
      message: 'Too many webhook deliveries.',
    },
    redis,
    logger,
  );
  const router = express.Router();
  router.post(
    '/webhooks/toss',
    async (req, res, next) => {
      if (!allowed(req.ip)) {
        logger.debug({ ip: req.ip }, 'webhook: sender not in TOSS_WEBHOOK_ALLOWED_IPS');
        res.status(403).json({ result: 'forbidden' });
        return;
      }
      try {
        await limit.take(clientKey(req.ip ?? 'unknown'));
      } catch (err) {
        if (isTooManyRequests(err)) {
          metrics?.refusal(err.extensions.code);
          res.status(429).set('retry-after', String(err.extensions.retryAfter)).json({ result: 'too many requests' });
        } else {
          res.status(503).json({ result: 'retry later' });
        }
        return;
      }
      next();
    },
    express.json({ limit: '256kb' }),
    async (req, res) => {
      if (!webhook) {
        res.status(503).json({ result: 'payments are not configured' });
        return;
      }
      const outcome = await webhook.handle(req.body);
      res.status(outcome.status).json(outcome.body);
    },
  );
  return router;
}
