/**
 * Runs a format walker (a generator that describes what it expects next) over bytes that arrive in
 * chunks, so a whole upload can be checked as it streams past without ever being buffered: the
 * walker asks to `read` a few bytes (at most a segment header or table), to `skip` a run of bytes
 * (optionally seeing them, e.g. for a CRC) or to `scan` ahead to the next occurrence of a byte.
 * It fails (`'bad'`) as soon as the walker throws, and when bytes follow the end of its structure;
 * the file is whole only when the walker has returned exactly at the last byte.
 */

/**
 * What a walker needs next. `read` resumes it with exactly `n` bytes (or, with `orEnd`, the file may
 * also end cleanly right there); `skip` and `scan` resume it with an empty buffer.
 */
export type Need =
  | { kind: 'read'; n: number; orEnd?: boolean }
  | { kind: 'skip'; n: number; see?: (bytes: Buffer) => void }
  | { kind: 'scan'; byte: number };

export type Walk = Generator<Need, void, Buffer>;

/** The largest `read` a walker may ask for, so what is held at once stays bounded. */
export const MAX_READ = 64 * 1024;

export const read = (n: number): Need => ({ kind: 'read', n });
/** Like `read`, but the file may end right here instead (a format that allows a sequence of images). */
export const readOrEnd = (n: number): Need => ({ kind: 'read', n, orEnd: true });
export const skip = (n: number, see?: (bytes: Buffer) => void): Need => ({ kind: 'skip', n, see });
/** Stops before the next `byte` (which the walker then reads), consuming everything up to it. */
export const scan = (byte: number): Need => ({ kind: 'scan', byte });

/** Thrown by walkers for bytes that are not their format's structure. */
export class MalformedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedError';
  }
}

/** Throws MalformedError with `reason` unless `condition` holds. */
export function ensure(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new MalformedError(reason);
}

export type WalkState = 'walking' | 'done' | 'bad';

export class ByteWalker {
  private need: Need | undefined;
  private held: Buffer[] = [];
  private heldLength = 0;
  private current: WalkState = 'walking';
  /** Why the walk failed, for logs and tests. */
  reason: string | undefined;

  constructor(private readonly walk: Walk) {
    this.resume(Buffer.alloc(0), true);
  }

  get state(): WalkState {
    return this.current;
  }

  /** Feeds the next bytes of the file; returns the state after them. */
  push(chunk: Buffer): WalkState {
    let at = 0;
    while (at < chunk.length && this.current === 'walking') {
      const need = this.need!;
      const available = chunk.length - at;
      if (need.kind === 'read') {
        const take = Math.min(need.n - this.heldLength, available);
        this.held.push(chunk.subarray(at, at + take));
        this.heldLength += take;
        at += take;
        if (this.heldLength === need.n) {
          const bytes = Buffer.concat(this.held);
          this.held = [];
          this.heldLength = 0;
          this.resume(bytes);
        }
      } else if (need.kind === 'skip') {
        const take = Math.min(need.n, available);
        need.see?.(chunk.subarray(at, at + take));
        at += take;
        need.n -= take;
        if (need.n === 0) this.resume(Buffer.alloc(0));
      } else {
        const found = chunk.indexOf(need.byte, at);
        if (found < 0) at = chunk.length;
        else {
          at = found;
          this.resume(Buffer.alloc(0));
        }
      }
    }
    if (at < chunk.length) this.fail('bytes after the end of the image');
    return this.current;
  }

  /** The state once the file has ended: only a walk that finished exactly at the last byte is 'done'. */
  end(): WalkState {
    const need = this.need;
    if (this.current === 'walking' && need?.kind === 'read' && need.orEnd && this.heldLength === 0) this.current = 'done';
    if (this.current === 'walking') this.fail('the file ends inside the image');
    return this.current;
  }

  private resume(value: Buffer, first = false): void {
    try {
      for (;;) {
        const step = first ? this.walk.next() : this.walk.next(value);
        first = false;
        if (step.done) {
          this.current = 'done';
          this.need = undefined;
          return;
        }
        const need = step.value;
        if (need.kind !== 'scan' && (!Number.isSafeInteger(need.n) || need.n < 0)) throw new MalformedError('a negative length');
        if (need.kind === 'read' && need.n > MAX_READ) throw new MalformedError('a header too large to read');
        // Nothing to wait for: answer at once.
        if (need.kind !== 'scan' && need.n === 0) {
          value = Buffer.alloc(0);
          continue;
        }
        this.need = need.kind === 'skip' ? { ...need } : need;
        return;
      }
    } catch (err) {
      // A walker's own slip on odd input (a RangeError reading a short buffer) refuses the file too.
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private fail(reason: string): void {
    this.current = 'bad';
    this.reason ??= reason;
    this.need = undefined;
    this.held = [];
  }
}
