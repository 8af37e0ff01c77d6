import { imageSize } from 'image-size';
import { pipeline, Transform, type Readable } from 'node:stream';
import { checkHead, structureWalker } from './image-structure';

export type ImageType = {
  mime: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
  extension: 'jpg' | 'png' | 'gif' | 'webp';
};

export class NotAnImageError extends Error {
  constructor() {
    super('The file is not a JPEG, PNG, GIF or WebP image');
    this.name = 'NotAnImageError';
  }
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/** An image whose canvas is larger than allowed (a decompression bomb, or just too big to show). */
export class TooManyPixelsError extends Error {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    super(`The image is ${width} x ${height} pixels, more than ${maxPixels} in all`);
    this.name = 'TooManyPixelsError';
  }
}

/** Bytes needed to tell the supported types apart (WebP's "WEBP" ends at offset 12). */
const HEAD_BYTES = 12;
/** The most bytes read before the head checks decide (JPEG's frame header may follow large EXIF or ICC segments). */
export const MAX_HEAD_BYTES = 512 * 1024;

const SIGNATURES: ReadonlyArray<{ type: ImageType; parts: ReadonlyArray<{ offset: number; bytes: Buffer }> }> = [
  { type: { mime: 'image/jpeg', extension: 'jpg' }, parts: [{ offset: 0, bytes: Buffer.from([0xff, 0xd8, 0xff]) }] },
  { type: { mime: 'image/png', extension: 'png' }, parts: [{ offset: 0, bytes: Buffer.from('89504e470d0a1a0a', 'hex') }] },
  { type: { mime: 'image/gif', extension: 'gif' }, parts: [{ offset: 0, bytes: Buffer.from('GIF87a') }] },
  { type: { mime: 'image/gif', extension: 'gif' }, parts: [{ offset: 0, bytes: Buffer.from('GIF89a') }] },
  {
    type: { mime: 'image/webp', extension: 'webp' },
    parts: [
      { offset: 0, bytes: Buffer.from('RIFF') },
      { offset: 8, bytes: Buffer.from('WEBP') },
    ],
  },
];

/** Identifies an image from its first 12 bytes by magic numbers; undefined for anything else or fewer bytes. */
export function detectImageType(head: Buffer): ImageType | undefined {
  if (head.length < HEAD_BYTES) return undefined;
  const matches = (offset: number, bytes: Buffer): boolean => head.subarray(offset, offset + bytes.length).equals(bytes);
  return SIGNATURES.find((s) => s.parts.every((p) => matches(p.offset, p.bytes)))?.type;
}

/**
 * Reads just enough of `source` to identify the type and check the head's structure (see
 * image-structure.ts; at most MAX_HEAD_BYTES), reads the canvas size with image-size, and rejects with
 * NotAnImageError (anything else, a type image-size disagrees with, a broken head, empty or too-short
 * input) or TooManyPixelsError (width x height over `maxPixels`). Resolves with the type, the size and a
 * stream that replays the whole content, errors with FileTooLargeError as soon as more than `maxBytes`
 * have passed through, and with NotAnImageError as soon as the content stops following its format's
 * structure (every block, to the end of the file: see image-structure.ts).
 * Never buffers the whole file.
 */
export async function inspectImage(
  source: Readable,
  maxBytes: number,
  maxPixels: number = Number.MAX_SAFE_INTEGER,
): Promise<{ type: ImageType; width: number; height: number; stream: Readable }> {
  // Bridges the gap between reading the head and piping: an error in between is not an uncaught
  // 'error' event, and pipeline() still sees it because it checks whether `source` already failed.
  const ignore = (): void => {};
  source.on('error', ignore);
  try {
    let type: ImageType | undefined;
    const head = await readHead(source, (bytes) => {
      if (bytes.length < HEAD_BYTES) return 'more';
      type = detectImageType(bytes);
      return type ? checkHead(type, bytes) : 'bad';
    });
    const size = type && head.verdict === 'ok' ? sizeOf(head.bytes) : undefined;
    if (!type || !size || size.type !== type.extension) {
      source.destroy();
      throw new NotAnImageError();
    }
    if (size.width * size.height > maxPixels) {
      source.destroy();
      throw new TooManyPixelsError(size.width, size.height, maxPixels);
    }
    const stream = checkedStream(type, maxBytes, maxPixels);
    stream.write(head.bytes);
    // Errors flow both ways: a source error (client abort) fails `stream` with that error, and
    // destroying `stream` (too large, consumer gave up) destroys `source`.
    pipeline(source, stream, ignore);
    return { type, width: size.width, height: size.height, stream };
  } finally {
    source.off('error', ignore);
  }
}

/** image-size's reading of the head: its type (`jpg`, `png`, `gif`, `webp`, ...) and canvas size; undefined if it cannot. */
function sizeOf(head: Buffer): { type: string; width: number; height: number } | undefined {
  try {
    const { type, width, height } = imageSize(head);
    return type && width > 0 && height > 0 ? { type, width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `source` until `verdict` is no longer 'more', the source ends or MAX_HEAD_BYTES, leaving the rest unread. */
async function readHead(source: Readable, verdict: (bytes: Buffer) => 'more' | 'bad' | 'ok'): Promise<{ bytes: Buffer; verdict: string }> {
  const chunks: Buffer[] = [];
  let bytes = Buffer.alloc(0);
  // A source error rejects here with that error and destroys the source.
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    bytes = Buffer.concat(chunks);
    const current = verdict(bytes);
    if (current !== 'more') return { bytes, verdict: current };
    if (bytes.length >= MAX_HEAD_BYTES) break;
  }
  return { bytes, verdict: bytes.length >= HEAD_BYTES ? 'bad' : 'more' };
}

/**
 * A pass-through that fails with FileTooLargeError before passing byte `maxBytes + 1`, and with
 * NotAnImageError as soon as a byte is not the format's structure or, at the end, unless the file
 * ends exactly where that structure does (structureWalker).
 */
function checkedStream(type: ImageType, maxBytes: number, maxPixels: number): Transform {
  let total = 0;
  const walker = structureWalker(type, maxPixels);
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
      total += chunk.length;
      if (total > maxBytes) callback(new FileTooLargeError(maxBytes));
      else if (walker.push(chunk) === 'bad') callback(new NotAnImageError());
      else callback(null, chunk);
    },
    flush(callback: (error?: Error | null) => void): void {
      callback(walker.end() === 'done' ? null : new NotAnImageError());
    },
  });
}
