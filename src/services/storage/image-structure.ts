import { crc32 } from 'node:zlib';
import type { ImageType } from './image-type';
import { ByteWalker } from './structure/byte-walker';
import { walkGif } from './structure/gif';
import { walkJpeg } from './structure/jpeg';
import { walkPng } from './structure/png';
import { walkWebp } from './structure/webp';

/**
 * Structural checks of the four accepted formats, beyond their magic bytes, so that a file that
 * merely starts like an image (`GIF89a<html><script>...`) is refused for a reason a decoder would
 * also give. Two stages, neither of which decodes pixels:
 * - The head checks (`checkHead`) run before image-size reads the canvas size, on at most the bytes
 *   up to JPEG's SOF: PNG's IHDR first with a valid CRC and field values; GIF's logical screen
 *   descriptor followed by a block; JPEG's SOI and well-formed segments up to a baseline, extended
 *   or progressive SOF with 8-bit samples; WebP's first chunk (`VP8 `, `VP8L` or `VP8X`).
 * - The structure walk (`structureWalker`, in structure/) then follows every block of the whole
 *   file as it streams past (PNG chunks and CRCs to IEND, GIF blocks to the trailer, JPEG segments
 *   and entropy-coded data to EOI, WebP's RIFF chunks to the RIFF size), holding at most one block
 *   header at a time, and refuses the first byte that is not the format's own.
 */

/** The head is `'more'` (not enough bytes yet), `'bad'`, or `'ok'` (every head check passed). */
export type HeadVerdict = 'more' | 'bad' | 'ok';

export function checkHead(type: ImageType, head: Buffer): HeadVerdict {
  switch (type.extension) {
    case 'png':
      return checkPngHead(head);
    case 'gif':
      return checkGifHead(head);
    case 'jpg':
      return checkJpegHead(head);
    case 'webp':
      return checkWebpHead(head);
  }
}

/** A walker over the whole file that refuses anything but the format's own blocks, to its very end (structure/). */
export function structureWalker(type: ImageType, maxPixels: number): ByteWalker {
  switch (type.extension) {
    case 'png':
      return new ByteWalker(walkPng());
    case 'gif':
      return new ByteWalker(walkGif(maxPixels));
    case 'jpg':
      return new ByteWalker(walkJpeg());
    case 'webp':
      return new ByteWalker(walkWebp(maxPixels));
  }
}

/** PNG's allowed bit depths per colour type. */
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function checkPngHead(head: Buffer): HeadVerdict {
  // Signature (8), IHDR length (4) and type (4), 13 data bytes, CRC (4).
  if (head.length < 33) return 'more';
  if (head.readUInt32BE(8) !== 13 || head.toString('latin1', 12, 16) !== 'IHDR') return 'bad';
  if (crc32(head.subarray(12, 29)) !== head.readUInt32BE(29)) return 'bad';
  const [depth, colour, compression, filter, interlace] = head.subarray(24, 29);
  const valid =
    head.readUInt32BE(16) > 0 &&
    head.readUInt32BE(20) > 0 &&
    (PNG_DEPTHS[colour] ?? []).includes(depth) &&
    compression === 0 &&
    filter === 0 &&
    interlace <= 1;
  return valid ? 'ok' : 'bad';
}

function checkGifHead(head: Buffer): HeadVerdict {
  if (head.length < 13) return 'more';
  if (head.readUInt16LE(6) === 0 || head.readUInt16LE(8) === 0) return 'bad';
  const packed = head[10];
  const colourTable = packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
  const next = 13 + colourTable;
  if (head.length <= next) return 'more';
  // An extension (0x21), an image (0x2c), or the trailer of an empty GIF (0x3b).
  return [0x21, 0x2c, 0x3b].includes(head[next]) ? 'ok' : 'bad';
}

function checkJpegHead(head: Buffer): HeadVerdict {
  let at = 2; // after SOI
  for (;;) {
    if (head.length < at + 4) return 'more';
    if (head[at] !== 0xff) return 'bad';
    const marker = head[at + 1];
    // Fill bytes (0xFF) may precede a marker.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    // Standalone markers (TEM, RSTn) and SOI/EOI/SOS do not belong before the frame header.
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xda)) return 'bad';
    const length = head.readUInt16BE(at + 2);
    if (length < 2) return 'bad';
    if (marker >= 0xc0 && marker <= 0xc2) {
      if (head.length < at + 2 + length) return 'more';
      const [precision] = head.subarray(at + 4);
      const height = head.readUInt16BE(at + 5);
      const width = head.readUInt16BE(at + 7);
      const components = head[at + 9];
      const valid = precision === 8 && height > 0 && width > 0 && components >= 1 && components <= 4 && length === 8 + 3 * components;
      return valid ? 'ok' : 'bad';
    }
    // Other SOFs (lossless, arithmetic, hierarchical) are not images browsers show.
    if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return 'bad';
    at += 2 + length;
  }
}

function checkWebpHead(head: Buffer): HeadVerdict {
  // RIFF header (12), chunk header (8), and the 10 bytes that hold the canvas size.
  if (head.length < 30) return 'more';
  // The RIFF size counts everything after its own field and is even (chunks are padded).
  const riffSize = head.readUInt32LE(4);
  if (riffSize < 22 || riffSize % 2 !== 0) return 'bad';
  switch (head.toString('latin1', 12, 16)) {
    case 'VP8 ': // a lossy key frame's start code
      return head.subarray(23, 26).equals(VP8_START_CODE) ? 'ok' : 'bad';
    case 'VP8L': // the lossless signature byte
      return head[20] === 0x2f ? 'ok' : 'bad';
    case 'VP8X':
      return 'ok';
    default:
      return 'bad';
  }
}

const VP8_START_CODE = Buffer.from([0x9d, 0x01, 0x2a]);
