import { gradientPng, pngChunk } from '../../src/services/demo/png';

/**
 * Small, real images of the four accepted formats, built byte by byte (no image tools needed), and
 * a PNG that declares any canvas size with almost no pixel data (what a decompression bomb looks like).
 */
export const testImages = {
  png: (width = 2, height = 2): Buffer => gradientPng(width, height, [200, 30, 30], [30, 30, 200]),
  jpeg: (width = 8, height = 8): Buffer => baselineJpeg(width, height),
  /** A 1x1 GIF89a: one palette entry pair, one image, the trailer. */
  gif: (): Buffer => Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
  /** A 1x1 lossless WebP. */
  webp: (): Buffer => Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'),
  /** A 2x2 two-frame animated GIF (ImageMagick): a graphic control and a NETSCAPE2.0 application extension per frame. */
  animatedGif: (): Buffer =>
    Buffer.from(
      'R0lGODlhAgACAPAAAP8AAAAAACH5BAAKAAAAIf8LTkVUU0NBUEUyLjADAQAAACwAAAAAAgACAAACAoRRACH5BAAKAAAALAAAAAACAAIAgAAA/wAAAAIChFEAOw==',
      'base64',
    ),
  /** A 2x2 two-frame animated WebP (gif2webp): VP8X, ANIM, then two ANMF frames holding VP8L images. */
  animatedWebp: (): Buffer =>
    Buffer.from(
      'UklGRoQAAABXRUJQVlA4WAoAAAACAAAAAQAAAQAAQU5JTQYAAAAAAP//AABBTk1GKAAAAAAAAAAAAAEAAAEAAGQAAAJWUDhMDwAAAC8BQAAABxD9j/4HIqL/AQBBTk1GKAAAAAAAAAAAAAEAAAEAAGQAAABWUDhMDwAAAC8BQAAABxDR//4HIqL/AQA=',
      'base64',
    ),
  /** A 2x2 lossy WebP (cwebp): one `VP8 ` chunk. */
  lossyWebp: (): Buffer =>
    Buffer.from('UklGRjwAAABXRUJQVlA4IDAAAADQAQCdASoCAAIAAgA0JaACdLoB+AADsAD+8MQL/yC5YXXI1/8gP+QH/ID/+PIAAAA=', 'base64'),
  /** A 4x4 lossy WebP with transparency (cwebp): VP8X, ALPH, `VP8 `. */
  alphaWebp: (): Buffer =>
    Buffer.from(
      'UklGRl4AAABXRUJQVlA4WAoAAAAQAAAAAwAAAwAAQUxQSAwAAAABDzD/ERFiBCL6HwJWUDggLAAAAJABAJ0BKgQABAACQDglAF2GCOg7AAD+8Js3kd8d5Kjgzz2n/H339iqfPgAA',
      'base64',
    ),
  /** A 4x4 grey progressive JPEG (ImageMagick): several scans, each with its own Huffman table. */
  progressiveJpeg: (): Buffer =>
    Buffer.from(
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/wgALCAAEAAQBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAf/aAAgBAQAAAAE//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABBQJ//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAGPwJ//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPyF//9oACAEBAAAAEP8A/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxB//9k=',
      'base64',
    ),
  /** A valid PNG declaring `width` x `height` whose pixel data is a few bytes (it would inflate to gigabytes). */
  pngDeclaring: (width: number, height: number): Buffer => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from('89504e470d0a1a0a', 'hex'),
      pngChunk('IHDR', header),
      pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
  },
};

/**
 * Files that start like an image and hide HTML where a browser sniffing them could find it (issue
 * #14, case 8). The first three are not images at all; the last is a valid GIF whose comment is HTML.
 */
export const polyglots = {
  /** `GIF89a`, a 1x1 logical screen, then `,` (an image separator) followed by HTML instead of a descriptor, and `;`. */
  gifWithHtmlAfterScreen: (): Buffer =>
    Buffer.concat([
      Buffer.from('GIF89a'),
      Buffer.from([1, 0, 1, 0, 0, 0, 0]),
      Buffer.from(',<html><body><script>alert(document.domain)</script></body></html>;'),
    ]),
  /** A RIFF/WEBP file with a 1x1 VP8X chunk, then HTML where the image chunks belong, the RIFF size matching. */
  webpVp8xWithHtml: (): Buffer => {
    const body = Buffer.concat([
      Buffer.from('VP8X'),
      Buffer.from([10, 0, 0, 0]),
      Buffer.alloc(10),
      Buffer.from('<html><script>alert(1)</script></html>'),
    ]);
    const padded = body.length % 2 ? Buffer.concat([body, Buffer.from(' ')]) : body;
    const riff = Buffer.alloc(12);
    riff.write('RIFF');
    riff.writeUInt32LE(4 + padded.length, 4);
    riff.write('WEBP', 8);
    return Buffer.concat([riff, padded]);
  },
  /** A JPEG's SOI and a valid frame header, then HTML instead of tables and a scan, then EOI. */
  jpegWithHtmlAfterFrame: (): Buffer =>
    Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x01, 0x00, 0x01, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
      Buffer.from('<html><script>alert(1)</script></html>'),
      Buffer.from([0xff, 0xd9]),
    ]),
  /** A valid 1x1 GIF with a comment extension holding HTML: an image, and text a sniffing browser could run. */
  gifWithHtmlComment: (): Buffer => {
    const gif = testImages.gif();
    const html = Buffer.from('<html><script>alert(document.domain)</script></html>');
    const comment = Buffer.concat([Buffer.from([0x21, 0xfe, html.length]), html, Buffer.from([0])]);
    return Buffer.concat([gif.subarray(0, 13 + 6), comment, gif.subarray(13 + 6)]);
  },
};

/**
 * A decodable grey baseline JPEG: one component, one Huffman code per table (DC difference 0, AC end
 * of block), so each 8x8 block is two zero bits.
 */
function baselineJpeg(width: number, height: number): Buffer {
  const segment = (marker: number, body: Buffer): Buffer => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([head, body]);
  };
  const frame = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  const oneCodeTable = (tableClass: number): Buffer =>
    Buffer.concat([Buffer.from([tableClass << 4, 1]), Buffer.alloc(15), Buffer.from([0])]);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bits = blocks * 2;
  const data = Buffer.alloc(Math.ceil(bits / 8));
  // Pad the last byte with 1 bits, as the standard requires.
  if (bits % 8) data[data.length - 1] = (1 << (8 - (bits % 8))) - 1;
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(0xc0, frame),
    segment(0xc4, oneCodeTable(0)),
    segment(0xc4, oneCodeTable(1)),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    data,
    Buffer.from([0xff, 0xd9]),
  ]);
}
