import { ensure, read, skip, type Need, type Walk } from './byte-walker';

type Chunk = { fourcc: string; size: number };
type Size = { width: number; height: number };

/** Chunks with a meaning in the WebP container; any other (well-named) chunk may be skipped. */
const KNOWN = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP', 'EXIF', 'XMP ']);
const VP8_START_CODE = Buffer.from([0x9d, 0x01, 0x2a]);
const ANIMATION_FLAG = 0x02;

/**
 * Walks a WebP's RIFF chunks (FourCC, little-endian size, data padded to even) so that they fill
 * the RIFF size exactly, and the RIFF size the file. The first chunk is `VP8 ` or `VP8L` (a simple
 * file: one image) or `VP8X`, whose flags say what follows: an animation (ANIM, then ANMF frames,
 * each holding an optional ALPH and one VP8/VP8L image inside the canvas) or one still image (an
 * optional ALPH, then VP8/VP8L, within the canvas). ICCP, EXIF and XMP may accompany an extended
 * file, and unknown chunks may be skipped as the container spec says, but only under a name of
 * letters, digits and spaces. Image data is checked up to its frame header, never decoded.
 */
export function* walkWebp(maxPixels: number): Walk {
  const riff = yield read(12);
  ensure(riff.toString('latin1', 0, 4) === 'RIFF' && riff.toString('latin1', 8, 12) === 'WEBP', 'not a WebP header');
  const riffSize = riff.readUInt32LE(4);
  ensure(riffSize % 2 === 0 && riffSize >= 4 + 8, 'a bad RIFF size');
  let left = riffSize - 4;
  const next = function* (): Generator<Need, Chunk | undefined, Buffer> {
    if (left === 0) return undefined;
    const chunk = yield* chunkHeader(left);
    left -= 8 + chunk.size + (chunk.size % 2);
    return chunk;
  };

  const first = (yield* next())!;
  if (first.fourcc === 'VP8X') yield* walkExtended(first, next, maxPixels);
  else {
    ensure(first.fourcc === 'VP8 ' || first.fourcc === 'VP8L', 'a WebP whose first chunk is not an image');
    yield* imageChunk(first);
    for (let chunk = yield* next(); chunk; chunk = yield* next()) yield* unknownChunk(chunk);
  }
}

function* walkExtended(header: Chunk, next: () => Generator<Need, Chunk | undefined, Buffer>, maxPixels: number): Walk {
  ensure(header.size === 10, 'a bad VP8X chunk');
  const fields = yield read(10);
  const canvas = { width: fields.readUIntLE(4, 3) + 1, height: fields.readUIntLE(7, 3) + 1 };
  ensure(canvas.width * canvas.height <= Math.min(maxPixels, 2 ** 32 - 1), 'a WebP canvas too large');
  const animated = (fields[0] & ANIMATION_FLAG) !== 0;
  let alpha = false;
  let image = false;
  let animation = false;
  let frames = 0;
  for (let chunk = yield* next(); chunk; chunk = yield* next()) {
    switch (chunk.fourcc) {
      case 'ICCP':
      case 'EXIF':
      case 'XMP ':
        yield padded(chunk, chunk.size);
        break;
      case 'ALPH':
        ensure(!animated && !alpha && !image, 'an ALPH chunk out of place');
        alpha = true;
        yield padded(chunk, chunk.size);
        break;
      case 'VP8 ':
      case 'VP8L':
        ensure(!animated && !image, 'a WebP image chunk out of place');
        ensure(within(yield* imageChunk(chunk), canvas), 'a WebP image larger than its canvas');
        image = true;
        break;
      case 'ANIM':
        ensure(animated && !animation && chunk.size >= 6, 'an ANIM chunk out of place');
        animation = true;
        yield padded(chunk, chunk.size);
        break;
      case 'ANMF':
        ensure(animation, 'an ANMF chunk out of place');
        yield* frame(chunk, canvas);
        frames += 1;
        break;
      default:
        yield* unknownChunk(chunk);
    }
  }
  ensure(animated ? frames > 0 : image, 'a WebP without image data');
}

