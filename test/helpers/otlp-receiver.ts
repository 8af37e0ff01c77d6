import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnAppProcess, type AppProcess } from './app-process';
import { TEST_MYSQL_URL, TEST_REDIS_URL, TEST_TOKEN_SECRET } from './test-app';

type Attribute = { key: string; value: Record<string, unknown> };

/** A span as OTLP/HTTP JSON carries it, with the name of its instrumentation scope. */
export type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Attribute[];
  status?: { message?: string };
  scope: string;
};

export type OtlpReceiver = {
  url: string;
  /** Every request as received: its path, headers and body (to look for anything secret in what was exported). */
  bodies: string[];
  /** The spans of every `/v1/traces` request, in arrival order. */
  spans: OtlpSpan[];
  /** The first span `match` accepts, waiting up to `timeoutMs` for it to arrive; undefined if none did. */
  waitForSpan(match: (span: OtlpSpan) => boolean, timeoutMs?: number): Promise<OtlpSpan | undefined>;
  close(): Promise<void>;
};

/** An OTLP/HTTP receiver (JSON encoding, so it can be read) on a free loopback port; it answers every export 200. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: string[] = [];
  const spans: OtlpSpan[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
      if (req.url === '/v1/traces') {
        const parsed = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: Omit<OtlpSpan, 'scope'>[] }> }>;
        };
        for (const rs of parsed.resourceSpans)
          for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, scope: ss.scope.name });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    spans,
    async waitForSpan(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = spans.find(match);
        if (found || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The exporter keeps its connection alive: without this, close() waits for it.
        server.closeAllConnections();
      }),
  };
}

/** The value of a span's attribute `key` (whichever of OTLP's typed value fields holds it). */
export const spanAttribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

/**
 * The server as its own process (helpers/app-process.ts) on the shared MariaDB and Redis, in the
 * database and key prefix of `names`, exporting its traces to `otlpEndpoint` over OTLP/HTTP JSON a
 * tenth of a second after they end (5 s by default); rate limits off. `env` comes on top.
 */
export function spawnTracedApp(
  setup: { names: { dbName: string; redisPrefix: string }; mediaDir: string; otlpEndpoint: string; env?: Record<string, string> },
  options?: Parameters<typeof spawnAppProcess>[1],
): Promise<AppProcess> {
  return spawnAppProcess(
    {
      NODE_ENV: 'test',
      DATABASE_URL: `${TEST_MYSQL_URL}/${setup.names.dbName}`,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: setup.names.redisPrefix,
      LOCAL_STORAGE_DIR: setup.mediaDir,
      AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
      PASSWORD_HASH_MEMORY_KIB: '4096',
      PASSWORD_HASH_TIME_COST: '1',
      RATE_LIMIT_IP_PER_MINUTE: '0',
      RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: setup.otlpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...setup.env,
    },
    options,
  );
}
