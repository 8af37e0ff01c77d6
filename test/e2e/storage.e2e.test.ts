import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createStorage } from '../../src/services/storage/create-storage';
import { LocalStorage } from '../../src/services/storage/local-storage';
import { S3Storage } from '../../src/services/storage/s3-storage';
import type { Storage } from '../../src/services/storage/storage';
import { startS3Server } from '../helpers/s3-server';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** One adapter plus ways to look at what it stored without going through it. */
type Harness = {
  storage: Storage;
  /** The stored bytes as a client gets them (S3: GET on the public URL), or undefined when absent. */
  read(key: string): Promise<Buffer | undefined>;
  /** Everything stored under `prefix/`, temporary files included. */
  list(prefix: string): Promise<string[]>;
  /** Requests the S3 server received (empty for local). */
  requests(): string[];
  /** A Storage of the same kind whose backing store is missing. */
  broken(): Storage;
  close(): Promise<void>;
};

async function s3Harness(): Promise<Harness> {
  const server = await startS3Server();
  // Through loadConfig, as the app does, so the helper's env and the config's defaults are tested too.
  const config = loadConfig(server.env).storage;
  const storage = createStorage(config);
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const others: S3Storage[] = [];
  return {
    storage,
    async read(key) {
      const response = await fetch(storage.publicUrl(key));
      if (response.status === 404) return undefined;
      expect(response.status).toBe(200);
      return Buffer.from(await response.arrayBuffer());
    },
    async list(prefix) {
      const listing = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${prefix}/` }));
      return (listing.Contents ?? []).map((o) => o.Key ?? '');
    },
    requests: () => server.requests,
    broken() {
      if (config.kind !== 's3') throw new Error('expected an S3 config');
      const other = new S3Storage({ ...config, bucket: 'no-such-bucket' });
      others.push(other);
      return other;
    },
    async close() {
      client.destroy();
      await Promise.all([storage, ...others].map((s) => (s as S3Storage).close()));
      await server.close();
    },
  };
}

async function localHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(tmpdir(), 'local-storage-'));
  const directory = path.join(root, 'uploads'); // created by the adapter
  const storage = createStorage({ kind: 'local', directory }, 'https://shop.example');
  const notADirectory = path.join(root, 'a-file');
  await writeFile(notADirectory, '');
  return {
    storage,
    async read(key) {
      return readFile(path.join(directory, key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
    },
    async list(prefix) {
      const names = await readdir(path.join(directory, prefix)).catch(() => []);
      return names.map((name) => `${prefix}/${name}`);
    },
    requests: () => [],
    broken: () => new LocalStorage(path.join(notADirectory, 'uploads')),
    async close() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A byte stream of `content` in 64 KiB chunks that, if `failure` is given, fails after `failAfter` bytes. */
function bodyOf(content: Buffer, failure?: { error: Error; failAfter: number }): Readable {
  const end = failure ? failure.failAfter : content.length;
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < end; offset += CHUNK) yield content.subarray(offset, Math.min(offset + CHUNK, end));
      if (failure) throw failure.error;
    })(),
    { objectMode: false },
  );
}

const png = (size: number): Buffer => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(size - 8)]);

describe.each([
  ['s3', s3Harness],
  ['local', localHarness],
] as const)('%s Storage', (kind, start) => {
  let h: Harness;
  let next = 0;
  /** A fresh key (and its prefix) per test, shaped like the app's product image keys. */
  const newKey = (): { prefix: string; key: string } => {
    const prefix = `products/${++next}`;
    return { prefix, key: `${prefix}/0b9c2f6e-4d1a-4c1b-9e55-3f0a8f1d2c7b.png` };
  };

  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`is the ${kind} adapter and answers ping`, async () => {
    expect(h.storage.kind).toBe(kind);
    await expect(h.storage.ping()).resolves.toBeUndefined();
    await expect(h.broken().ping()).rejects.toThrow();
  });

  it('rejects a put when the backing store fails, and releases the body', async () => {
    const body = bodyOf(png(1024));
    await expect(h.broken().put(newKey().key, body, { contentType: 'image/png' })).rejects.toThrow();
    expect(body.destroyed).toBe(true);
  });

  it('stores a body and serves it back byte for byte', async () => {
    const { key } = newKey();
    const content = png(200 * 1024);
    await h.storage.put(key, bodyOf(content), { contentType: 'image/png' });
    expect(await h.read(key)).toEqual(content);
    if (kind === 's3') {
      const response = await fetch(h.storage.publicUrl(key));
      expect(response.headers.get('content-type')).toBe('image/png');
      await response.arrayBuffer();
    }
  });

  it('builds public URLs from the configured base', () => {
    const key = 'products/7/a.png';
    const expected =
      kind === 's3'
        ? /^http:\/\/127\.0\.0\.1:\d+\/test-bucket\/products\/7\/a\.png$/
        : /^https:\/\/shop\.example\/media\/products\/7\/a\.png$/;
    expect(h.storage.publicUrl(key)).toMatch(expected);
  });

  it('deletes, and deleting a missing key is fine', async () => {
    const { prefix, key } = newKey();
    await h.storage.put(key, bodyOf(png(1024)), { contentType: 'image/png' });
    await h.storage.delete(key);
    expect(await h.read(key)).toBeUndefined();
    expect(await h.list(prefix)).toEqual([]);
    await expect(h.storage.delete(key)).resolves.toBeUndefined();
    await expect(h.storage.delete('products/never/stored.png')).resolves.toBeUndefined();
  });

  it.each([
    ['in the first chunks', 3 * CHUNK],
    ['after a full 5 MiB part', 6 * MiB],
  ])('rejects with the body error and stores nothing when the body fails %s', async (_when, failAfter) => {
    const { prefix, key } = newKey();
    const error = new Error('client went away');
    const body = bodyOf(png(8 * MiB), { error, failAfter });
    await expect(h.storage.put(key, body, { contentType: 'image/png' })).rejects.toBe(error);
    if (kind === 's3' && failAfter > 5 * MiB) {
      // s3rver answers AbortMultipartUpload with 405; put must still report the body's error.
      expect(h.requests().some((r) => r.startsWith(`DELETE /test-bucket/${key}?uploadId=`))).toBe(true);
    }
    expect(await h.read(key)).toBeUndefined();
    expect(await h.list(prefix)).toEqual([]); // no object, no leftover .part file
  });

  it('streams a 12 MiB body in chunks, even when the caller already counts its bytes', async () => {
    const { key } = newKey();
    const content = png(12 * MiB + 12345);
    const body = bodyOf(content);
    // Like the product image service: a 'data' listener puts the stream in flowing mode before put().
    let counted = 0;
    body.on('data', (chunk: Buffer) => (counted += chunk.length));
    await h.storage.put(key, body, { contentType: 'image/png' });
    expect(counted).toBe(content.length);
    const stored = await h.read(key);
    expect(stored?.length).toBe(content.length);
    expect(stored?.equals(content)).toBe(true);
    if (kind === 's3') {
      const parts = h.requests().filter((r) => r.startsWith(`PUT /test-bucket/${key}?`) && r.includes('partNumber='));
      expect(parts).toHaveLength(3); // 5 + 5 + 2 MiB
    }
  });

  it.each([
    '../escape.png',
    'products/../../x.png',
    '/products/1/a.png',
    'products\\1\\a.png',
    'products/1/a b.png',
    'products/1/é.png',
    '',
    'products//a.png',
    'products/./a.png',
    'products/1/',
  ])('rejects the key %j', async (key) => {
    const body = bodyOf(png(1024));
    await expect(h.storage.put(key, body, { contentType: 'image/png' })).rejects.toThrow(/Invalid storage key/);
    expect(body.destroyed).toBe(true);
    await expect(h.storage.delete(key)).rejects.toThrow(/Invalid storage key/);
    expect(() => h.storage.publicUrl(key)).toThrow(/Invalid storage key/);
  });
});
