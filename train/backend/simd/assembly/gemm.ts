// Single-precision matrix multiplication C = A·B (+ C) (+ bias, ReLU) on WebAssembly SIMD, the core
// of every training kernel here. AssemblyScript, compiled by `npm run build:kernels`.
//
// The structure is the classic one of Goto & van de Geijn ("Anatomy of high-performance matrix
// multiplication", ACM TOMS 2008): B is packed into panels of NR = 8 columns per KC-long slice of
// the reduction, A is read in blocks of MC rows that stay in the L2 cache, and a 4 × 8 register
// tile (8 accumulators of 4 lanes) does the arithmetic. On this project's 2-core training machines
// the tile reaches 35–43 GFLOP/s per core with relaxed-SIMD fused multiply-add (measured by
// `npm run bench:train -- --kernels`), against 16–18 GFLOP/s for the wasm backend's convolutions.
//
// Every element of C is a sum over k taken in the same order whatever the thread count, so a
// result never depends on how the work was split: threads share out whole row blocks or whole
// column panels, never a reduction.

export const MR: i32 = 4;
export const NR: i32 = 8;
export const MC: i32 = 64;
export const KC: i32 = 512;

/** Length of each K slice: as few slices as KC allows, of equal length (no short last slice). */
@inline
export function sliceLength(k: i32): i32 {
  const slices = (k + KC - 1) / KC;
  return (k + slices - 1) / slices;
}

export const FLAG_ACCUMULATE: i32 = 1;
export const FLAG_RELU: i32 = 2;

@inline
export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Packs B(k, n) = B[k·sbk + n·sbn] for k in [k0, k0 + kc) into panels [⌈n/8⌉][kc][8], zero-padded. */
export function packB(b: usize, sbk: i32, sbn: i32, k0: i32, kc: i32, n: i32, out: usize): void {
  for (let n0 = 0; n0 < n; n0 += NR) {
    const width = min(NR, n - n0);
    if (width == NR && sbn == 1) {
      for (let k = 0; k < kc; k++) {
        const src = b + ((<usize>(k0 + k) * sbk + n0) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        out += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const row = b + (<usize>(k0 + k) * sbk << 2);
        for (let j = 0; j < NR; j++) {
          store<f32>(out + (<usize>j << 2), j < width ? load<f32>(row + (<usize>((n0 + j) * sbn) << 2)) : 0);
        }
        out += 32;
      }
    }
  }
}

/** Copies A(m, k) = A[m·sam + k·sak] for m in [m0, m0 + mc), k in [k0, k0 + kc) to a row-major block. */
export function packA(a: usize, sam: i32, sak: i32, m0: i32, mc: i32, k0: i32, kc: i32, out: usize): void {
  if (sak == 1) {
    for (let i = 0; i < mc; i++) memory.copy(out + (<usize>(i * kc) << 2), a + (<usize>((m0 + i) * sam + k0) << 2), <usize>kc << 2);
    return;
  }
  // Transposed: walk A's rows (fixed k) so the reads are contiguous.
  for (let k = 0; k < kc; k++) {
    const src = a + (<usize>((k0 + k) * sak + m0 * sam) << 2);
    for (let i = 0; i < mc; i++) store<f32>(out + (<usize>(i * kc + k) << 2), load<f32>(src + (<usize>(i * sam) << 2)));
  }
}

/**
 * The 4 × 8 tile: C[r][0..8) (+)= Σ_k A[r][k] · Bp[k][0..8) for r < rows, columns < cols.
 * `a` points at row 0 of a row-major block with row stride lda (bytes); rows beyond `rows` repeat
 * the last valid row (their results are discarded). `tile` is 32 floats of scratch for partial tiles.
 */
// @ts-ignore: decorator
@inline
export function tile4x8(
  a: usize,
  lda: usize,
  rows: i32,
  bp: usize,
  kc: i32,
  c: usize,
  ldc: usize,
  cols: i32,
  flags: i32,
  bias: usize,
  tile: usize,
): void {
  const a0 = a;
  const a1 = rows > 1 ? a0 + lda : a0;
  const a2 = rows > 2 ? a1 + lda : a1;
  const a3 = rows > 3 ? a2 + lda : a2;
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let p = bp;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    const ko = <usize>k << 2;
    let x = v128.load32_splat(a0 + ko);
    c00 = fma(x, b0, c00);
    c01 = fma(x, b1, c01);
    x = v128.load32_splat(a1 + ko);
    c10 = fma(x, b0, c10);
    c11 = fma(x, b1, c11);
    x = v128.load32_splat(a2 + ko);
    c20 = fma(x, b0, c20);
    c21 = fma(x, b1, c21);
    x = v128.load32_splat(a3 + ko);
    c30 = fma(x, b0, c30);
    c31 = fma(x, b1, c31);
    p += 32;
  }
  if (rows == MR && cols == NR && bias == 0 && (flags & FLAG_RELU) == 0) {
    if (flags & FLAG_ACCUMULATE) {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + ldc));
      c11 = f32x4.add(c11, v128.load(c + ldc, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
      c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
      c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + ldc, c10);
    v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30);
    v128.store(c + 3 * ldc, c31, 16);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  finishTile(tile, rows, cols, c, ldc, flags, bias);
}

