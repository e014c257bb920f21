/**
 * HyperLogLog distinct counter (Flajolet et al. 2007, with the small-range linear-counting correction).
 * Standard error 1.04 / sqrt(2^p): p = 14 → 0.81 %, 16 KiB of registers. Used instead of exact sets when
 * cardinalities are large enough that a Set per window costs more memory than the precision is worth.
 */
export class Hll {
  readonly registers: Uint8Array;
  private readonly m: number;

  constructor(
    readonly precision = 14,
    registers?: Uint8Array,
  ) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 18) {
      throw new RangeError(`HyperLogLog precision must be an integer in 4..18, got ${precision}`);
    }
    this.m = 1 << precision;
    this.registers = registers ?? new Uint8Array(this.m);
    if (this.registers.length !== this.m)
      throw new RangeError(`HyperLogLog: ${this.registers.length} registers, expected ${this.m}`);
  }

  /** Relative standard error of estimate(). */
  static standardError(precision: number): number {
    return 1.04 / Math.sqrt(2 ** precision);
  }

  add(value: string): void {
    const h = hash32(value);
    const idx = h >>> (32 - this.precision);
    // Rank = position of the first 1-bit in the remaining bits (1-based); all-zero gets the maximum.
    const rest = (h << this.precision) >>> 0;
    const rank = rest === 0 ? 32 - this.precision + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[idx]) this.registers[idx] = rank;
  }

  merge(other: Hll): void {
    if (other.precision !== this.precision)
      throw new RangeError('HyperLogLog: cannot merge different precisions');
    const a = this.registers;
    const b = other.registers;
    for (let i = 0; i < a.length; i++) if (b[i] > a[i]) a[i] = b[i];
  }

  clone(): Hll {
    return new Hll(this.precision, this.registers.slice());
  }

  estimate(): number {
    const m = this.m;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.registers[i];
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    const two32 = 2 ** 32;
    if (raw > two32 / 30) return Math.round(-two32 * Math.log(1 - raw / two32));
    return Math.round(raw);
  }

  toBase64(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  static fromBase64(b64: string, precision: number): Hll {
    return new Hll(precision, new Uint8Array(Buffer.from(b64, 'base64')));
  }
}

/** FNV-1a over UTF-16 code units, then murmur3's fmix32 so that every output bit depends on every input bit. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
