import { crc32 } from 'node:zlib';

/** A 1×1 PNG. */
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** A 1×1 GIF. */
const ONE_PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/**
 * Small valid images for tests and benchmarks. A label makes the bytes (and so the SHA-256)
 * differ: it goes into a PNG text chunk, or a comment in the other formats.
 */
export const sampleImages = {
  png(label = ''): Buffer {
    if (!label) return ONE_PIXEL_PNG;
    const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0${label}`, 'latin1')]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length - 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    const iend = ONE_PIXEL_PNG.length - 12;
    return Buffer.concat([ONE_PIXEL_PNG.subarray(0, iend), length, body, crc, ONE_PIXEL_PNG.subarray(iend)]);
  },
  gif(label = ''): Buffer {
    if (!label) return ONE_PIXEL_GIF;
    // A comment extension before the trailer.
    const text = Buffer.from(label.slice(0, 255), 'latin1');
    return Buffer.concat([ONE_PIXEL_GIF.subarray(0, -1), Buffer.from([0x21, 0xfe, text.length]), text, Buffer.from([0x00, 0x3b])]);
  },
  /** JPEG's frame: start-of-image, a comment segment, end-of-image (enough for a signature check, not a decoder). */
  jpeg(label = 'x'): Buffer {
    const text = Buffer.from(label, 'latin1');
    const size = Buffer.alloc(2);
    size.writeUInt16BE(text.length + 2);
    return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe]), size, text, Buffer.from([0xff, 0xd9])]);
  },
  /** A RIFF/WEBP container whose declared size matches its length. */
  webp(label = 'x'): Buffer {
    const chunk = Buffer.concat([Buffer.from('VP8L'), Buffer.alloc(4), Buffer.from(label.padEnd(8, ' '), 'latin1')]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(4 + chunk.length);
    return Buffer.concat([Buffer.from('RIFF'), size, Buffer.from('WEBP'), chunk]);
  },
};
