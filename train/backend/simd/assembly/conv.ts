// 2-D convolution, NHWC, and its two gradients, as matrix products over the im2col view
// (Chellapilla, Puri & Simard, "High performance convolutional neural networks for document
// processing", 2006): with K = kh·kw·ci and M = batch·oh·ow output pixels,
//   forward   y[M × co]  = im2col(x)[M × K] · W[K × co]
//   filter    dW[K × co] = im2col(x)ᵀ · dy[M × co]
//   input     dx         = col2im(dy[M × co] · Wᵀ[co × K])
// im2col is never materialised whole: the forward pass copies one MC-row block at a time (it then
// sits in L2), the filter gradient reads x through a per-chunk table of row offsets, and the input
// gradient scatters one block of dy·Wᵀ at a time. Padding is explicit (top, left); the bottom and
// right padding follow from the output size.
import {
  blockTiles,
  fma,
  FLAG_ACCUMULATE,
  KC,
  MC,
  MR,
  NR,
  packB,
  sliceFlags,
  sliceLength,
} from './gemm';

/** The geometry of one convolution (all sizes in elements). */
@unmanaged
export class ConvShape {
  batch: i32;
  height: i32;
  width: i32;
  inChannels: i32;
  kernelHeight: i32;
  kernelWidth: i32;
  outChannels: i32;
  strideHeight: i32;
  strideWidth: i32;
  padTop: i32;
  padLeft: i32;
  outHeight: i32;
  outWidth: i32;
  dilationHeight: i32;
  dilationWidth: i32;
}

@inline
function share(t: i32, threads: i32, count: i32): i32 {
  return <i32>((<i64>count * t) / threads);
}

// Short runs (one pixel's channels) are copied inline: memory.copy and memory.fill are calls into
// the runtime, whose fixed cost dominated im2col with a few channels per pixel.
@inline
function copyRun(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

@inline
function zeroRun(dst: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), f32x4.splat(0));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), 0);
}

/** Copies rows [m0, m0 + mc) and columns [k0, k0 + kc) of im2col(x) into a row-major block. */
function im2colBlock(s: ConvShape, x: usize, m0: i32, mc: i32, k0: i32, kc: i32, out: usize): void {
  const ci = s.inChannels;
  const ohw = s.outHeight * s.outWidth;
  let b = m0 / ohw;
  const rest = m0 - b * ohw;
  let oy = rest / s.outWidth;
  let ox = rest - oy * s.outWidth;
  const kEnd = k0 + kc;
  for (let i = 0; i < mc; i++) {
    const iy0 = oy * s.strideHeight - s.padTop;
    const ix0 = ox * s.strideWidth - s.padLeft;
    const image = x + (<usize>(b * s.height * s.width * ci) << 2);
    let dst = out + (<usize>(i * kc) << 2);
    let k = k0;
    let tap = k / ci;
    let c0 = k - tap * ci;
    let ky = tap / s.kernelWidth;
    let kx = tap - ky * s.kernelWidth;
    while (k < kEnd) {
      const run = min(ci - c0, kEnd - k);
      const iy = iy0 + ky * s.dilationHeight;
      const ix = ix0 + kx * s.dilationWidth;
      if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) {
        zeroRun(dst, run);
      } else {
        copyRun(dst, image + (<usize>((iy * s.width + ix) * ci + c0) << 2), run);
      }
      dst += <usize>run << 2;
      k += run;
      c0 = 0;
      if (++kx == s.kernelWidth) {
        kx = 0;
        ky++;
      }
    }
    if (++ox == s.outWidth) {
      ox = 0;
      if (++oy == s.outHeight) {
        oy = 0;
        b++;
      }
    }
  }
}

export function convForwardScratchBytes(s: ConvShape): i32 {
  const panels = (s.outChannels + NR - 1) / NR;
  return (panels * NR * KC + MC * KC + MR * NR) * 4;
}

