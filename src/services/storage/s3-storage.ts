import { DeleteObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { StorageConfig } from '../../config';
import { assertValidKey, type Storage } from './storage';

export type S3StorageConfig = Extract<StorageConfig, { kind: 's3' }>;

const PART_SIZE = 5 * 1024 * 1024; // S3's minimum part size; with queueSize 2 a put holds at most ~3 parts in memory.

/** Storage on S3 or an S3-protocol server (MinIO, s3rver); objects are served from `config.publicUrl`. */
export class S3Storage implements Storage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly config: S3StorageConfig) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
    });
  }

  /** Streams `body` in 5 MiB parts (multipart above one part); on any failure no object is left at `key`. */
  async put(key: string, body: Readable, options: { contentType: string }): Promise<void> {
    // Remember the body's own error: on failure Upload may report a follow-up error instead (a failed
    // AbortMultipartUpload, e.g. s3rver answers it 405), but callers must see why the body failed.
    let bodyError: unknown;
    const onBodyError = (err: unknown): void => {
      bodyError ??= err;
    };
    body.on('error', onBodyError);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.config.bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType,
        // S3 cannot add nosniff or a CSP itself: the CDN in front adds them (README, Docker; SECURITY.md).
        ContentDisposition: `inline; filename="${key.split('/').pop()}"`,
        // Keys are random and objects never change.
        CacheControl: 'public, max-age=86400, immutable',
      },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false, // Upload sends AbortMultipartUpload itself
    });
    try {
      assertValidKey(key);
      await upload.done();
    } catch (err) {
      await upload.abort();
      body.destroy();
      await this.deleteQuietly(key);
      throw bodyError ?? body.errored ?? err;
    } finally {
      body.off('error', onBodyError);
    }
  }

  /** Deletes the object; S3 answers success for a missing key too. */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  /** `<config.publicUrl>/<key>`; keys need no escaping since they are restricted to `[A-Za-z0-9/._-]`. */
  publicUrl(key: string): string {
    assertValidKey(key);
    return `${this.config.publicUrl}/${key}`;
  }

  /** HeadBucket: the bucket exists and these credentials may use it. */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
  }

  /** Releases the client's sockets; call on shutdown. */
  async close(): Promise<void> {
    this.client.destroy();
  }

  private async deleteQuietly(key: string): Promise<void> {
    try {
      await this.delete(key);
    } catch {
      // Best effort: if S3 fails here too, the caller still gets the error that made the put fail.
    }
  }
}
