import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

/**
 * Runs a transaction, running it again when InnoDB picks it as a deadlock victim (or a lock wait
 * times out): the whole transaction was rolled back, so a fresh attempt is safe.
 */
export async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      const retryable = err instanceof DeadlockException || err instanceof LockWaitTimeoutException;
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}
