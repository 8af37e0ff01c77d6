import { pipeline, Transform, type Readable } from 'node:stream';

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

/** Bytes needed to tell the supported types apart (WebP's "WEBP" ends at offset 12). */
const HEAD_BYTES = 12;

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
 * Reads just enough of `source` to identify the type (first 12 bytes), rejects with NotAnImageError for anything else
 * (including empty or too-short input), and resolves with the type plus a stream that replays the whole content
 * and errors with FileTooLargeError as soon as more than `maxBytes` have passed through. Never buffers the whole file.
 */
export async function inspectImage(source: Readable, maxBytes: number): Promise<{ type: ImageType; stream: Readable }> {
  // Bridges the gap between reading the head and piping: an error in between is not an uncaught
  // 'error' event, and pipeline() still sees it because it checks whether `source` already failed.
  const ignore = (): void => {};
  source.on('error', ignore);
  try {
    const head = await readHead(source);
    const type = detectImageType(head);
    if (!type) {
      source.destroy();
      throw new NotAnImageError();
    }
    const stream = sizeLimit(maxBytes);
    stream.write(head);
    // Errors flow both ways: a source error (client abort) fails `stream` with that error, and
    // destroying `stream` (too large, consumer gave up) destroys `source`.
    pipeline(source, stream, ignore);
    return { type, stream };
  } finally {
    source.off('error', ignore);
  }
}

/** The first HEAD_BYTES or more bytes of `source` (fewer if it ends sooner), leaving the rest unread. */
async function readHead(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  // A source error rejects here with that error and destroys the source.
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    length += bytes.length;
    if (length >= HEAD_BYTES) break;
  }
  return Buffer.concat(chunks);
}

/** A pass-through that fails with FileTooLargeError before passing byte `maxBytes + 1`. */
function sizeLimit(maxBytes: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
      total += chunk.length;
      callback(total > maxBytes ? new FileTooLargeError(maxBytes) : null, chunk);
    },
  });
}
