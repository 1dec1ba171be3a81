// Batch normalisation in training mode (Ioffe & Szegedy 2015, Algorithm 1 and its backward pass),
// optionally fused with the ReLU that follows it, over x viewed as [rows × channels] (NHWC: rows =
// batch·height·width). Per channel c, with R rows:
//   μ = Σx/R,  σ² = Σ(x − μ)²/R,  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β  (then max(y, 0))
//   dβ = Σ dy',  dγ = Σ dy'·x̂,  dx = γ/√(σ² + ε) · (dy' − dβ/R − x̂·dγ/R)
// where dy' is dy masked by y > 0 when the ReLU is fused.
//
// The statistics take one pass over x from memory: each chunk of CHUNK_ROWS rows (in L2 while it
// is read twice) gets its own mean and sum of squared deviations, and the chunks are merged with
// Chan, Golub & LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for
// computing sample variances", 1979), as stable as two passes. Threads take whole chunks and the
// merge runs in chunk order, so the result does not depend on the thread count. Channels are
// walked 16 at a time (four vectors), so each row's cache line is read once per walk.

export const CHUNK_ROWS: i32 = 512;

/** Each thread's scratch: 8 floats per channel, at scratch + t · bytes. */
@inline
function own(scratch: usize, t: i32, channels: i32): usize {
  return scratch + <usize>t * (<usize>channels << 5);
}

@inline
function share(t: i32, threads: i32, count: i32): i32 {
  return <i32>((<i64>count * t) / threads);
}

export function chunkCount(rows: i32): i32 {
  return (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
}

/**
 * Σ over the chunk's rows of f(row values) for 16 channels from c0 (4 vectors), into out[c0…].
 * `squares`: Σ(x − centre)², else Σx.
 */
@inline
function sum16(x: usize, r0: i32, r1: i32, rowBytes: usize, c0: i32, centre: usize, squares: bool, out: usize): void {
  const o = <usize>c0 << 2;
  const m0 = squares ? v128.load(centre + o) : f32x4.splat(0);
  const m1 = squares ? v128.load(centre + o, 16) : f32x4.splat(0);
  const m2 = squares ? v128.load(centre + o, 32) : f32x4.splat(0);
  const m3 = squares ? v128.load(centre + o, 48) : f32x4.splat(0);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let p = x + <usize>r0 * rowBytes + o;
  for (let r = r0; r < r1; r++) {
    const v0 = f32x4.sub(v128.load(p), m0);
    const v1 = f32x4.sub(v128.load(p, 16), m1);
    const v2 = f32x4.sub(v128.load(p, 32), m2);
    const v3 = f32x4.sub(v128.load(p, 48), m3);
    if (squares) {
      a0 = f32x4.add(a0, f32x4.mul(v0, v0));
      a1 = f32x4.add(a1, f32x4.mul(v1, v1));
      a2 = f32x4.add(a2, f32x4.mul(v2, v2));
      a3 = f32x4.add(a3, f32x4.mul(v3, v3));
    } else {
      a0 = f32x4.add(a0, v0);
      a1 = f32x4.add(a1, v1);
      a2 = f32x4.add(a2, v2);
      a3 = f32x4.add(a3, v3);
    }
    p += rowBytes;
  }
  v128.store(out + o, a0);
  v128.store(out + o, a1, 16);
  v128.store(out + o, a2, 32);
  v128.store(out + o, a3, 48);
}

/** Σ over rows [r0, r1) into out[c] for every channel; `squares` as in sum16. */
function chunkSum(x: usize, r0: i32, r1: i32, channels: i32, centre: usize, squares: bool, out: usize): void {
  const rowBytes = <usize>channels << 2;
  let c = 0;
  for (; c + 16 <= channels; c += 16) sum16(x, r0, r1, rowBytes, c, centre, squares, out);
  for (; c < channels; c++) {
    const o = <usize>c << 2;
    const mu: f32 = squares ? load<f32>(centre + o) : 0;
    let acc: f32 = 0;
    for (let r = r0; r < r1; r++) {
      const v = load<f32>(x + <usize>r * rowBytes + o) - mu;
      acc += squares ? v * v : v;
    }
    store<f32>(out + o, acc);
  }
}

/**
 * Phase 1: for every chunk j of this thread, its mean (stats[2j]) and its sum of squared deviations
 * from that mean (stats[2j + 1]), each a row of `channels` floats.
 */
export function bnStats(t: i32, threads: i32, x: usize, rows: i32, channels: i32, stats: usize): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  for (let j = share(t, threads, chunks); j < share(t + 1, threads, chunks); j++) {
    const r0 = j * CHUNK_ROWS;
    const r1 = min(rows, r0 + CHUNK_ROWS);
    const mean = stats + <usize>(2 * j) * rowBytes;
    chunkSum(x, r0, r1, channels, 0, false, mean);
    const inv: f32 = <f32>1 / <f32>(r1 - r0);
    for (let c = 0; c < channels; c++) store<f32>(mean + (<usize>c << 2), load<f32>(mean + (<usize>c << 2)) * inv);
    chunkSum(x, r0, r1, channels, mean, true, mean + rowBytes);
  }
}