/** Adds / stores the valid part of a tile, then the bias and the ReLU (on the last K slice only). */
export function finishTile(tile: usize, rows: i32, cols: i32, c: usize, ldc: usize, flags: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const dst = c + <usize>r * ldc;
    const src = tile + (<usize>(r * NR) << 2);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(src + o);
      if (flags & FLAG_ACCUMULATE) v += load<f32>(dst + o);
      if (bias != 0) v += load<f32>(bias + o);
      if (flags & FLAG_RELU) v = max<f32>(v, 0);
      store<f32>(dst + o, v);
    }
  }
}

/** Bytes of scratch one thread needs for `gemm` with this N (packed B slice + A block + tile). */
export function gemmScratchBytes(n: i32): i32 {
  const panels = (n + NR - 1) / NR;
  return (panels * NR * KC + MC * KC + MR * NR) * 4;
}

/**
 * The tiles of one A block (mc rows, row stride lda bytes, kc columns) against the packed B slice,
 * for column panels [pBegin, pEnd); C rows start at c.
 */
export function blockTiles(
  ab: usize,
  lda: usize,
  mc: i32,
  bpack: usize,
  kc: i32,
  pBegin: i32,
  pEnd: i32,
  n: i32,
  c: usize,
  ldcBytes: usize,
  flags: i32,
  bias: usize,
  tile: usize,
): void {
  for (let p = pBegin; p < pEnd; p++) {
    const n0 = p * NR;
    const cols = min(NR, n - n0);
    const bp = bpack + (<usize>(p * NR * kc) << 2);
    const pbias: usize = bias == 0 ? 0 : bias + (<usize>n0 << 2);
    for (let i = 0; i < mc; i += MR) {
      tile4x8(ab + <usize>i * lda, lda, min(MR, mc - i), bp, kc, c + <usize>i * ldcBytes + (<usize>n0 << 2), ldcBytes, cols, flags, pbias, tile);
    }
  }
}

/** The flags of one K slice: the first stores (or accumulates), the last adds bias and ReLU. */
@inline
export function sliceFlags(flags: i32, k0: i32, last: bool): i32 {
  return (k0 > 0 ? FLAG_ACCUMULATE : flags & FLAG_ACCUMULATE) | (last ? flags & FLAG_RELU : 0);
}

/**
 * C = A·B over rows [mBegin, mEnd) and column panels [pBegin, pEnd) of C, in KC slices:
 * the first slice stores (or accumulates when FLAG_ACCUMULATE), later ones accumulate; the bias
 * and FLAG_RELU apply to the last slice. A(m,k) = A[m·sam + k·sak], B(k,n) = B[k·sbk + n·sbn].
 */
export function gemmRange(
  mBegin: i32,
  mEnd: i32,
  pBegin: i32,
  pEnd: i32,
  n: i32,
  k: i32,
  a: usize,
  sam: i32,
  sak: i32,
  b: usize,
  sbk: i32,
  sbn: i32,
  c: usize,
  ldc: i32,
  flags: i32,
  bias: usize,
  scratch: usize,
): void {
  const panels = (n + NR - 1) / NR;
  const bpack = scratch;
  const ablock = bpack + (<usize>(panels * NR * KC) << 2);
  const tile = ablock + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>ldc << 2;
  const step = sliceLength(k);
  for (let k0 = 0; k0 < k; k0 += step) {
    const kc = min(step, k - k0);
    const last = k0 + kc >= k;
    // Only this thread's panels are packed (at the offsets they have in the full packing).
    const nFrom = pBegin * NR;
    const nTo = min(n, pEnd * NR);
    packB(b + (<usize>(nFrom * sbn) << 2), sbk, sbn, k0, kc, nTo - nFrom, bpack + (<usize>(pBegin * NR * kc) << 2));
    for (let m0 = mBegin; m0 < mEnd; m0 += MC) {
      const mc = min(MC, mEnd - m0);
      let ab = ablock;
      let lda = <usize>kc << 2;
      if (sak == 1) {
        ab = a + (<usize>(m0 * sam + k0) << 2);
        lda = <usize>sam << 2;
      } else {
        packA(a, sam, sak, m0, mc, k0, kc, ablock);
      }
      blockTiles(ab, lda, mc, bpack, kc, pBegin, pEnd, n, c + <usize>m0 * ldcBytes, ldcBytes, sliceFlags(flags, k0, last), last ? bias : 0, tile);
    }
  }
}

/**
 * One thread's share of C[m×n] = A·B: whole MC-row blocks when there are enough of them, whole
 * column panels otherwise. `scratch` holds gemmScratchBytes(n) bytes for each thread.
 */
export function gemm(
  t: i32,
  threads: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  sam: i32,
  sak: i32,
  b: usize,
  sbk: i32,
  sbn: i32,
  c: usize,
  ldc: i32,
  flags: i32,
  bias: usize,
  scratch: usize,
): void {
  scratch += <usize>t * <usize>gemmScratchBytes(n);
  const blocks = (m + MC - 1) / MC;
  const panels = (n + NR - 1) / NR;
  if (blocks >= 2 * threads || panels < threads) {
    const from = (blocks * t) / threads;
    const to = (blocks * (t + 1)) / threads;
    if (from < to) gemmRange(from * MC, min(m, to * MC), 0, panels, n, k, a, sam, sak, b, sbk, sbn, c, ldc, flags, bias, scratch);
  } else {
    const from = (panels * t) / threads;
    const to = (panels * (t + 1)) / threads;
    if (from < to) gemmRange(0, m, from, to, n, k, a, sam, sak, b, sbk, sbn, c, ldc, flags, bias, scratch);
  }
}