/** y = conv(x, w) (+ bias, ReLU by flags); this thread's share of the output row blocks. */
export function convForward(
  t: i32,
  threads: i32,
  s: ConvShape,
  x: usize,
  w: usize,
  y: usize,
  flags: i32,
  bias: usize,
  scratch: usize,
): void {
  scratch += <usize>t * <usize>convForwardScratchBytes(s);
  const m = s.batch * s.outHeight * s.outWidth;
  const n = s.outChannels;
  const k = s.kernelHeight * s.kernelWidth * s.inChannels;
  const panels = (n + NR - 1) / NR;
  const bpack = scratch;
  const ablock = bpack + (<usize>(panels * NR * KC) << 2);
  const tile = ablock + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>n << 2;
  const blocks = (m + MC - 1) / MC;
  const from = share(t, threads, blocks);
  const to = share(t + 1, threads, blocks);
  const step = sliceLength(k);
  for (let k0 = 0; k0 < k; k0 += step) {
    const kc = min(step, k - k0);
    const last = k0 + kc >= k;
    packB(w, n, 1, k0, kc, n, bpack);
    for (let blk = from; blk < to; blk++) {
      const m0 = blk * MC;
      const mc = min(MC, m - m0);
      im2colBlock(s, x, m0, mc, k0, kc, ablock);
      blockTiles(ablock, <usize>kc << 2, mc, bpack, kc, 0, panels, n, y + <usize>m0 * ldcBytes, ldcBytes, sliceFlags(flags, k0, last), last ? bias : 0, tile);
    }
  }
}

// ---- filter gradient ------------------------------------------------------------------------

/** Pixels per chunk of the filter gradient: their rows of x and dy stay in L2 across all tiles. */
export const FILTER_CHUNK: i32 = 256;

export function convFilterScratchBytes(s: ConvShape): i32 {
  const taps = s.kernelHeight * s.kernelWidth;
  const panels = (s.outChannels + NR - 1) / NR;
  // row-offset table, packed dy chunk, one zero row of x, and a tile
  return (taps * FILTER_CHUNK + panels * NR * FILTER_CHUNK + s.inChannels + 4 + MR * NR) * 4;
}

/**
 * dW[K × co] (+)= im2col(x)ᵀ · dy over all output pixels, in chunks of FILTER_CHUNK pixels taken in
 * order (so each element's sum has one order whatever the threads). Threads share out the output
 * tiles (4 rows of K × 8 output channels); each reads every chunk.
 */
export function convFilterGrad(
  t: i32,
  threads: i32,
  s: ConvShape,
  x: usize,
  dy: usize,
  dw: usize,
  flags: i32,
  scratch: usize,
): void {
  const ci = s.inChannels;
  const co = s.outChannels;
  const taps = s.kernelHeight * s.kernelWidth;
  const k = taps * ci;
  const m = s.batch * s.outHeight * s.outWidth;
  const ohw = s.outHeight * s.outWidth;
  const groups = (k + MR - 1) / MR;
  const panels = (co + NR - 1) / NR;
  const tiles = groups * panels;
  const from = share(t, threads, tiles);
  const to = share(t + 1, threads, tiles);
  if (from >= to) return;
  scratch += <usize>t * <usize>convFilterScratchBytes(s);
  const table = scratch;
  const dyPack = table + (<usize>(taps * FILTER_CHUNK) << 2);
  const zeroRow = dyPack + (<usize>(panels * NR * FILTER_CHUNK) << 2);
  const tile = zeroRow + (<usize>(ci + 4) << 2);
  memory.fill(zeroRow, 0, <usize>(ci + 4) << 2);
  // The taps of this thread's tiles: rows (tap, channel) of groups from / panels … (to − 1) / panels.
  const tapFrom = ((from / panels) * MR) / ci;
  const tapTo = min(taps, ((((to - 1) / panels) * MR + MR - 1) / ci) + 1);
  const ldw = <usize>co << 2;
  for (let m0 = 0; m0 < m; m0 += FILTER_CHUNK) {
    const mc = min(FILTER_CHUNK, m - m0);
    // Row offsets of x for the taps this thread's tiles read, at every pixel of the chunk (the
    // zero row where padding is read).
    let b = m0 / ohw;
    const rest = m0 - b * ohw;
    let oy = rest / s.outWidth;
    let ox = rest - oy * s.outWidth;
    for (let i = 0; i < mc; i++) {
      const iy0 = oy * s.strideHeight - s.padTop;
      const ix0 = ox * s.strideWidth - s.padLeft;
      const image = x + (<usize>(b * s.height * s.width * ci) << 2);
      for (let tap = tapFrom; tap < tapTo; tap++) {
        const ky = tap / s.kernelWidth;
        const kx = tap - ky * s.kernelWidth;
        const iy = iy0 + ky * s.dilationHeight;
        const ix = ix0 + kx * s.dilationWidth;
        const row = iy < 0 || iy >= s.height || ix < 0 || ix >= s.width ? zeroRow : image + (<usize>((iy * s.width + ix) * ci) << 2);
        store<u32>(table + (<usize>(tap * FILTER_CHUNK + i) << 2), <u32>row);
      }
      if (++ox == s.outWidth) {
        ox = 0;
        if (++oy == s.outHeight) {
          oy = 0;
          b++;
        }
      }
    }
    // dy rows of the chunk: read in place when whole panels fit, else packed as zero-padded
    // panels [panel][pixel][8].
    const direct = (co & (NR - 1)) == 0;
    if (!direct) packB(dy + (<usize>(m0 * co) << 2), co, 1, 0, mc, co, dyPack);
    const first = m0 == 0;
    for (let tix = from; tix < to; tix++) {
      const g = tix / panels;
      const p = tix - g * panels;
      const panel = direct ? dy + (<usize>(m0 * co + p * NR) << 2) : dyPack + (<usize>(p * NR * mc) << 2);
      filterTile(table, ci, k, g * MR, mc, panel, direct ? <usize>co << 2 : 32, dw + <usize>(g * MR) * ldw + (<usize>(p * NR) << 2), ldw, min(MR, k - g * MR), min(NR, co - p * NR), first ? flags & FLAG_ACCUMULATE : FLAG_ACCUMULATE, tile);
    }
  }
}

