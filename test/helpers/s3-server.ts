import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
type S3rverInstance = { run(): Promise<AddressInfo>; close(): Promise<void>; httpServer: Server };
type S3rverOptions = {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string; configs?: string[] }>;
};
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverInstance;

export type TestS3Server = {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  bucket: string;
  /** Environment for `loadConfig` / `startTestApp` that points the app's Storage at this server. */
  env: Record<string, string>;
  /** Every request received so far, as `METHOD /path?query`, to check how a client talked to S3. */
  requests: string[];
  close(): Promise<void>;
};

/**
 * Starts an in-process S3-protocol server (s3rver) on a free loopback port, backed by a fresh temp
 * directory, with one bucket. s3rver does not check ACLs, so objects are readable anonymously at
 * `${endpoint}/${bucket}/${key}` (the default S3 public URL for a custom endpoint).
 */
export async function startS3Server(bucket = 'test-bucket'): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const requests: string[] = [];
  server.httpServer.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    requests,
    env: {
      STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async close() {
      server.httpServer.closeAllConnections(); // keep-alive sockets of clients the test forgot would stall close()
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
