import type { RedisClient } from './redis-client';
import type { Logger } from '../../logger';

/**
 * Read-your-writes across requests with read replicas (README "Scaling out"): after an account
 * writes, its reads stay on the primary for `ttlMs` (db/replica-status.ts `writeFenceMillis`: long
 * enough for every replica that still serves reads to have the write). Kept in Redis when there
 * is one, so the account's next request sees its write whichever instance serves it; in this
 * process otherwise (a single instance). Marked when a mutation starts and again when it ends,
 * so reads made meanwhile by the same account are fenced too, and the fence runs from the end.
 */
export class WriteFence {
  private readonly local = new Map<string, number>();
  private prunedAt = 0;

  constructor(
    private readonly options: { ttlMs: number; keyPrefix: string },
    private readonly redis: RedisClient | null,
    private readonly logger: Logger,
  ) {}

  /** `account` wrote (or is writing) now. Never throws: a fence Redis cannot keep is kept in this process and logged. */
  async mark(account: string): Promise<void> {
    const until = Date.now() + this.options.ttlMs;
    this.local.set(account, until);
    this.prune();
    if (!this.redis) return;
    try {
      await this.redis.set(this.key(account), '1', 'PX', this.options.ttlMs);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not share a write fence; other instances may read from a replica');
    }
  }

  /** Whether `account` wrote within the fence. When Redis cannot answer: yes (the primary is always right). */
  async isFenced(account: string): Promise<boolean> {
    const until = this.local.get(account);
    if (until !== undefined && until > Date.now()) return true;
    if (!this.redis) return false;
    try {
      return (await this.redis.exists(this.key(account))) === 1;
    } catch {
      return true;
    }
  }

  private key(account: string): string {
    return `${this.options.keyPrefix}wrote:${account}`;
  }

  /** Drops expired entries, at most once a fence (the map holds the accounts that wrote within about two). */
  private prune(): void {
    const now = Date.now();
    if (now - this.prunedAt < this.options.ttlMs) return;
    this.prunedAt = now;
    for (const [account, until] of this.local) if (until <= now) this.local.delete(account);
  }
}
