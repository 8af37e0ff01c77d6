/** How a piece of work ended within a time limit: its value, its error, or still running when the limit passed. */
export type Settled<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/**
 * Waits for `work` at most `ms` and says how it ended; never rejects. The timer is cleared as
 * soon as `work` settles (it keeps no process alive), and `work`'s rejection is observed here
 * even when it comes after the limit, so the work left behind never rejects unhandled.
 */
export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ kind: 'late' }), ms)));
  const settled = work.then(
    (value): Settled<T> => ({ kind: 'done', value }),
    (error: unknown): Settled<T> => ({ kind: 'failed', error }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work`'s value, or a rejection with `message` once `ms` have passed first (the work left behind settles unobserved). */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const outcome = await settleWithin(work, ms);
  if (outcome.kind === 'done') return outcome.value;
  throw outcome.kind === 'failed' ? outcome.error : new Error(message);
}
