import { crc32 } from 'node:zlib';
import { ensure, read, skip, type Walk } from './byte-walker';

const SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
const ANCILLARY = 0x20; // the lowercase bit of a chunk type's first letter
const SMALL_CHUNK = 4096;

/**
 * Walks a PNG chunk by chunk, checking every CRC, to an empty IEND that must end the file: IHDR
 * first, PLTE (required for palette images) before the image data, one run of IDAT chunks, no
 * critical chunk PNG does not define (a decoder must refuse those), and ancillary chunks anywhere
 * between. Chunk data is seen only by the CRC, never inflated.
 */
export function* walkPng(): Walk {
  ensure((yield read(8)).equals(SIGNATURE), 'not a PNG signature');
  let colourType = -1;
  let palette = false;
  let idat: 'none' | 'running' | 'ended' = 'none';
  for (;;) {
    const header = yield read(8);
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    ensure(length <= 0x7fffffff && /^[A-Za-z]{4}$/.test(type), 'bytes that are not a PNG chunk');
    let crc = crc32(header.subarray(4));
    const first = colourType < 0;
    if (first) {
      ensure(type === 'IHDR' && length === 13, 'a PNG whose first chunk is not IHDR');
      const data = yield read(13);
      crc = crc32(data, crc);
      colourType = data[9];
    } else if (length <= SMALL_CHUNK) {
      // Read with its CRC in one step: many tiny chunks cost as few steps as possible.
      const data = yield read(length + 4);
      crc = crc32(data.subarray(0, length), crc);
      ensure(data.readUInt32BE(length) === crc, `a PNG ${type} chunk with a wrong CRC`);
    } else {
      yield skip(length, (bytes) => (crc = crc32(bytes, crc)));
    }
    if (first || length > SMALL_CHUNK) ensure((yield read(4)).readUInt32BE(0) === crc, `a PNG ${type} chunk with a wrong CRC`);
    if (idat === 'running' && type !== 'IDAT') idat = 'ended';
    switch (type) {
      case 'IHDR':
        ensure(first, 'a second IHDR');
        break;
      case 'PLTE':
        ensure(!palette && idat === 'none', 'a PLTE chunk out of place');
        palette = true;
        break;
      case 'IDAT':
        ensure(idat !== 'ended', 'PNG image data split by other chunks');
        idat = 'running';
        break;
      case 'IEND':
        ensure(length === 0 && idat !== 'none' && (palette || colourType !== 3), 'a PNG without its image data');
        return;
      default:
        ensure((type.charCodeAt(0) & ANCILLARY) !== 0, `an unknown critical PNG chunk ${type}`);
    }
  }
}
