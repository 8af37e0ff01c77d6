import { Readable } from 'node:stream';
import { pngChunk } from '../../src/services/demo/png';
import { inspectImage, NotAnImageError } from '../../src/services/storage/image-type';
import { ByteWalker, MAX_STEPS, read, skip, type Walk } from '../../src/services/storage/structure/byte-walker';
import { polyglots, testImages } from '../factories/images';

const MAX_BYTES = 1024 * 1024;
const MAX_PIXELS = 40_000_000;

/** Runs `content` through inspectImage in chunks of `chunkSize` bytes; resolves with the replayed bytes. */
async function upload(content: Buffer, chunkSize = content.length || 1, maxPixels = MAX_PIXELS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < content.length; at += chunkSize) chunks.push(content.subarray(at, at + chunkSize));
  const { stream } = await inspectImage(Readable.from(chunks, { objectMode: false }), MAX_BYTES, maxPixels);
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

/** Whether `content` is refused as not an image, before the upload starts or while it streams. */
const refused = (content: Buffer, maxPixels = MAX_PIXELS): Promise<boolean> =>
  upload(content, content.length || 1, maxPixels).then(
    () => false,
    (err: unknown) => err instanceof NotAnImageError,
  );

/** `content` with `insert` spliced in at `at`. */
const spliced = (content: Buffer, at: number, insert: Buffer): Buffer =>
  Buffer.concat([content.subarray(0, at), insert, content.subarray(at)]);

/** A RIFF/WEBP file holding `chunks` (each already padded). */
function webp(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const riff = Buffer.alloc(12);
  riff.write('RIFF');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WEBP', 8);
  return Buffer.concat([riff, body]);
}
function riffChunk(fourcc: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(fourcc, 'latin1');
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length % 2)]);
}
/** The chunks of a WebP file after its RIFF header. */
const webpChunks = (file: Buffer): Buffer => file.subarray(12);
/** A VP8X chunk for a `width` x `height` canvas with `flags`. */
function vp8x(width: number, height: number, flags = 0): Buffer {
  const data = Buffer.alloc(10);
  data[0] = flags;
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return riffChunk('VP8X', data);
}

