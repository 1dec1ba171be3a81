// Batch normalisation in training mode (Ioffe & Szegedy 2015, Algorithm 1 and its backward pass),
// optionally fused with the ReLU that follows it, over x viewed as [rows × channels] (NHWC: rows =
// batch·height·width). Per channel c, with R rows:
//   μ = Σx/R,  σ² = Σ(x − μ)²/R,  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β  (then max(y, 0))
//   dβ = Σ dy',  dγ = Σ dy'·x̂,  dx = γ/√(σ² + ε) · (dy' − dβ/R − x̂·dγ/R)
// where dy' is dy masked by y > 0 when the ReLU is fused. Sums run over fixed chunks of
// CHUNK_ROWS rows, each thread taking whole chunks, and the chunk partials are added in chunk
// order: the result is the same for any thread count.

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

/** out[c] = Σ over chunks of partials[chunk][c] (in chunk order) × scale. */
function combine(partials: usize, chunks: i32, channels: i32, scale: f32, out: usize): void {
  const bytes = <usize>channels << 2;
  memory.fill(out, 0, bytes);
  for (let j = 0; j < chunks; j++) {
    const src = partials + <usize>j * bytes;
    for (let c = 0; c < channels; c++) {
      const o = <usize>c << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(src + o));
    }
  }
  for (let c = 0; c < channels; c++) {
    const o = <usize>c << 2;
    store<f32>(out + o, load<f32>(out + o) * scale);
  }
}

/** partials[chunk][c] = Σ_{rows of chunk} (x − centre[c])² when squares, else Σ x. */
function chunkSums(t: i32, threads: i32, x: usize, rows: i32, channels: i32, centre: usize, squares: bool, partials: usize): void {
  const chunks = chunkCount(rows);
  const from = share(t, threads, chunks);
  const to = share(t + 1, threads, chunks);
  const rowBytes = <usize>channels << 2;
  for (let j = from; j < to; j++) {
    const out = partials + <usize>j * rowBytes;
    memory.fill(out, 0, rowBytes);
    const r0 = j * CHUNK_ROWS;
    const r1 = min(rows, r0 + CHUNK_ROWS);
    if ((channels & 3) == 0) {
      for (let c = 0; c < channels; c += 4) {
        const o = <usize>c << 2;
        const mu = squares ? v128.load(centre + o) : f32x4.splat(0);
        let acc = f32x4.splat(0);
        let p = x + <usize>r0 * rowBytes + o;
        for (let r = r0; r < r1; r++) {
          const v = f32x4.sub(v128.load(p), mu);
          acc = squares ? f32x4.add(acc, f32x4.mul(v, v)) : f32x4.add(acc, v);
          p += rowBytes;
        }
        v128.store(out + o, acc);
      }
    } else {
      for (let r = r0; r < r1; r++) {
        const row = x + <usize>r * rowBytes;
        for (let c = 0; c < channels; c++) {
          const o = <usize>c << 2;
          let v = load<f32>(row + o);
          if (squares) {
            v -= load<f32>(centre + o);
            v *= v;
          }
          store<f32>(out + o, load<f32>(out + o) + v);
        }
      }
    }
  }
}

/** Phase 1: partial sums of x per chunk. */
export function bnSums(t: i32, threads: i32, x: usize, rows: i32, channels: i32, partials: usize): void {
  chunkSums(t, threads, x, rows, channels, 0, false, partials);
}

/** Phase 2: mean (into this thread's scratch) and partial sums of squared deviations. */
export function bnSquares(t: i32, threads: i32, x: usize, rows: i32, channels: i32, partials: usize, squares: usize, scratch: usize): void {
  const mean = own(scratch, t, channels);
  combine(partials, chunkCount(rows), channels, <f32>1 / <f32>rows, mean);
  chunkSums(t, threads, x, rows, channels, mean, true, squares);
}

/**
 * Phase 3: y = x·scale + shift (then ReLU), scale = γ/√(σ² + ε), shift = β − μ·scale. Thread 0 also
 * writes μ, σ² and 1/√(σ² + ε) for the backward pass and the moving averages.
 */
export function bnApply(
  t: i32,
  threads: i32,
  x: usize,
  rows: i32,
  channels: i32,
  partials: usize,
  squares: usize,
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
  combine(partials, chunks, channels, <f32>1 / <f32>rows, mean);
  combine(squares, chunks, channels, <f32>1 / <f32>rows, variance);
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
  const from = share(t, threads, chunks);
  const to = share(t + 1, threads, chunks);
  const rowBytes = <usize>channels << 2;
  const zero = f32x4.splat(0);
  for (let j = from; j < to; j++) {
    const o1 = sumDy + <usize>j * rowBytes;
    const o2 = sumDyXhat + <usize>j * rowBytes;
    const r0 = j * CHUNK_ROWS;
    const r1 = min(rows, r0 + CHUNK_ROWS);
    if ((channels & 3) == 0) {
      for (let c = 0; c < channels; c += 4) {
        const o = <usize>c << 2;
        const mu = v128.load(mean + o);
        const inv = v128.load(invStd + o);
        let a1 = zero;
        let a2 = zero;
        const base = <usize>r0 * rowBytes + o;
        for (let r = r0; r < r1; r++) {
          const off = base + <usize>(r - r0) * rowBytes;
          let g = v128.load(dy + off);
          if (relu) g = v128.and(g, f32x4.gt(v128.load(y + off), zero));
          const xh = f32x4.mul(f32x4.sub(v128.load(x + off), mu), inv);
          a1 = f32x4.add(a1, g);
          a2 = f32x4.add(a2, f32x4.mul(g, xh));
        }
        v128.store(o1 + o, a1);
        v128.store(o2 + o, a2);
      }
    } else {
      memory.fill(o1, 0, rowBytes);
      memory.fill(o2, 0, rowBytes);
      for (let r = r0; r < r1; r++) {
        const row = <usize>r * rowBytes;
        for (let c = 0; c < channels; c++) {
          const o = <usize>c << 2;
          let g = load<f32>(dy + row + o);
          if (relu && load<f32>(y + row + o) <= 0) g = 0;
          const xh = (load<f32>(x + row + o) - load<f32>(mean + o)) * load<f32>(invStd + o);
          store<f32>(o1 + o, load<f32>(o1 + o) + g);
          store<f32>(o2 + o, load<f32>(o2 + o) + g * xh);
        }
      }
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
  combine(sumDy, chunks, channels, 1, db);
  combine(sumDyXhat, chunks, channels, 1, dg);
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

/** Bias gradients: out[c] = Σ_rows x[r][c], deterministic like the statistics (two phases). */
export function columnSums(t: i32, threads: i32, x: usize, rows: i32, channels: i32, partials: usize): void {
  chunkSums(t, threads, x, rows, channels, 0, false, partials);
}

export function columnSumsCombine(t: i32, threads: i32, rows: i32, channels: i32, partials: usize, out: usize): void {
  if (t == 0) combine(partials, chunkCount(rows), channels, 1, out);
}