/** Merges the chunk statistics in chunk order: mean and (biased) variance per channel. */
function merge(stats: usize, rows: i32, channels: i32, meanOut: usize, varianceOut: usize): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  for (let c = 0; c < channels; c++) {
    const o = <usize>c << 2;
    let n: f64 = 0;
    let mean: f64 = 0;
    let m2: f64 = 0;
    for (let j = 0; j < chunks; j++) {
      const nj = <f64>(min(rows, (j + 1) * CHUNK_ROWS) - j * CHUNK_ROWS);
      const chunk = stats + <usize>(2 * j) * rowBytes;
      const delta = <f64>load<f32>(chunk + o) - mean;
      const total = n + nj;
      mean += (delta * nj) / total;
      m2 += <f64>load<f32>(chunk + rowBytes + o) + (delta * delta * n * nj) / total;
      n = total;
    }
    store<f32>(meanOut + o, <f32>mean);
    store<f32>(varianceOut + o, <f32>(m2 / n));
  }
}

/**
 * Phase 2: y = x·scale + shift (then ReLU), scale = γ/√(σ² + ε), shift = β − μ·scale. Thread 0 also
 * writes μ, σ² and 1/√(σ² + ε) for the backward pass and the moving averages.
 */
export function bnApply(
  t: i32,
  threads: i32,
  x: usize,
  rows: i32,
  channels: i32,
  stats: usize,
  gamma: usize,
  beta: usize,
  epsilon: f32,
  relu: i32,
  y: usize,
  meanOut: usize,
  varianceOut: usize,
  invStdOut: usize,
  scratch: usize,
): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  const mean = own(scratch, t, channels);
  const variance = mean + rowBytes;
  const scale = variance + rowBytes;
  const shift = scale + rowBytes;
  merge(stats, rows, channels, mean, variance);
  for (let c = 0; c < channels; c++) {
    const o = <usize>c << 2;
    const inv: f32 = <f32>1 / Mathf.sqrt(load<f32>(variance + o) + epsilon);
    const sc = load<f32>(gamma + o) * inv;
    store<f32>(scale + o, sc);
    store<f32>(shift + o, load<f32>(beta + o) - load<f32>(mean + o) * sc);
    if (t == 0) {
      store<f32>(meanOut + o, load<f32>(mean + o));
      store<f32>(varianceOut + o, load<f32>(variance + o));
      store<f32>(invStdOut + o, inv);
    }
  }
  const from = share(t, threads, chunks) * CHUNK_ROWS;
  const to = min(rows, share(t + 1, threads, chunks) * CHUNK_ROWS);
  if ((channels & 3) == 0) {
    const zero = f32x4.splat(0);
    for (let r = from; r < to; r++) {
      const src = x + <usize>r * rowBytes;
      const dst = y + <usize>r * rowBytes;
      for (let c = 0; c < channels; c += 4) {
        const o = <usize>c << 2;
        let v = f32x4.add(f32x4.mul(v128.load(src + o), v128.load(scale + o)), v128.load(shift + o));
        if (relu) v = f32x4.max(v, zero);
        v128.store(dst + o, v);
      }
    }
  } else {
    for (let r = from; r < to; r++) {
      const src = x + <usize>r * rowBytes;
      const dst = y + <usize>r * rowBytes;
      for (let c = 0; c < channels; c++) {
        const o = <usize>c << 2;
        let v = load<f32>(src + o) * load<f32>(scale + o) + load<f32>(shift + o);
        if (relu) v = max<f32>(v, 0);
        store<f32>(dst + o, v);
      }
    }
  }
}

