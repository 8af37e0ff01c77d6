import { ensure, entropy, read, rest, skip, type Need, type Walk } from './byte-walker';

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/**
 * Walks a JPEG marker by marker: SOI, segments (each with its length) holding one baseline,
 * extended or progressive frame header before the first scan, each scan's header followed by its
 * entropy-coded data (where 0xFF is only ever followed by a stuffed 0x00 or a restart marker), and
 * EOI after at least one scan. Whatever follows EOI is left unread: phones and cameras append
 * data there (MPF depth maps and Ultra HDR gain maps, a Motion Photo's video, Samsung's trailer),
 * and it is part of no image a browser shows; `/media`'s headers keep it inert.
 * The entropy-coded data is scanned for markers, never decoded.
 */
export function* walkJpeg(): Walk {
  ensure((yield read(2)).equals(Buffer.from([0xff, SOI])), 'not a JPEG start of image');
  yield* walkOneJpeg();
  yield rest();
}

/** One JPEG after its SOI, up to and including its EOI. */
function* walkOneJpeg(): Walk {
  let frame = false;
  let scans = 0;
  let marker = yield* nextMarker();
  for (;;) {
    if (marker === EOI) {
      ensure(scans > 0, 'a JPEG without image data');
      return;
    }
    // Standalone markers (TEM, RSTn, SOI) do not belong between segments.
    ensure(marker !== 0x01 && marker !== 0x00 && !(marker >= 0xd0 && marker <= 0xd8), 'a JPEG marker out of place');
    const length = (yield read(2)).readUInt16BE(0);
    ensure(length >= 2, 'a JPEG segment shorter than its length field');
    if (marker >= 0xc0 && marker <= 0xc2) {
      ensure(!frame, 'a second JPEG frame header');
      checkFrame(length, yield read(length - 2));
      frame = true;
    } else if (marker === SOS) {
      const [components] = yield read(length - 2);
      ensure(frame && components >= 1 && components <= 4 && length === 6 + 2 * components, 'a bad JPEG scan header');
      scans += 1;
      marker = (yield entropy())[0];
      continue;
    } else {
      // Other frames (lossless, arithmetic, hierarchical) are not images browsers show.
      ensure(!(marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc), 'an unsupported JPEG frame');
      yield skip(length - 2);
    }
    marker = yield* nextMarker();
  }
}

function checkFrame(length: number, frame: Buffer): void {
  const components = frame[5];
  ensure(
    length >= 8 &&
      frame[0] === 8 &&
      frame.readUInt16BE(1) > 0 &&
      frame.readUInt16BE(3) > 0 &&
      components >= 1 &&
      components <= 4 &&
      length === 8 + 3 * components,
    'a bad JPEG frame header',
  );
}

/** A marker: 0xFF, any number of 0xFF fill bytes, then the marker's code. */
function* nextMarker(): Generator<Need, number, Buffer> {
  const [ff, code] = yield read(2);
  ensure(ff === 0xff, 'bytes that are not a JPEG marker');
  let next = code;
  while (next === 0xff) [next] = yield read(1);
  return next;
}
