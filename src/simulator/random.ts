/**
 * The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's small fast chaotic PRNG, 128-bit
 * state, passes PractRand) seeded through splitmix32 so that nearby seeds give unrelated streams. Never
 * Math.random: the same seed must give the same events on every run. The generator itself is exact 32-bit
 * integer arithmetic; the derived distributions use Math.log/exp/cos, which V8 computes with its own
 * (fdlibm-derived) code, so results are identical across platforms for a given Node major version.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` selects an independent sequence for the same seed (the model and the fault injector each own one). */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`seed must be an integer >= 0, got ${seed}`);
    // splitmix32 over both halves of the seed and the stream number, so seeds above 2^32 still differ.
    let s =
      (seed >>> 0) ^
      Math.imul(Math.floor(seed / 0x1_0000_0000) | 0, 0x9e3779b9) ^
      Math.imul(stream, 0x632be5ab);
    const split = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    // Discard the first outputs: sfc32's authors recommend it to mix the freshly seeded state.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Log-normal with the given median and shape sigma (Box–Muller on two uniforms). */
  logNormal(median: number, sigma: number): number {
    const u = 1 - this.float();
    const v = this.float();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }

  /** Geometric number of failures before a success, with the given mean (>= 0). */
  geometric(mean: number): number {
    if (mean <= 0) return 0;
    const p = 1 / (1 + mean);
    return Math.floor(Math.log(1 - this.float()) / Math.log(1 - p));
  }

  /** Lower-case hex string of `chars` characters (a multiple of 2). Table lookups: toString(16) is slow. */
  hex(chars: number): string {
    let out = '';
    for (let i = 0; i < chars; i += 8) {
      const x = this.u32();
      out += HEX[x >>> 24] + HEX[(x >>> 16) & 0xff] + HEX[(x >>> 8) & 0xff] + HEX[x & 0xff];
    }
    return out.length === chars ? out : out.slice(0, chars);
  }

  /** An RFC 4122 version-4 shaped UUID drawn from this stream (deterministic, unlike crypto.randomUUID). */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/**
 * Sampling from a fixed discrete distribution by binary search over cumulative weights: O(log n) per draw,
 * exact for any weights (Zipf tables, country shares, mixes).
 */
export class Discrete<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length)
      throw new RangeError('Discrete needs one weight per item');
    this.cumulative = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0)) throw new RangeError(`weight ${i} is ${weights[i]}, expected >= 0`);
      acc += weights[i];
      this.cumulative[i] = acc;
    }
    if (!(acc > 0)) throw new RangeError('Discrete needs a positive total weight');
    this.total = acc;
  }

  index(rng: Rng): number {
    const x = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  sample(rng: Rng): T {
    return this.items[this.index(rng)];
  }

  /** Probability of item i. */
  probability(i: number): number {
    return (this.cumulative[i] - (i > 0 ? this.cumulative[i - 1] : 0)) / this.total;
  }
}

/** Zipf weights 1/rank^s for ranks 1..n: a few items get most of the traffic, a long tail gets the rest. */
export function zipfWeights(n: number, s: number): number[] {
  const w: number[] = [];
  for (let r = 1; r <= n; r++) w.push(1 / Math.pow(r, s));
  return w;
}
