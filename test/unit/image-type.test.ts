import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import {
  FileTooLargeError,
  inspectImage,
  NotAnImageError,
  TooManyPixelsError,
  type ImageType,
} from '../../src/services/storage/image-type';
import { testImages } from '../factories/images';

/** Real images (test/factories/images.ts): the head checks and the tail checks both pass. */
const HEADERS: Record<ImageType['extension'], Buffer> = {
  jpg: testImages.jpeg(),
  png: testImages.png(),
  gif: testImages.gif(),
  webp: testImages.webp(),
};

/** A byte stream (not object mode) that emits `chunks` one by one. */
const streamOf = (...chunks: Buffer[]): Readable => Readable.from(chunks, { objectMode: false });

/** `count` chunks of `size` bytes after `head`, generated lazily so the test never holds them all. */
function manyChunks(head: Buffer, count: number, size: number): Readable & { produced(): number } {
  let produced = 0;
  const stream = Readable.from(
    (function* () {
      yield head;
      for (let i = 0; i < count; i++) {
        produced += size;
        yield Buffer.alloc(size, i % 256);
      }
    })(),
    { objectMode: false },
  );
  return Object.assign(stream, { produced: () => produced });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('inspectImage', () => {
  it.each([
    ['jpg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
  ] as const)('identifies %s by its content and replays the whole content', async (extension, mime) => {
    // The image arrives split across chunks, so identification must gather bytes.
    const image = HEADERS[extension];
    const { type, stream } = await inspectImage(streamOf(image.subarray(0, 2), image.subarray(2, 20), image.subarray(20)), 1024);
    expect(type).toEqual({ mime, extension });
    expect(await readAll(stream)).toEqual(image);
  });

  it('accepts GIF87a too', async () => {
    const gif87 = Buffer.concat([Buffer.from('GIF87a'), HEADERS.gif.subarray(6)]);
    const { type } = await inspectImage(streamOf(gif87), 1024);
    expect(type.extension).toBe('gif');
  });

  it.each([
    [
      'GIF magic bytes followed by HTML',
      Buffer.concat([Buffer.from('GIF89a<html><script>alert(1)</script>'), Buffer.alloc(500, 32), Buffer.from(';')]),
    ],
    ['a PNG whose IHDR CRC is wrong', Buffer.concat([HEADERS.png.subarray(0, 29), Buffer.from([0, 0, 0, 0]), HEADERS.png.subarray(33)])],
    ['a PNG whose first chunk is not IHDR', Buffer.concat([HEADERS.png.subarray(0, 12), Buffer.from('tEXt'), HEADERS.png.subarray(16)])],
    ['a JPEG with a lossless frame', Buffer.from(HEADERS.jpg.toString('latin1').replace('\xff\xc0', '\xff\xc3'), 'latin1')],
    ['a JPEG whose segments are not markers', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('<html>'.repeat(10))])],
    ['a WebP with an unknown first chunk', Buffer.concat([HEADERS.webp.subarray(0, 12), Buffer.from('HTML'), HEADERS.webp.subarray(16)])],
  ])('rejects %s from its head', async (_, content) => {
    await expect(inspectImage(streamOf(content), 4096)).rejects.toBeInstanceOf(NotAnImageError);
  });

  it.each([
    ['a PNG without IEND', HEADERS.png.subarray(0, HEADERS.png.length - 12)],
    ['a GIF without its trailer', HEADERS.gif.subarray(0, HEADERS.gif.length - 1)],
    ['a WebP longer than its RIFF size', Buffer.concat([HEADERS.webp, Buffer.from('<b>')])],
  ])('fails the stream of %s at its end', async (_, content) => {
    const { stream } = await inspectImage(streamOf(content), 4096);
    await expect(readAll(stream)).rejects.toBeInstanceOf(NotAnImageError);
  });

  it('passes a whole JPEG with data appended after EOI (what phones write: Motion Photo video, Samsung trailers)', async () => {
    const content = Buffer.concat([HEADERS.jpg, Buffer.from('SEFHmotion-photo-video'), Buffer.alloc(64)]);
    const { stream } = await inspectImage(streamOf(content), 4096);
    expect(await readAll(stream)).toEqual(content);
  });

  it('refuses a canvas over maxPixels before reading on, whatever the file size', async () => {
    const bomb = testImages.pngDeclaring(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100);
    const error = await inspectImage(streamOf(bomb), 4096, 40_000_000).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TooManyPixelsError);
    expect(error).toMatchObject({ width: 20_000, height: 20_000, maxPixels: 40_000_000 });
    const { width, height } = await inspectImage(streamOf(testImages.pngDeclaring(8000, 5000)), 4096, 40_000_000);
    expect(width * height).toBe(40_000_000);
  });

  it('finds a JPEG frame header after large metadata segments', async () => {
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0xff, 0xff]), Buffer.alloc(0xfffd, 0x41)]);
    const jpeg = Buffer.concat([HEADERS.jpg.subarray(0, 2), app1, app1, app1, HEADERS.jpg.subarray(2)]);
    const { type, width, stream } = await inspectImage(streamOf(jpeg), 1024 * 1024);
    expect([type.extension, width]).toEqual(['jpg', 8]);
    expect((await readAll(stream)).equals(jpeg)).toBe(true);
  });

  it('rejects a text file named .png, and RIFF files that are not WebP', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'image-type-'));
    try {
      const file = path.join(directory, 'photo.png');
      await writeFile(file, 'just some text, not a picture at all');
      const source = createReadStream(file);
      await expect(inspectImage(source, 1024)).rejects.toBeInstanceOf(NotAnImageError);
      expect(source.destroyed).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    const wave = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]);
    await expect(inspectImage(streamOf(wave), 1024)).rejects.toBeInstanceOf(NotAnImageError);
  });

  it('rejects empty and too-short input', async () => {
    await expect(inspectImage(streamOf(), 1024)).rejects.toBeInstanceOf(NotAnImageError);
    await expect(inspectImage(streamOf(HEADERS.png.subarray(0, 8)), 1024)).rejects.toBeInstanceOf(NotAnImageError);
    await expect(inspectImage(streamOf(HEADERS.jpg.subarray(0, 3)), 1024)).rejects.toBeInstanceOf(NotAnImageError);
  });

  it('fails the stream with FileTooLargeError mid-stream, without reading the rest of the source', async () => {
    // A PNG whose last chunk announces ~1 MiB of text, arriving in 1 KiB chunks: well-formed as far as it goes.
    const textChunk = Buffer.concat([Buffer.from([0, 0x0f, 0xa0, 0]), Buffer.from('tEXt')]);
    const source = manyChunks(Buffer.concat([HEADERS.png.subarray(0, -12), textChunk]), 1000, 1024);
    const { stream } = await inspectImage(source, 64 * 1024);
    let passed = 0;
    const error = await new Promise<unknown>((resolve) => {
      stream.on('data', (chunk: Buffer) => (passed += chunk.length));
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
    });
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).maxBytes).toBe(64 * 1024);
    expect(passed).toBeLessThanOrEqual(64 * 1024);
    expect(source.produced()).toBeLessThan(200 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });

  it('lets exactly maxBytes through', async () => {
    const content = HEADERS.jpg;
    const { stream } = await inspectImage(streamOf(content), content.length);
    expect(await readAll(stream)).toEqual(content);
  });

  it('rejects with the source error when the source fails before identification', async () => {
    const failure = new Error('client aborted');
    const source = new Readable({
      read() {
        this.push(Buffer.from([0xff, 0xd8]));
        this.destroy(failure);
      },
    });
    await expect(inspectImage(source, 1024)).rejects.toBe(failure);
  });

  it('passes a later source error on to the stream', async () => {
    const failure = new Error('connection reset');
    let sent = false;
    const source = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(HEADERS.webp);
        } else this.destroy(failure);
      },
    });
    const { stream } = await inspectImage(source, 1024);
    await expect(text(stream)).rejects.toBe(failure);
  });

  it('destroys the source when the consumer destroys the stream', async () => {
    const source = new Readable({ read() {} }); // stalls after the header, like a slow client
    source.push(HEADERS.png);
    const { stream } = await inspectImage(source, 1024);
    stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