/** dy' of one 4-channel vector at byte offset `off`: dy, masked by y > 0 when the ReLU is fused. */
@inline
function maskedGradient(dy: usize, y: usize, off: usize, relu: i32): v128 {
  let g = v128.load(dy + off);
  if (relu) g = v128.and(g, f32x4.gt(v128.load(y + off), f32x4.splat(0)));
  return g;
}

/** Σdy' and Σdy'·x̂ over rows [r0, r1) for 16 channels from c0, each row's 64 bytes read once. */
@inline
function gradSum16(
  dy: usize,
  x: usize,
  y: usize,
  r0: i32,
  r1: i32,
  rowBytes: usize,
  c0: i32,
  mean: usize,
  invStd: usize,
  relu: i32,
  o1: usize,
  o2: usize,
): void {
  const o = <usize>c0 << 2;
  const zero = f32x4.splat(0);
  let s0 = zero;
  let s1 = zero;
  let s2 = zero;
  let s3 = zero;
  let q0 = zero;
  let q1 = zero;
  let q2 = zero;
  let q3 = zero;
  let off = <usize>r0 * rowBytes + o;
  for (let r = r0; r < r1; r++) {
    let g = maskedGradient(dy, y, off, relu);
    s0 = f32x4.add(s0, g);
    q0 = f32x4.add(q0, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + off), v128.load(mean + o)), v128.load(invStd + o))));
    g = maskedGradient(dy, y, off + 16, relu);
    s1 = f32x4.add(s1, g);
    q1 = f32x4.add(q1, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + off, 16), v128.load(mean + o, 16)), v128.load(invStd + o, 16))));
    g = maskedGradient(dy, y, off + 32, relu);
    s2 = f32x4.add(s2, g);
    q2 = f32x4.add(q2, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + off, 32), v128.load(mean + o, 32)), v128.load(invStd + o, 32))));
    g = maskedGradient(dy, y, off + 48, relu);
    s3 = f32x4.add(s3, g);
    q3 = f32x4.add(q3, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + off, 48), v128.load(mean + o, 48)), v128.load(invStd + o, 48))));
    off += rowBytes;
  }
  v128.store(o1 + o, s0);
  v128.store(o1 + o, s1, 16);
  v128.store(o1 + o, s2, 32);
  v128.store(o1 + o, s3, 48);
  v128.store(o2 + o, q0);
  v128.store(o2 + o, q1, 16);
  v128.store(o2 + o, q2, 32);
  v128.store(o2 + o, q3, 48);
}

/** Backward phase 1: partial Σdy' and Σdy'·x̂ per chunk (dy' = dy where y > 0 when relu). */
export function bnGradSums(
  t: i32,
  threads: i32,
  dy: usize,
  x: usize,
  y: usize,
  rows: i32,
  channels: i32,
  mean: usize,
  invStd: usize,
  relu: i32,
  sumDy: usize,
  sumDyXhat: usize,
): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  for (let j = share(t, threads, chunks); j < share(t + 1, threads, chunks); j++) {
    const o1 = sumDy + <usize>j * rowBytes;
    const o2 = sumDyXhat + <usize>j * rowBytes;
    const r0 = j * CHUNK_ROWS;
    const r1 = min(rows, r0 + CHUNK_ROWS);
    let c = 0;
    for (; c + 16 <= channels; c += 16) gradSum16(dy, x, y, r0, r1, rowBytes, c, mean, invStd, relu, o1, o2);
    for (; c < channels; c++) {
      const o = <usize>c << 2;
      let a1: f32 = 0;
      let a2: f32 = 0;
      for (let r = r0; r < r1; r++) {
        const off = <usize>r * rowBytes + o;
        let g = load<f32>(dy + off);
        if (relu && load<f32>(y + off) <= 0) g = 0;
        a1 += g;
        a2 += g * ((load<f32>(x + off) - load<f32>(mean + o)) * load<f32>(invStd + o));
      }
      store<f32>(o1 + o, a1);
      store<f32>(o2 + o, a2);
    }
  }
}

