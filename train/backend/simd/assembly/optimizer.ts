// Adam (Kingma & Ba 2015, Algorithm 1) over every trained variable in one pass, written as tfjs's
// AdamOptimizer writes it, so the two agree to rounding:
//   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  w ← w − lr · (m / c₁) / (√(v / c₂) + ε)
// with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ and 1 − β computed by the caller (in float64, as the tfjs-ops
// path does, so that both paths round alike). `table` holds one entry of five
// u32 per variable: w, g, m, v (addresses) and its element count. Threads take equal shares of
// every variable; each element is updated by exactly one thread.

@inline
function share(t: i32, threads: i32, count: i32): i32 {
  return <i32>((<i64>count * t) / threads);
}

export function adamUpdate(
  t: i32,
  threads: i32,
  table: usize,
  variables: i32,
  learningRate: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  epsilon: f32,
  c1: f32,
  c2: f32,
): void {
  const vb1 = f32x4.splat(beta1);
  const vb2 = f32x4.splat(beta2);
  const vg1 = f32x4.splat(oneMinusBeta1);
  const vg2 = f32x4.splat(oneMinusBeta2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(epsilon);
  const vlr = f32x4.splat(-learningRate);
  for (let i = 0; i < variables; i++) {
    const e = table + <usize>(i * 20);
    const w = <usize>load<u32>(e);
    const g = <usize>load<u32>(e, 4);
    const m = <usize>load<u32>(e, 8);
    const v = <usize>load<u32>(e, 12);
    const n = <i32>load<u32>(e, 16);
    // Shares in whole vectors, so that only the last thread has a scalar tail.
    const vectors = n >> 2;
    const from = share(t, threads, vectors) << 2;
    const to = t == threads - 1 ? n : share(t + 1, threads, vectors) << 2;
    let j = from;
    for (; j + 4 <= to; j += 4) {
      const o = <usize>j << 2;
      const gj = v128.load(g + o);
      const mj = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gj, vg1));
      const vj = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gj, gj), vg2));
      v128.store(m + o, mj);
      v128.store(v + o, vj);
      const step = f32x4.div(f32x4.div(mj, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vj, vc2)), veps));
      v128.store(w + o, f32x4.add(f32x4.mul(step, vlr), v128.load(w + o)));
    }
    for (; j < to; j++) {
      const o = <usize>j << 2;
      const gj = load<f32>(g + o);
      const mj = load<f32>(m + o) * beta1 + gj * oneMinusBeta1;
      const vj = load<f32>(v + o) * beta2 + gj * gj * oneMinusBeta2;
      store<f32>(m + o, mj);
      store<f32>(v + o, vj);
      const step = mj / c1 / (Mathf.sqrt(vj / c2) + epsilon);
      store<f32>(w + o, step * -learningRate + load<f32>(w + o));
    }
  }
}
