import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * BENCH_TRACING=1: a local OTLP/HTTP receiver that reads and discards what it is sent (the app's
 * spans), counting requests and bytes so a run can show that spans did arrive. Exporting costs
 * the app what it would against a real collector on the same network; storing them costs it nothing.
 */
export async function startOtlpSink(): Promise<{ url: string; received(): { requests: number; bytes: number }; close(): Promise<void> }> {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests += 1;
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => ({ requests, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether this run measures with tracing on (BENCH_TRACING=1). */
export const benchTracing = (): boolean => process.env.BENCH_TRACING === '1';
