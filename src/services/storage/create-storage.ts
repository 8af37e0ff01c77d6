import type { StorageConfig } from '../../config';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import type { Storage } from './storage';

/** Picks the Storage adapter once at boot; `publicBaseUrl` (the API's public URL) prefixes local media URLs. */
export function createStorage(config: StorageConfig, publicBaseUrl?: string): Storage {
  return config.kind === 's3' ? new S3Storage(config) : new LocalStorage(config.directory, publicBaseUrl);
}
