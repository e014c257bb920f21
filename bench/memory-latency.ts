/**
 * The machine's memory latency: a pointer chase over a random cyclic permutation (every load depends on the
 * previous one, so neither prefetching nor out-of-order execution hides it), by working-set size. The
 * engine's state (window sets, session tables, dedup ids) is hundreds of MiB, so its hash lookups pay the
 * large-set figure; docs/engine-performance.md uses it to explain the cost of a lookup.
 *
 *   node --import tsx bench/memory-latency.ts [MiB sizes, comma-separated]
 */
const SIZES = (process.argv[2] ?? '0.016,0.25,1,2,4,16,64,256').split(',').map(Number);
const STEPS = 4_000_000;

function chase(next: Int32Array, steps: number): number {
  let p = 0;
  for (let i = 0; i < steps; i++) p = next[p];
  return p;
}

/** A single cycle through all n slots in random order (Sattolo's algorithm). */
function cycle(n: number): Int32Array {
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * i);
    const t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  return next;
}

chase(cycle(1024), 10_000_000); // let the JIT compile the loop first
console.log(`dependent loads, best of 3 runs of ${STEPS.toLocaleString('en-US')}, node ${process.version}`);
let sink = 0;
for (const mib of SIZES) {
  const next = cycle(Math.max(2, Math.floor((mib * 1048576) / 4)));
  sink ^= chase(next, STEPS / 4);
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    sink ^= chase(next, STEPS);
    runs.push(Number(process.hrtime.bigint() - t0) / STEPS);
  }
  console.log(
    `${String(mib).padStart(8)} MiB  ${Math.min(...runs)
      .toFixed(1)
      .padStart(7)} ns per load`,
  );
}
if (sink === -1) console.log(''); // keeps the chases from being optimized away
