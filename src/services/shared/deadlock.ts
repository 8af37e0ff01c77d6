import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

/**
 * Runs a transaction, running it again when InnoDB picks it as a deadlock victim (or a lock wait
 * times out): the whole transaction was rolled back, so a fresh attempt is safe.
 */
/** Plain-SQL statements (db/sql.ts) surface the driver's error as it is: MySQL 1213 (deadlock) or 1205 (lock wait timeout). */
function isLockConflict(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === 1213 || errno === 1205;
}

export async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      const retryable = err instanceof DeadlockException || err instanceof LockWaitTimeoutException || isLockConflict(err);
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}