/** out[c] = Σ over chunks of partials[chunk][c], in chunk order. */
function combine(partials: usize, chunks: i32, channels: i32, out: usize): void {
  const bytes = <usize>channels << 2;
  memory.fill(out, 0, bytes);
  for (let j = 0; j < chunks; j++) {
    const src = partials + <usize>j * bytes;
    for (let c = 0; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(src + o));
    }
  }
}

/** Backward phase 2: dx; thread 0 also writes dγ and dβ. */
export function bnGradApply(
  t: i32,
  threads: i32,
  dy: usize,
  x: usize,
  y: usize,
  rows: i32,
  channels: i32,
  mean: usize,
  invStd: usize,
  gamma: usize,
  relu: i32,
  sumDy: usize,
  sumDyXhat: usize,
  dx: usize,
  dGamma: usize,
  dBeta: usize,
  scratch: usize,
): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  const db = own(scratch, t, channels);
  const dg = db + rowBytes;
  const k = dg + rowBytes; // γ·invStd
  const a = k + rowBytes; // dβ/R
  const bq = a + rowBytes; // dγ/R
  combine(sumDy, chunks, channels, db);
  combine(sumDyXhat, chunks, channels, dg);
  const invRows = <f32>1 / <f32>rows;
  for (let c = 0; c < channels; c++) {
    const o = <usize>c << 2;
    store<f32>(k + o, load<f32>(gamma + o) * load<f32>(invStd + o));
    store<f32>(a + o, load<f32>(db + o) * invRows);
    store<f32>(bq + o, load<f32>(dg + o) * invRows);
    if (t == 0) {
      store<f32>(dBeta + o, load<f32>(db + o));
      store<f32>(dGamma + o, load<f32>(dg + o));
    }
  }
  const from = share(t, threads, chunks) * CHUNK_ROWS;
  const to = min(rows, share(t + 1, threads, chunks) * CHUNK_ROWS);
  const zero = f32x4.splat(0);
  if ((channels & 3) == 0) {
    for (let r = from; r < to; r++) {
      const row = <usize>r * rowBytes;
      for (let c = 0; c < channels; c += 4) {
        const o = <usize>c << 2;
        let g = v128.load(dy + row + o);
        if (relu) g = v128.and(g, f32x4.gt(v128.load(y + row + o), zero));
        const xh = f32x4.mul(f32x4.sub(v128.load(x + row + o), v128.load(mean + o)), v128.load(invStd + o));
        const inner = f32x4.sub(f32x4.sub(g, v128.load(a + o)), f32x4.mul(xh, v128.load(bq + o)));
        v128.store(dx + row + o, f32x4.mul(v128.load(k + o), inner));
      }
    }
  } else {
    for (let r = from; r < to; r++) {
      const row = <usize>r * rowBytes;
      for (let c = 0; c < channels; c++) {
        const o = <usize>c << 2;
        let g = load<f32>(dy + row + o);
        if (relu && load<f32>(y + row + o) <= 0) g = 0;
        const xh = (load<f32>(x + row + o) - load<f32>(mean + o)) * load<f32>(invStd + o);
        store<f32>(dx + row + o, load<f32>(k + o) * (g - load<f32>(a + o) - xh * load<f32>(bq + o)));
      }
    }
  }
}

/** Bias gradients, phase 1: partials[chunk][c] = Σ_{rows of chunk} x[r][c]. */
export function columnSums(t: i32, threads: i32, x: usize, rows: i32, channels: i32, partials: usize): void {
  const chunks = chunkCount(rows);
  const rowBytes = <usize>channels << 2;
  for (let j = share(t, threads, chunks); j < share(t + 1, threads, chunks); j++) {
    const r0 = j * CHUNK_ROWS;
    chunkSum(x, r0, min(rows, r0 + CHUNK_ROWS), channels, 0, false, partials + <usize>j * rowBytes);
  }
}

/** Bias gradients, phase 2: out[c] = Σ over chunks, in chunk order (thread 0). */
export function columnSumsCombine(t: i32, threads: i32, rows: i32, channels: i32, partials: usize, out: usize): void {
  if (t == 0) combine(partials, chunkCount(rows), channels, out);
}
