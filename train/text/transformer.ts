// A small transformer encoder (Vaswani et al. 2017, "Attention is all you need", §3; pre-layer-norm
// as in Xiong et al. 2020, which trains stably without warm-up tricks) with two pretext heads:
//   masked-word prediction (BERT, Devlin et al. 2019): tied output layer  logits = h·Eᵀ + b
//   word-order recovery: each token's original position  logits = h·W_pos + b_pos
// tfjs layers has no attention layer, so the encoder is written with tfjs ops over the weights of one
// custom layer (registered by className, so the model can be checkpointed like any LayersModel).
// train/export/text-graph.ts writes the same computation as an ONNX graph.
//
// Positions: the ordered pass adds a learned position vector per slot (0 … L−1). The word-order pass
// must not see where a word was, so every token gets one learned "position unknown" vector (row L of
// the table) instead: the encoder is then permutation-equivariant, and the shuffled order the
// client sent cannot leak into the answer.
import * as tf from '@tensorflow/tfjs';

export interface TextTransformerOptions {
  vocabSize: number;
  /** L: tokens per sentence (padded with [PAD] = id 0). */
  maxLength: number;
  /** d: width of the token states. */
  dim: number;
  heads: number;
  layers: number;
  /** Width of each block's feed-forward layer (4d in the paper). */
  ffnDim: number;
  seed: number;
}

/** Additive attention mask for [PAD] keys: exp(−1e9 − max) is exactly 0 in float32. */
export const MASKED_SCORE = -1e9;
/** ε of every layer normalisation (ONNX LayerNormalization's default too). */
export const LAYER_NORM_EPSILON = 1e-5;

/** The weights of the encoder and both heads, by name, in one fixed order (checkpoint and export). */
export function weightShapes(o: TextTransformerOptions): [string, number[]][] {
  const { vocabSize: v, maxLength: l, dim: d, ffnDim: f } = o;
  const shapes: [string, number[]][] = [
    ['token_embedding', [v, d]],
    ['position_embedding', [l + 1, d]],
  ];
  for (let i = 0; i < o.layers; i++) {
    const p = `layer${i}_`;
    shapes.push(
      [`${p}ln1_gamma`, [d]],
      [`${p}ln1_beta`, [d]],
      [`${p}wq`, [d, d]],
      [`${p}bq`, [d]],
      [`${p}wk`, [d, d]],
      [`${p}bk`, [d]],
      [`${p}wv`, [d, d]],
      [`${p}bv`, [d]],
      [`${p}wo`, [d, d]],
      [`${p}bo`, [d]],
      [`${p}ln2_gamma`, [d]],
      [`${p}ln2_beta`, [d]],
      [`${p}w1`, [d, f]],
      [`${p}b1`, [f]],
      [`${p}w2`, [f, d]],
      [`${p}b2`, [d]],
    );
  }
  shapes.push(
    ['final_ln_gamma', [d]],
    ['final_ln_beta', [d]],
    ['word_bias', [v]],
    ['position_w', [d, l]],
    ['position_b', [l]],
  );
  return shapes;
}

function initializerFor(name: string, seed: number) {
  if (name.endsWith('_gamma')) return tf.initializers.ones();
  if (name.endsWith('_embedding')) return tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed });
  if (/(^|_)(w[qkvo12]|position_w)$/.test(name)) return tf.initializers.glorotUniform({ seed });
  return tf.initializers.zeros();
}

export type TextParams = Readonly<Record<string, tf.Tensor>>;

/** Holds every weight; `call` is the ordered pass's sentence embedding (what model.predict returns). */
export class TextTransformerWeights extends tf.layers.Layer {
  static className = 'TextTransformerWeights';
  readonly options: TextTransformerOptions;

  constructor(options: TextTransformerOptions & { name?: string }) {
    super({ name: options.name ?? 'text_transformer' });
    this.options = options;
  }

  override build(): void {
    weightShapes(this.options).forEach(([name, shape], i) => {
      this.addWeight(name, shape, 'float32', initializerFor(name, this.options.seed * 1000 + i));
    });
    this.built = true;
  }

  params(): TextParams {
    return Object.fromEntries(this.weights.map((w) => [w.originalName.split('/').pop()!, w.read()]));
  }

  override computeOutputShape(inputShape: tf.Shape): tf.Shape {
    return [inputShape[0] ?? null, this.options.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, 'int32') as tf.Tensor2D;
      return meanPool(encode(this.params(), ids, this.options, true), ids);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.options };
  }
}
tf.serialization.registerClass(TextTransformerWeights);

/** The encoder as a LayersModel (float32 ids [N, L] → embedding [N, d]) and its weights layer. */
export function buildTextTransformer(options: TextTransformerOptions): {
  model: tf.LayersModel;
  layer: TextTransformerWeights;
} {
  const layer = new TextTransformerWeights(options);
  const input = tf.input({ shape: [options.maxLength], name: 'ids' });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  return { model, layer };
}

