import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import xxh from 'lz4js/xxh32.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * kafkajs ships gzip only; snappy and lz4 are registered here from pure-JS packages (snappyjs via
 * kafkajs-snappy, lz4js), so nothing needs a native build on Node 20. zstd is left out: every kafkajs
 * zstd codec wraps a native addon.
 *
 * lz4: Kafka reads the standard LZ4 frame format but only with independent blocks ("Dependent block stream
 * is unsupported" otherwise), and lz4js.compress writes frames without that flag. So the frame is written
 * here: ~64 KiB blocks, each compressed with a fresh match table (hence independent), block-independence
 * flag set, no checksums. lz4js decompresses any standard frame, including the Java client's.
 */
const LZ4_MAGIC = 0x184d2204;
/**
 * Each block holds 64 bytes less than the 64 KiB maximum the header announces. lz4js lets a block's
 * last match start 9 bytes before its end, while the LZ4 spec says 12; the decoder Kafka uses (liblz4's
 * safe decoder, writing into a buffer of exactly the maximum block size) rejects that for a full block
 * ("Error decoding offset"), but accepts it when the block ends before the buffer does.
 */
const LZ4_BLOCK = 64 * 1024 - 64;

export function lz4Frame(src: Uint8Array): Buffer {
  const out: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(LZ4_MAGIC, 0);
  header[4] = 0x40 | 0x20; // version 01, independent blocks
  header[5] = 4 << 4; // max block size 64 KiB
  header[6] = (xxh.hash(0, header, 4, 2) >>> 8) & 0xff;
  out.push(header);
  const blockBuf = new Uint8Array(lz4.compressBound(LZ4_BLOCK));
  for (let at = 0; at < src.length; at += LZ4_BLOCK) {
    const size = Math.min(LZ4_BLOCK, src.length - at);
    const n = lz4.compressBlock(src, blockBuf, at, size, new Uint32Array(1 << 16));
    const len = Buffer.alloc(4);
    if (n === 0 || n >= size) {
      // Incompressible: stored raw, flagged by the high bit of the length.
      len.writeUInt32LE((0x80000000 | size) >>> 0, 0);
      out.push(len, Buffer.from(src.subarray(at, at + size)));
    } else {
      len.writeUInt32LE(n, 0);
      out.push(len, Buffer.from(blockBuf.subarray(0, n)));
    }
  }
  out.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(out);
}

function lz4Codec() {
  return {
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      return lz4Frame(encoder.buffer);
    },
    async decompress(buffer: Buffer): Promise<Buffer> {
      return Buffer.from(lz4.decompress(buffer));
    },
  };
}

let registered = false;
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
}

export function compressionType(c: Compression): number {
  switch (c) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
  }
}
