/**
 * A push-to-pull bridge for one subscriber: events pushed in, an AsyncIterator out. The buffer
 * is bounded: a subscriber that cannot keep up is ended with an error (its client reconnects
 * with the last id it saw and misses nothing). `onClose` runs once, however it ends.
 */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((err: Error) => void) | null = null;
  private done = false;
  private error: Error | null = null;

  constructor(
    private readonly onClose: () => void,
    private readonly maxBuffered = 1000,
  ) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: item, done: false });
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.fail(new Error('The subscriber fell too far behind; reconnect with the last event id.'));
      return;
    }
    this.buffer.push(item);
  }

  /** Ends the stream with an error (delivered after what is already buffered is dropped). */
  fail(err: Error): void {
    if (this.done) return;
    this.error = err;
    this.buffer.length = 0;
    if (this.failWaiting) this.failWaiting(err);
    this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.waiting) this.waiting({ value: undefined, done: true });
    this.waiting = this.failWaiting = null;
    this.onClose();
  }
}