/** An animation frame: its 16-byte header (offset, size, duration, flags), then its own chunks. */
function* frame(chunk: Chunk, canvas: Size): Walk {
  ensure(chunk.size >= 16 + 8, 'a bad ANMF chunk');
  const fields = yield read(16);
  const x = fields.readUIntLE(0, 3) * 2;
  const y = fields.readUIntLE(3, 3) * 2;
  const size = { width: fields.readUIntLE(6, 3) + 1, height: fields.readUIntLE(9, 3) + 1 };
  ensure(x + size.width <= canvas.width && y + size.height <= canvas.height, 'a WebP frame outside its canvas');
  let left = chunk.size - 16;
  let alpha = false;
  let image = false;
  while (left > 0) {
    const inner = yield* chunkHeader(left);
    left -= 8 + inner.size + (inner.size % 2);
    if (inner.fourcc === 'ALPH') {
      ensure(!alpha && !image, 'an ALPH chunk out of place');
      alpha = true;
      yield padded(inner, inner.size);
    } else if (inner.fourcc === 'VP8 ' || inner.fourcc === 'VP8L') {
      ensure(!image, 'a WebP image chunk out of place');
      ensure(within(yield* imageChunk(inner), size), 'a WebP frame image larger than its frame');
      image = true;
    } else yield* unknownChunk(inner);
  }
  ensure(image, 'a WebP frame without image data');
  yield skip(chunk.size % 2);
}

/** A chunk's FourCC and size, which must fit in the `left` bytes of its parent. */
function* chunkHeader(left: number): Generator<Need, Chunk, Buffer> {
  ensure(left >= 8, 'a RIFF size that splits a chunk header');
  const header = yield read(8);
  const chunk = { fourcc: header.toString('latin1', 0, 4), size: header.readUInt32LE(4) };
  ensure(8 + chunk.size + (chunk.size % 2) <= left, 'a WebP chunk larger than what holds it');
  return chunk;
}

/** A lossy (`VP8 `) or lossless (`VP8L`) image chunk, checked up to its frame size. */
function* imageChunk(chunk: Chunk): Generator<Need, Size, Buffer> {
  if (chunk.fourcc === 'VP8 ') {
    ensure(chunk.size >= 10, 'a VP8 chunk too short');
    const head = yield read(10);
    const tag = head.readUIntLE(0, 3);
    const firstPartition = tag >> 5;
    // A key frame (bit 0 clear), a known version, a shown frame, its start code.
    ensure(
      (tag & 1) === 0 &&
        ((tag >> 1) & 7) <= 3 &&
        (tag & 0x10) !== 0 &&
        firstPartition <= chunk.size - 10 &&
        head.subarray(3, 6).equals(VP8_START_CODE),
      'a bad VP8 frame header',
    );
    const size = { width: head.readUInt16LE(6) & 0x3fff, height: head.readUInt16LE(8) & 0x3fff };
    ensure(size.width > 0 && size.height > 0, 'a VP8 frame of no size');
    yield padded(chunk, chunk.size - 10);
    return size;
  }
  ensure(chunk.size >= 5, 'a VP8L chunk too short');
  const head = yield read(5);
  const bits = head.readUInt32LE(1);
  ensure(head[0] === 0x2f && bits >>> 29 === 0, 'a bad VP8L header');
  yield padded(chunk, chunk.size - 5);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

function* unknownChunk(chunk: Chunk): Walk {
  ensure(!KNOWN.has(chunk.fourcc) && /^[A-Za-z0-9 ]{4}$/.test(chunk.fourcc), `a WebP chunk "${chunk.fourcc}" out of place`);
  yield padded(chunk, chunk.size);
}

/** Skips the rest (`n` bytes) of the chunk's data and its padding byte. */
function padded(chunk: Chunk, n: number): Need {
  return skip(n + (chunk.size % 2));
}

function within(inner: Size, outer: Size): boolean {
  return inner.width <= outer.width && inner.height <= outer.height;
}
