import 'reflect-metadata';
import fs from 'node:fs';
import { ConfigError, loadConfig } from './config';
import type * as AppModule from './app';
import type * as DemoSeedModule from './services/demo/demo-seed';
import type * as TracingModule from './telemetry/tracing';

async function main() {
  // A .env file in the working directory is read if present; real environment variables win.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  // Traces (README "Observability"): the SDK starts before the app's modules are loaded, so its
  // instrumentations patch mysql2, ioredis and http as they are required. Off, it is never loaded.
  const tracing = config.telemetry.tracing
    ? (require('./telemetry/tracing') as typeof TracingModule).startTracing(config.telemetry.traces, config.trustProxy)
    : null;
  const { createApp } = require('./app') as typeof AppModule;
  const { DEMO_CREDENTIALS, DEMO_PASSWORD, demoSeedPending, seedDemo } = require('./services/demo/demo-seed') as typeof DemoSeedModule;
  const demoLogins = () => DEMO_CREDENTIALS.map((c) => `${c.role.toLowerCase()} ${c.email}`).join(', ');

  const app = await createApp(config);
  // A first start on the embedded profile gets the demo catalog, so there is something to browse and buy
  // (not under NODE_ENV=test, whose processes make their own data). A load cut short is finished next time.
  if (config.profile === 'embedded' && config.nodeEnv !== 'test' && (await demoSeedPending(app))) {
    app.logger.info('loading the demo data (first start; npm run seed does the same on demand)');
    const report = await seedDemo(app, {
      onProgress: (done, total) => {
        if (done % 50 === 0 && done < total) app.logger.info(`demo data: ${done}/${total} products`);
      },
    });
    app.logger.info({ created: report.created }, 'demo data loaded');
  }
  const url = await app.listen();
  tracing?.traceServerOn(Number(new URL(url).port));
  app.logger.info({ url: `${url}/graphql`, env: config.nodeEnv, profile: config.profile }, 'marketplace API listening');
  if (config.graphql.introspection) app.logger.info(`Apollo Sandbox: open ${url}/graphql in a browser`);
  if (!config.isProduction) {
    app.logger.info(`demo storefront: open ${url}/demo/ in a browser`);
    if (config.profile === 'embedded') app.logger.info(`demo logins (password ${DEMO_PASSWORD}): ${demoLogins()}`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    app
      .close()
      // The spans of the last requests are sent before exiting, if the collector takes them in time.
      .then(() => tracing && flushTraces(tracing, app.logger))
      .then(() => process.exit(0))
      .catch((err) => {
        app.logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** How long a shutdown waits for the last spans to be exported: a hung collector must not hold the exit. */
const TRACES_FLUSH_MS = 3000;

/** Ends tracing; an export that fails or takes too long is a warning, never a failed shutdown. */
async function flushTraces(tracing: { shutdown(): Promise<void> }, logger: { warn(obj: object, msg: string): void }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), TRACES_FLUSH_MS);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([tracing.shutdown().then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout')
      logger.warn({ waitedMs: TRACES_FLUSH_MS }, 'tracing: the last spans were not exported in time (collector unreachable?)');
  } catch (err) {
    logger.warn({ err }, 'tracing: the last spans could not be exported');
  } finally {
    clearTimeout(timer);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
