import { crc32 } from 'node:zlib';
import type { ImageType } from './image-type';

/**
 * Cheap structural checks of the four accepted formats, beyond their magic bytes, so that a file
 * that merely starts like an image (`GIF89a<html><script>...`) is refused for a reason a decoder
 * would also give. `image-size` reads the dimensions; these checks make sure the bytes around them
 * are the format's own:
 * - PNG: the IHDR chunk comes first, with length 13, a valid CRC and valid field values; the file
 *   ends with the IEND chunk.
 * - GIF: the logical screen descriptor has a non-zero size, and the byte after it (and its global
 *   colour table) starts a block (`!` extension or `,` image); the file ends with the `;` trailer.
 * - JPEG: SOI, then well-formed marker segments up to a baseline, extended or progressive SOF with
 *   8-bit samples, 1 to 4 components and its exact length; the file ends with EOI.
 * - WebP: a `VP8 `, `VP8L` or `VP8X` chunk first, and the RIFF size equal to the file's size - 8.
 * The head checks need at most the bytes up to JPEG's SOF; the tail checks keep 12 bytes.
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

/** Checks the end of a whole file of `totalBytes` bytes whose last (up to) TAIL_BYTES bytes are `tail`. */
export function checkTail(type: ImageType, tail: Buffer, totalBytes: number, head: Buffer): boolean {
  switch (type.extension) {
    case 'png':
      return tail.subarray(-PNG_IEND.length).equals(PNG_IEND);
    case 'gif':
      return tail[tail.length - 1] === 0x3b;
    case 'jpg':
      return tail.length >= 2 && tail[tail.length - 2] === 0xff && tail[tail.length - 1] === 0xd9;
    case 'webp':
      return head.readUInt32LE(4) + 8 === totalBytes;
  }
}

export const TAIL_BYTES = 12;

/** An empty IEND chunk: length 0, type, CRC. */
const PNG_IEND = Buffer.from('0000000049454e44ae426082', 'hex');

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
