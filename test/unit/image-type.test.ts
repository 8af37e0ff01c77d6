import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { FileTooLargeError, inspectImage, NotAnImageError, type ImageType } from '../../src/services/storage/image-type';

const HEADERS: Record<ImageType['extension'], Buffer> = {
  jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  png: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  gif: Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00', 'latin1'),
  webp: Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
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
  ] as const)('identifies %s by its magic bytes and replays the whole content', async (extension, mime) => {
    const rest = Buffer.from('the rest of the file');
    // The header arrives split across chunks, so identification must gather bytes.
    const header = HEADERS[extension];
    const { type, stream } = await inspectImage(streamOf(header.subarray(0, 2), header.subarray(2), rest), 1024);
    expect(type).toEqual({ mime, extension });
    expect(await readAll(stream)).toEqual(Buffer.concat([header, rest]));
  });

  it('accepts GIF87a too', async () => {
    const { type } = await inspectImage(streamOf(Buffer.from('GIF87a......')), 1024);
    expect(type.extension).toBe('gif');
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
    const source = manyChunks(HEADERS.png, 1000, 1024); // ~1 MiB in 1 KiB chunks
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
    const content = Buffer.concat([HEADERS.jpg, Buffer.alloc(100)]);
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