describe('image structure walk (issue #14, case 8: images decoded far enough to refuse what is not one)', () => {
  it.each([
    ['PNG', testImages.png(5, 3)],
    ['baseline JPEG', testImages.jpeg(20, 12)],
    ['progressive JPEG (several scans)', testImages.progressiveJpeg()],
    ['JPEG followed by a second JPEG (MPF: depth maps, Ultra HDR gain maps)', Buffer.concat([testImages.jpeg(), testImages.jpeg(8, 8)])],
    ['GIF', testImages.gif()],
    ['animated GIF', testImages.animatedGif()],
    ['lossless WebP', testImages.webp()],
    ['lossy WebP', testImages.lossyWebp()],
    ['extended WebP with alpha (VP8X, ALPH, VP8)', testImages.alphaWebp()],
    ['animated WebP (VP8X, ANIM, ANMF frames)', testImages.animatedWebp()],
  ])('accepts a real %s, however its bytes are split', async (_, image) => {
    for (const chunkSize of [1, 3, 7, 64, image.length]) expect((await upload(image, chunkSize)).equals(image)).toBe(true);
  });

  it.each([
    ['a GIF whose image separator is followed by HTML (GIF89a, 1x1 screen, ",<html>...", ";")', polyglots.gifWithHtmlAfterScreen()],
    ['a WebP whose VP8X chunk is followed by HTML', polyglots.webpVp8xWithHtml()],
    ['a JPEG whose frame header is followed by HTML and EOI', polyglots.jpegWithHtmlAfterFrame()],
    ['a PNG with HTML between its chunks', spliced(testImages.png(), 33, Buffer.from('<html><script>alert(1)</script></html>'))],
  ])('refuses a polyglot: %s', async (_, content) => {
    expect(await refused(content)).toBe(true);
  });

  it('accepts a valid GIF whose comment extension holds HTML: a valid-image polyglot, harmless only because of how images are served', async () => {
    const gif = polyglots.gifWithHtmlComment();
    expect(gif.includes('<script>')).toBe(true);
    expect((await upload(gif)).equals(gif)).toBe(true);
  });

  describe('GIF', () => {
    const gif = testImages.gif(); // screen (13), colour table (6), graphic control (8), image descriptor (10) at 27
    it.each([
      ['bytes after the trailer', Buffer.concat([gif, Buffer.from(';')])],
      ['no image, only the trailer', Buffer.concat([gif.subarray(0, 19), Buffer.from(';')])],
      ['an unterminated sub-block run', Buffer.concat([gif.subarray(0, -2), Buffer.from([5, 1, 2, 3, 4, 5, 0x3b])])],
      ['an LZW code size of 12', Buffer.from(gif.map((b, i) => (i === 37 ? 12 : b)))],
      ['an unknown block', spliced(gif, 27, Buffer.from('<'))],
    ])('refuses %s', async (_, content) => {
      expect(await refused(content)).toBe(true);
    });

    it('refuses a frame whose far edge makes the canvas a decoder would allocate larger than allowed', async () => {
      const frame = Buffer.from(gif);
      frame.writeUInt16LE(60_000, 28); // left
      frame.writeUInt16LE(60_000, 30); // top
      expect(await refused(gif, 1)).toBe(false);
      expect(await refused(frame, MAX_PIXELS)).toBe(true);
    });
  });

  describe('WebP', () => {
    const vp8l = webpChunks(testImages.webp()); // one 1x1 VP8L chunk
    const anim = riffChunk('ANIM', Buffer.alloc(6));
    const frameOf = (x: number, y: number, width: number, height: number, image: Buffer): Buffer => {
      const header = Buffer.alloc(16);
      header.writeUIntLE(x / 2, 0, 3);
      header.writeUIntLE(y / 2, 3, 3);
      header.writeUIntLE(width - 1, 6, 3);
      header.writeUIntLE(height - 1, 9, 3);
      return riffChunk('ANMF', Buffer.concat([header, image]));
    };
    it('accepts an extended still image with metadata and an unknown chunk, and an animation frame inside its canvas', async () => {
      expect(
        await refused(webp(vp8x(1, 1, 0x08), vp8l, riffChunk('EXIF', Buffer.from('Exif\0\0')), riffChunk('ABCD', Buffer.alloc(3)))),
      ).toBe(false);
      expect(await refused(webp(vp8x(4, 4, 0x02), anim, frameOf(2, 2, 1, 1, vp8l)))).toBe(false);
    });
    it.each([
      ['a VP8X file without an image chunk', webp(vp8x(1, 1), riffChunk('EXIF', Buffer.alloc(4)))],
      ['an animated VP8X file without frames', webp(vp8x(1, 1, 0x02), anim)],
      ['an animation frame outside the canvas', webp(vp8x(4, 4, 0x02), anim, frameOf(4, 0, 1, 1, vp8l))],
      ['a still image larger than its canvas', webp(vp8x(1, 1), webpChunks(testImages.lossyWebp()))],
      ['two images', webp(vp8x(1, 1), vp8l, vp8l)],
      ['a chunk whose size runs past the RIFF size', webp(vp8x(1, 1), vp8l, Buffer.from('ABCD\xff\0\0\0', 'latin1'))],
      ['a chunk named with markup', webp(vp8l, riffChunk('<b>x', Buffer.alloc(2)))],
      ['a second VP8X', webp(vp8x(1, 1), vp8x(1, 1), vp8l)],
    ])('refuses %s', async (_, content) => {
      expect(await refused(content)).toBe(true);
    });
  });

  describe('PNG and JPEG', () => {
    it('accepts whatever follows a whole JPEG unread (appended by phones and cameras; served inert)', async () => {
      expect(await refused(Buffer.concat([jpeg, Buffer.from('ftypmp42 a Motion Photo video')]))).toBe(false);
      expect(await refused(Buffer.concat([jpeg, Buffer.alloc(100)]))).toBe(false);
    });

    const png = testImages.png();
    const jpeg = testImages.jpeg();
    it('accepts ancillary chunks, known or not, between IHDR and IEND', async () => {
      expect(await refused(spliced(png, 33, pngChunk('tEXt', Buffer.from('Comment\0hello'))))).toBe(false);
      expect(await refused(spliced(png, 33, pngChunk('prVt', Buffer.alloc(5))))).toBe(false);
    });
    it.each([
      [
        'a PNG chunk with a wrong CRC',
        spliced(png, 33, Buffer.concat([pngChunk('tEXt', Buffer.from('a\0b')).subarray(0, -4), Buffer.alloc(4)])),
      ],
      ['an unknown critical PNG chunk', spliced(png, 33, pngChunk('HTML', Buffer.from('<script>')))],
      ['a PNG without image data', Buffer.concat([png.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))])],
      ['bytes after IEND', Buffer.concat([png, pngChunk('tEXt', Buffer.alloc(2))])],
      ['a JPEG without a scan', Buffer.concat([jpeg.subarray(0, jpeg.indexOf(Buffer.from([0xff, 0xda]))), Buffer.from([0xff, 0xd9])])],
      ['a JPEG with a stray marker (TEM) in its scan data', spliced(jpeg, jpeg.length - 2, Buffer.from([0xff, 0x01]))],
    ])('refuses %s', async (_, content) => {
      expect(await refused(content)).toBe(true);
    });
  });

  it('refuses a file of more tiny blocks than any real image has (MAX_STEPS), which would cost CPU out of proportion to its bytes', async () => {
    const jpeg = testImages.jpeg();
    const comments = (count: number): Buffer =>
      Buffer.concat([jpeg.subarray(0, 2), Buffer.alloc(4 * count, Buffer.from([0xff, 0xfe, 0, 2])), jpeg.subarray(2)]);
    expect(await refused(comments(1000))).toBe(false);
    expect(comments(MAX_STEPS).length).toBeLessThan(MAX_BYTES);
    expect(await refused(comments(MAX_STEPS))).toBe(true);
  });

  it('refuses as soon as the structure breaks, without reading the rest', async () => {
    const head = polyglots.webpVp8xWithHtml();
    let produced = 0;
    const source = Readable.from(
      (function* () {
        yield head;
        for (let i = 0; i < 1000; i++) {
          produced += 1024;
          yield Buffer.alloc(1024, 0x20);
        }
      })(),
      { objectMode: false },
    );
    const { stream } = await inspectImage(source, 2 * MAX_BYTES, MAX_PIXELS);
    await expect(stream.toArray()).rejects.toBeInstanceOf(NotAnImageError);
    expect(produced).toBeLessThan(100 * 1024);
  });
});

describe('ByteWalker', () => {
  function* twoReads(): Walk {
    const [length] = yield read(1);
    yield skip(length);
    const [last] = yield read(1);
    if (last !== 0x3b) throw new Error('no trailer');
  }
  it('is done only when the walk ends exactly at the last byte', () => {
    const whole = new ByteWalker(twoReads());
    expect(whole.push(Buffer.from([3, 1]))).toBe('walking');
    expect(whole.push(Buffer.from([2, 3, 0x3b]))).toBe('done');
    expect(whole.end()).toBe('done');
    const longer = new ByteWalker(twoReads());
    expect(longer.push(Buffer.from([0, 0x3b, 0]))).toBe('bad');
    const shorter = new ByteWalker(twoReads());
    shorter.push(Buffer.from([3, 1, 2]));
    expect(shorter.end()).toBe('bad');
  });
});
