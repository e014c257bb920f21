// Minimal declarations for two pure-JS codec packages that ship no types.
declare module 'kafkajs-snappy' {
  const SnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export default SnappyCodec;
}
declare module 'lz4js' {
  export function compress(src: Uint8Array | number[], maxSize?: number): number[] | Uint8Array;
  export function decompress(src: Uint8Array | number[], maxSize?: number): number[] | Uint8Array;
  export function compressBound(n: number): number;
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
}
declare module 'lz4js/xxh32.js' {
  const xxh: { hash(seed: number, src: Uint8Array, index: number, length: number): number };
  export default xxh;
}