/** One 4 × 8 tile of dW over one chunk: rows k0..k0+3 of im2col(x)ᵀ against 8 columns of dy. */
function filterTile(
  table: usize,
  ci: i32,
  k: i32,
  k0: i32,
  mc: i32,
  bp: usize,
  bstride: usize,
  c: usize,
  ldc: usize,
  rows: i32,
  cols: i32,
  flags: i32,
  tile: usize,
): void {
  // Each of the 4 rows is (tap, channel): its value at pixel i is table[tap][i] + 4·channel.
  const k1 = min(k0 + 1, k - 1);
  const k2 = min(k0 + 2, k - 1);
  const k3 = min(k0 + 3, k - 1);
  const t0 = table + (<usize>((k0 / ci) * FILTER_CHUNK) << 2);
  const t1 = table + (<usize>((k1 / ci) * FILTER_CHUNK) << 2);
  const t2 = table + (<usize>((k2 / ci) * FILTER_CHUNK) << 2);
  const t3 = table + (<usize>((k3 / ci) * FILTER_CHUNK) << 2);
  const o0 = <usize>(k0 % ci) << 2;
  const o1 = <usize>(k1 % ci) << 2;
  const o2 = <usize>(k2 % ci) << 2;
  const o3 = <usize>(k3 % ci) << 2;
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let p = bp;
  if (t0 == t3) {
    // The common case (ci a multiple of 4): one tap, four consecutive channels.
    for (let i = 0; i < mc; i++) {
      const row = <usize>load<u32>(t0 + (<usize>i << 2)) + o0;
      const b0 = v128.load(p);
      const b1 = v128.load(p, 16);
      let a = v128.load32_splat(row);
      c00 = fma(a, b0, c00);
      c01 = fma(a, b1, c01);
      a = v128.load32_splat(row + 4);
      c10 = fma(a, b0, c10);
      c11 = fma(a, b1, c11);
      a = v128.load32_splat(row + 8);
      c20 = fma(a, b0, c20);
      c21 = fma(a, b1, c21);
      a = v128.load32_splat(row + 12);
      c30 = fma(a, b0, c30);
      c31 = fma(a, b1, c31);
      p += bstride;
    }
  } else {
    for (let i = 0; i < mc; i++) {
      const io = <usize>i << 2;
      const b0 = v128.load(p);
      const b1 = v128.load(p, 16);
      let a = v128.load32_splat(<usize>load<u32>(t0 + io) + o0);
      c00 = fma(a, b0, c00);
      c01 = fma(a, b1, c01);
      a = v128.load32_splat(<usize>load<u32>(t1 + io) + o1);
      c10 = fma(a, b0, c10);
      c11 = fma(a, b1, c11);
      a = v128.load32_splat(<usize>load<u32>(t2 + io) + o2);
      c20 = fma(a, b0, c20);
      c21 = fma(a, b1, c21);
      a = v128.load32_splat(<usize>load<u32>(t3 + io) + o3);
      c30 = fma(a, b0, c30);
      c31 = fma(a, b1, c31);
      p += bstride;
    }
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const dst = c + <usize>r * ldc;
    const src = tile + (<usize>(r * NR) << 2);
    if (cols == NR) {
      let v0 = v128.load(src);
      let v1 = v128.load(src, 16);
      if (flags & FLAG_ACCUMULATE) {
        v0 = f32x4.add(v0, v128.load(dst));
        v1 = f32x4.add(v1, v128.load(dst, 16));
      }
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
    } else {
      for (let j = 0; j < cols; j++) {
        const o = <usize>j << 2;
        let v = load<f32>(src + o);
        if (flags & FLAG_ACCUMULATE) v += load<f32>(dst + o);
        store<f32>(dst + o, v);
      }
    }
  }
}

