import { ensure, read, skip, subBlocks, type Walk } from './byte-walker';

/**
 * Walks a GIF block by block to its trailer, which must be the last byte: the header and logical
 * screen descriptor (and global colour table), then extensions (`!`, a label, data sub-blocks up to
 * a zero-length one) and images (`,`, a 9-byte descriptor, an optional local colour table, the LZW
 * minimum code size and data sub-blocks), at least one image, then `;`. Pixels are not decoded.
 * Decoders that meet a frame reaching past the logical screen grow the canvas to hold it, so each
 * frame's right and bottom edges bound a canvas that must stay within `maxPixels`.
 */
export function* walkGif(maxPixels: number): Walk {
  const screen = yield read(13);
  const signature = screen.toString('latin1', 0, 6);
  ensure(signature === 'GIF87a' || signature === 'GIF89a', 'not a GIF header');
  const width = screen.readUInt16LE(6);
  const height = screen.readUInt16LE(8);
  ensure(width > 0 && height > 0 && width * height <= maxPixels, 'a GIF screen of no size or too large');
  yield skip(colourTableBytes(screen[10]));
  let images = 0;
  for (;;) {
    const [introducer] = yield read(1);
    if (introducer === 0x3b) {
      ensure(images > 0, 'a GIF without an image');
      return;
    }
    if (introducer === 0x21) {
      yield read(1); // the extension's label: unknown ones are skipped like known ones
      yield subBlocks();
      continue;
    }
    ensure(introducer === 0x2c, 'bytes that are not a GIF block');
    const descriptor = yield read(9);
    const right = descriptor.readUInt16LE(0) + descriptor.readUInt16LE(4);
    const bottom = descriptor.readUInt16LE(2) + descriptor.readUInt16LE(6);
    ensure(Math.max(right, width) * Math.max(bottom, height) <= maxPixels, 'a GIF frame reaching too far');
    yield skip(colourTableBytes(descriptor[8]));
    // The spec asks for 2..8 (1 to 8 bits per pixel, with 2 for one-bit images); decoders take 1 too.
    const [codeSize] = yield read(1);
    ensure(codeSize >= 1 && codeSize <= 8, 'a GIF LZW code size out of range');
    yield subBlocks();
    images += 1;
  }
}

/** The size of the colour table a packed field announces (its top bit says whether there is one). */
function colourTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}
