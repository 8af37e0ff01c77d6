/**
 * Runs a format walker (a generator that describes what it expects next) over bytes that arrive in
 * chunks, so a whole upload can be checked as it streams past without ever being buffered: the
 * walker asks to `read` a few bytes (at most a segment header or table), to `skip` a run of bytes
 * (optionally seeing them, e.g. for a CRC), or for one of two runs that would otherwise cost a step
 * per byte or two and are walked here in a tight loop: GIF's data sub-blocks and JPEG's
 * entropy-coded data. It fails (`'bad'`) as soon as the walker throws, and when bytes follow the
 * end of its structure; the file is whole only when the walker has returned exactly at the last byte.
 */

/**
 * What a walker needs next. `read` resumes it with exactly `n` bytes; `skip` and `subBlocks` (length-prefixed blocks up to an empty one)
 * with an empty buffer; `entropy` (bytes up to a 0xFF not followed by 0x00, RSTn or fill) with the
 * one-byte code of the marker that ends them; `rest` takes whatever is left of the file, unread.
 */
export type Need =
  | { kind: 'read'; n: number }
  | { kind: 'skip'; n: number; see?: (bytes: Buffer) => void }
  | { kind: 'subBlocks' }
  | { kind: 'entropy' }
  | { kind: 'rest' };

export type Walk = Generator<Need, void, Buffer>;

/** The largest `read` a walker may ask for, so what is held at once stays bounded. */
export const MAX_READ = 64 * 1024;
/**
 * The most steps (walker resumptions) one file may take. Real images take a few per block and have
 * at most thousands of blocks (a GIF animation takes ~8 steps a frame: 30,000 frames fit); a crafted file of nothing but
 * tiny blocks (4-byte JPEG comments, empty PNG or RIFF chunks) would take millions, each costing
 * far more CPU than the bytes cost to send. This caps a walk at well under a second of CPU.
 */
export const MAX_STEPS = 250_000;

export const read = (n: number): Need => ({ kind: 'read', n });
export const skip = (n: number, see?: (bytes: Buffer) => void): Need => ({ kind: 'skip', n, see });
const SUB_BLOCKS: Need = { kind: 'subBlocks' };
const ENTROPY: Need = { kind: 'entropy' };
/** GIF data sub-blocks: a length byte and that many bytes, until a zero length. */
export const subBlocks = (): Need => SUB_BLOCKS;
/** JPEG entropy-coded data, up to the next marker; resumes with the marker's code. */
export const entropy = (): Need => ENTROPY;
const REST: Need = { kind: 'rest' };
/** Whatever follows, unread, to the end of the file (data a format lets writers append after the image). */
export const rest = (): Need => REST;

const EMPTY = Buffer.alloc(0);
const BYTES = Array.from({ length: 256 }, (_, i) => Buffer.from([i]));

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
  /** What is left to skip, or of the current GIF sub-block. */
  private left = 0;
  private afterFF = false;
  private held: Buffer[] = [];
  private heldLength = 0;
  private current: WalkState = 'walking';
  private steps = 0;
  /** Why the walk failed, for logs and tests. */
  reason: string | undefined;

  constructor(private readonly walk: Walk) {
    this.resume(EMPTY, true);
  }

  get state(): WalkState {
    return this.current;
  }

  /** Feeds the next bytes of the file; returns the state after them. */
  push(chunk: Buffer): WalkState {
    let at = 0;
    const length = chunk.length;
    while (at < length && this.current === 'walking') {
      const need = this.need!;
      if (need.kind === 'read') {
        if (this.heldLength === 0 && length - at >= need.n) {
          at += need.n;
          this.resume(chunk.subarray(at - need.n, at));
          continue;
        }
        const take = Math.min(need.n - this.heldLength, length - at);
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
        const take = Math.min(this.left, length - at);
        need.see?.(chunk.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.resume(EMPTY);
      } else if (need.kind === 'rest') {
        at = length;
      } else if (need.kind === 'subBlocks') {
        let ended = false;
        while (at < length) {
          if (this.left > 0) {
            const take = Math.min(this.left, length - at);
            at += take;
            this.left -= take;
          } else if ((this.left = chunk[at++]) === 0) {
            ended = true;
            break;
          }
        }
        if (ended) this.resume(EMPTY);
      } else {
        let code = -1;
        while (at < length) {
          if (!this.afterFF) {
            const found = chunk.indexOf(0xff, at);
            at = found < 0 ? length : found + 1;
            this.afterFF = found >= 0;
            continue;
          }
          const byte = chunk[at++];
          if (byte === 0xff) continue; // fill bytes before a marker
          this.afterFF = false;
          if (byte !== 0x00 && (byte < 0xd0 || byte > 0xd7)) {
            code = byte;
            break;
          }
        }
        if (code >= 0) this.resume(BYTES[code]);
      }
    }
    if (at < length) this.fail('bytes after the end of the image');
    return this.current;
  }

  /** The state once the file has ended: only a walk that finished exactly at the last byte is 'done'. */
  end(): WalkState {
    const need = this.need;
    if (this.current === 'walking' && need?.kind === 'rest') this.current = 'done';
    if (this.current === 'walking') this.fail('the file ends inside the image');
    return this.current;
  }

  private resume(value: Buffer, first = false): void {
    try {
      for (;;) {
        if (++this.steps > MAX_STEPS) throw new MalformedError('too many blocks');
        const step = first ? this.walk.next() : this.walk.next(value);
        first = false;
        if (step.done) {
          this.current = 'done';
          this.need = undefined;
          return;
        }
        const need = step.value;
        this.need = need;
        this.left = 0;
        this.afterFF = false;
        if (need.kind === 'read' || need.kind === 'skip') {
          if (!Number.isSafeInteger(need.n) || need.n < 0) throw new MalformedError('a negative length');
          if (need.kind === 'read' && need.n > MAX_READ) throw new MalformedError('a header too large to read');
          // Nothing to wait for: answer at once.
          if (need.n === 0) {
            value = EMPTY;
            continue;
          }
          if (need.kind === 'skip') this.left = need.n;
        }
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