// ---- input gradient -------------------------------------------------------------------------

export function convInputScratchBytes(s: ConvShape): i32 {
  const k = s.kernelHeight * s.kernelWidth * s.inChannels;
  const panels = (k + NR - 1) / NR;
  // Wᵀ packed whole (reduction over co), one block of dy·Wᵀ, and a tile
  return (panels * NR * s.outChannels + MC * panels * NR + MR * NR) * 4;
}

/**
 * dx = col2im(dy · Wᵀ) (accumulating into dx when FLAG_ACCUMULATE). Threads share out whole
 * images, so the scatter of one image never meets another thread's.
 */
export function convInputGrad(
  t: i32,
  threads: i32,
  s: ConvShape,
  dy: usize,
  w: usize,
  dx: usize,
  flags: i32,
  scratch: usize,
): void {
  const ci = s.inChannels;
  const co = s.outChannels;
  const taps = s.kernelHeight * s.kernelWidth;
  const k = taps * ci;
  const panels = (k + NR - 1) / NR;
  const ohw = s.outHeight * s.outWidth;
  const imageFloats = s.height * s.width * ci;
  const from = share(t, threads, s.batch);
  const to = share(t + 1, threads, s.batch);
  if (from >= to) return;
  scratch += <usize>t * <usize>convInputScratchBytes(s);
  const bpack = scratch;
  const cblock = bpack + (<usize>(panels * NR * co) << 2);
  const tile = cblock + (<usize>(MC * panels * NR) << 2);
  const ldcBytes = <usize>(panels * NR) << 2;
  // B(k = output channel, n = (tap, input channel)) = W[n][k]
  packB(w, 1, co, 0, co, k, bpack);
  if ((flags & FLAG_ACCUMULATE) == 0) memory.fill(dx + (<usize>(from * imageFloats) << 2), 0, <usize>((to - from) * imageFloats) << 2);
  for (let b = from; b < to; b++) {
    const image = dx + (<usize>(b * imageFloats) << 2);
    for (let r0 = 0; r0 < ohw; r0 += MC) {
      const mc = min(MC, ohw - r0);
      const a = dy + (<usize>((b * ohw + r0) * co) << 2);
      blockTiles(a, <usize>co << 2, mc, bpack, co, 0, panels, k, cblock, ldcBytes, 0, 0, tile);
      // Scatter-add each row of the block to the input pixels its taps read.
      for (let i = 0; i < mc; i++) {
        const rest = r0 + i;
        const oy = rest / s.outWidth;
        const ox = rest - oy * s.outWidth;
        const iy0 = oy * s.strideHeight - s.padTop;
        const ix0 = ox * s.strideWidth - s.padLeft;
        const row = cblock + <usize>i * ldcBytes;
        for (let tap = 0; tap < taps; tap++) {
          const ky = tap / s.kernelWidth;
          const kx = tap - ky * s.kernelWidth;
          const iy = iy0 + ky * s.dilationHeight;
          const ix = ix0 + kx * s.dilationWidth;
          if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
          addRun(image + (<usize>((iy * s.width + ix) * ci) << 2), row + (<usize>(tap * ci) << 2), ci);
        }
      }
    }
  }
}

/** dst[0..n) += src[0..n) */
@inline
function addRun(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
