import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, type Storage } from './storage';

const ignore = (): void => {};

/** Storage on the local disk; the app serves `directory` under `/media`. For development and single-instance setups. */
export class LocalStorage implements Storage {
  readonly kind = 'local' as const;

  constructor(
    readonly directory: string,
    private readonly publicBaseUrl?: string,
  ) {}

  /** Writes to a temporary file beside the target and renames it into place, so readers never see a partial file. */
  async put(key: string, body: Readable, _options: { contentType: string }): Promise<void> {
    // Until pipeline() takes over: hold the body, since a caller may already have it flowing (e.g. a
    // 'data' listener counting bytes), and keep an early error from being an uncaught 'error' event.
    // pipeline() resumes the body and still rejects with an error it had before being attached.
    body.pause();
    body.on('error', ignore);
    let temporary: string | undefined;
    try {
      const target = this.pathOf(key);
      await mkdir(path.dirname(target), { recursive: true });
      temporary = `${target}.part-${randomUUID()}`;
      // Opened before piping, so the file surely exists when the cleanup below removes it.
      const file = await open(temporary, 'wx');
      await pipeline(body, file.createWriteStream());
      await rename(temporary, target);
    } catch (err) {
      body.destroy();
      if (temporary) await rm(temporary, { force: true });
      throw err;
    } finally {
      body.off('error', ignore);
    }
  }

  /** Deletes the file at `key`; a missing file is fine. */
  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** `<publicBaseUrl>/media/<key>`, or a root-relative `/media/<key>` when no base URL is configured. */
  publicUrl(key: string): string {
    assertValidKey(key);
    return `${(this.publicBaseUrl ?? '').replace(/\/+$/, '')}/media/${key}`;
  }

  /** Creates the directory if needed and checks that this process can write to it. */
  async ping(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await access(this.directory, constants.W_OK);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.directory, ...key.split('/'));
  }

  /** Nothing to release for the local disk. */
  async close(): Promise<void> {}
}