/**
 * Rows table[ids] (any shape of ids) whose gradient is a scatter-add: tfjs's Gather gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks, while its ScatterNd sums repeated rows.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedIds] = saved as [tf.Tensor];
        const [rows, width] = table.shape;
        const flatIds = tf.reshape(savedIds, [-1, 1]);
        const grad = tf.scatterND(flatIds, tf.reshape(dy, [-1, width]), [rows, width]);
        return [grad, tf.zerosLike(savedIds)];
      },
    };
  });
  return lookup(table, ids);
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta);
}

/** x [N, L, a] · w [a, b] + bias → [N, L, b]. */
function dense(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [n, l, a] = x.shape as [number, number, number];
  return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [n * l, a]), w as tf.Tensor2D), bias), [n, l, -1]);
}

function multiHeadAttention(
  x: tf.Tensor,
  p: TextParams,
  prefix: string,
  mask: tf.Tensor,
  heads: number,
): tf.Tensor {
  const [n, l, d] = x.shape as [number, number, number];
  const dh = d / heads;
  // [N, L, d] → [N·H, L, d/H]: one batch of attention problems per (sentence, head).
  const split = (t: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(t, [n, l, heads, dh]), [0, 2, 1, 3]), [n * heads, l, dh]);
  const q = tf.mul(split(dense(x, p[`${prefix}wq`]!, p[`${prefix}bq`]!)), 1 / Math.sqrt(dh));
  const k = split(dense(x, p[`${prefix}wk`]!, p[`${prefix}bk`]!));
  const v = split(dense(x, p[`${prefix}wv`]!, p[`${prefix}bv`]!));
  // softmax(Q·Kᵀ/√d_k + mask)·V (Vaswani et al. 2017, eq. 1); q is already scaled by 1/√d_k.
  const scores = tf.add(tf.reshape(tf.matMul(q, k, false, true), [n, heads, l, l]), mask);
  const attention = tf.reshape(tf.softmax(scores), [n * heads, l, l]);
  const context = tf.reshape(
    tf.transpose(tf.reshape(tf.matMul(attention, v), [n, heads, l, dh]), [0, 2, 1, 3]),
    [n, l, d],
  );
  return dense(context, p[`${prefix}wo`]!, p[`${prefix}bo`]!);
}

/**
 * Token states [N, L, d] of int32 ids [N, L]. `ordered`: add each slot's position vector (masked-word
 * pass, embeddings); otherwise the shared "position unknown" vector (word-order pass).
 */
export function encode(
  p: TextParams,
  ids: tf.Tensor2D,
  o: TextTransformerOptions,
  ordered: boolean,
): tf.Tensor3D {
  const [n, l] = ids.shape;
  const positions = ordered
    ? tf.slice(p['position_embedding']!, [0, 0], [l, o.dim])
    : tf.slice(p['position_embedding']!, [o.maxLength, 0], [1, o.dim]);
  const isPad = tf.cast(tf.equal(ids, 0), 'float32');
  const mask = tf.reshape(tf.mul(isPad, MASKED_SCORE), [n, 1, 1, l]);
  let x = tf.add(gatherRows(p['token_embedding'] as tf.Tensor2D, ids), positions);
  for (let i = 0; i < o.layers; i++) {
    const prefix = `layer${i}_`;
    const attended = multiHeadAttention(
      layerNorm(x, p[`${prefix}ln1_gamma`]!, p[`${prefix}ln1_beta`]!),
      p,
      prefix,
      mask,
      o.heads,
    );
    x = tf.add(x, attended);
    const h = layerNorm(x, p[`${prefix}ln2_gamma`]!, p[`${prefix}ln2_beta`]!);
    x = tf.add(
      x,
      dense(tf.relu(dense(h, p[`${prefix}w1`]!, p[`${prefix}b1`]!)), p[`${prefix}w2`]!, p[`${prefix}b2`]!),
    );
  }
  return layerNorm(x, p['final_ln_gamma']!, p['final_ln_beta']!) as tf.Tensor3D;
}

/** Masked-word head on token states [M, d] → logits over the vocabulary [M, V] (tied to the embedding). */
export function wordLogits(p: TextParams, states: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(states, p['token_embedding'] as tf.Tensor2D, false, true), p['word_bias']!);
}

/** Word-order head: token states [N, L, d] → logits over original positions [N, L, L]. */
export function positionLogits(p: TextParams, states: tf.Tensor3D): tf.Tensor3D {
  return dense(states, p['position_w']!, p['position_b']!) as tf.Tensor3D;
}

/** Sentence embedding: the mean of the token states over the non-[PAD] tokens, [N, d]. */
export function meanPool(states: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  const real = tf.expandDims(tf.cast(tf.notEqual(ids, 0), 'float32'), 2);
  return tf.div(tf.sum(tf.mul(states, real), 1), tf.sum(real, 1)) as tf.Tensor2D;
}
