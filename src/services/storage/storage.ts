import type { Readable } from 'node:stream';

/**
 * The Storage port: where uploaded files (product images) live. Adapters: S3 (or any
 * S3-protocol server) and the local disk. Chosen once at boot by `createStorage`.
 */
export interface Storage {
  readonly kind: 's3' | 'local';
  /** Streams `body` to `key` without buffering the whole body in memory (bounded part buffers are fine).
   *  If `body` errors (e.g. too large, not an image, client aborted), the promise rejects with THAT error
   *  and nothing is left stored at `key`. */
  put(key: string, body: Readable, options: { contentType: string }): Promise<void>;
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** The public URL clients fetch the object from. */
  publicUrl(key: string): string;
  /** Readiness probe: resolves when the backing store answers. */
  ping(): Promise<void>;
  /** Releases clients and sockets at shutdown. */
  close(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_KEY_LENGTH = 1024; // S3's limit, in bytes; keys here are ASCII.

/** Throws unless `key` is a relative path of `[A-Za-z0-9._-]` segments with no `.`, `..` or empty segment. */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  const valid = key.length > 0 && key.length <= MAX_KEY_LENGTH && segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!valid) throw new Error(`Invalid storage key ${JSON.stringify(key)}`);
}
