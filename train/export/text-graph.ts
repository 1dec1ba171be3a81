// The text transformer (train/text/transformer.ts) written directly as an ONNX graph: no converter
// knows our custom layer, and the computation is short enough to state op by op. One input, three
// outputs, both passes of the encoder sharing one set of initializers:
//   ids             float32 [N, L]  token ids, [PAD] = 0 (float32 so every runtime feed is float32;
//                                   ids < 2²⁴ are exact, and the graph casts them to int64)
//   word_logits     [N, L, V]  masked-word head on the ordered pass (positions added)
//   embedding       [N, d]     mean of the ordered pass's token states over non-[PAD] tokens
//   position_logits [N, L, L]  word-order head on the pass with the "position unknown" vector
// Ops: Gather (embeddings), MatMul, Add, Mul, Reshape/Transpose (heads), Softmax, LayerNormalization
// (opset 17), Relu, Equal/Cast/Unsqueeze (padding mask), ReduceSum, Div.
import * as tf from '@tensorflow/tfjs';
import {
  encode,
  LAYER_NORM_EPSILON,
  MASKED_SCORE,
  meanPool,
  positionLogits,
  type TextParams,
  type TextTransformerOptions,
  wordLogits,
} from '../text/transformer';
import { f, OnnxGraph } from './onnx-graph';
import { maxAbsDifference, runOnnx } from './parity';

export const TEXT_OUTPUTS = {
  wordLogits: 'word_logits',
  embedding: 'embedding',
  positionLogits: 'position_logits',
} as const;

const CAST_TO_FLOAT = 1;
const CAST_TO_INT64 = 7;

/** The trained weights as plain arrays, in the order of weightShapes. */
export type TextWeights = Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>;

export function readTextWeights(params: TextParams): TextWeights {
  return Object.fromEntries(
    Object.entries(params).map(([name, t]) => [name, { data: t.dataSync() as Float32Array, shape: t.shape }]),
  );
}

export function textTransformerGraph(weights: TextWeights, o: TextTransformerOptions): Uint8Array {
  const { maxLength: l, dim: d, heads: h } = o;
  const dh = d / h;
  const g = new OnnxGraph('text_transformer');
  const w = (name: string) => {
    const t = weights[name];
    if (!t) throw new Error(`text graph: no weight "${name}"`);
    return g.floats(name, t.shape, t.data);
  };
  const ints = (base: string, values: number[]) => g.ints(base, values);
  const scalar = (base: string, value: number) => g.floats(base, [], [value]);

  const initialisers = new Map<string, string>();
  const shared = (name: string) => {
    if (!initialisers.has(name)) initialisers.set(name, w(name));
    return initialisers.get(name)!;
  };
  const ids = g.input('ids', ['N', l]);
  const isPad = g.op('Cast', [g.op('Equal', [ids, scalar('pad_id', 0)])], { to: CAST_TO_FLOAT });
  const mask = g.op('Unsqueeze', [
    g.op('Mul', [isPad, scalar('masked_score', MASKED_SCORE)]),
    ints('mask_axes', [1, 2]),
  ]);
  const tokens = g.op('Gather', [shared('token_embedding'), g.op('Cast', [ids], { to: CAST_TO_INT64 })], {
    axis: 0,
  });

  const positions = weights['position_embedding']!;
  const ordered = g.floats('positions_ordered', [l, d], positions.data.subarray(0, l * d));
  const unknown = g.floats('position_unknown', [1, d], positions.data.subarray(l * d, (l + 1) * d));

  const dense = (x: string, wName: string, bName: string) =>
    g.op('Add', [g.op('MatMul', [x, shared(wName)]), shared(bName)]);
  const sharedNorm = (x: string, prefix: string) =>
    g.op('LayerNormalization', [x, shared(`${prefix}_gamma`), shared(`${prefix}_beta`)], {
      axis: -1,
      epsilon: f(LAYER_NORM_EPSILON),
    });

  const headsShape = ints('heads_shape', [0, l, h, dh]);
  const mergedShape = ints('merged_shape', [0, l, d]);
  const invSqrtDh = scalar('inv_sqrt_dk', 1 / Math.sqrt(dh));

  const encoder = (x0: string) => {
    let x = x0;
    for (let i = 0; i < o.layers; i++) {
      const p = `layer${i}_`;
      const a = sharedNorm(x, `${p}ln1`);
      const q = g.op(
        'Transpose',
        [g.op('Reshape', [g.op('Mul', [dense(a, `${p}wq`, `${p}bq`), invSqrtDh]), headsShape])],
        { perm: [0, 2, 1, 3] },
      );
      const kT = g.op('Transpose', [g.op('Reshape', [dense(a, `${p}wk`, `${p}bk`), headsShape])], {
        perm: [0, 2, 3, 1],
      });
      const v = g.op('Transpose', [g.op('Reshape', [dense(a, `${p}wv`, `${p}bv`), headsShape])], {
        perm: [0, 2, 1, 3],
      });
      const attention = g.op('Softmax', [g.op('Add', [g.op('MatMul', [q, kT]), mask])], { axis: -1 });
      const context = g.op('Reshape', [
        g.op('Transpose', [g.op('MatMul', [attention, v])], { perm: [0, 2, 1, 3] }),
        mergedShape,
      ]);
      x = g.op('Add', [x, dense(context, `${p}wo`, `${p}bo`)]);
      const hidden = g.op('Relu', [dense(sharedNorm(x, `${p}ln2`), `${p}w1`, `${p}b1`)]);
      x = g.op('Add', [x, dense(hidden, `${p}w2`, `${p}b2`)]);
    }
    return sharedNorm(x, 'final_ln');
  };

  const statesOrdered = encoder(g.op('Add', [tokens, ordered]));
  const statesUnordered = encoder(g.op('Add', [tokens, unknown]));

  const embeddingT = g.op('Transpose', [shared('token_embedding')], { perm: [1, 0] });
  const words = g.op('Add', [g.op('MatMul', [statesOrdered, embeddingT]), shared('word_bias')]);
  g.output(words, TEXT_OUTPUTS.wordLogits, ['N', l, o.vocabSize]);

  const real = g.op('Unsqueeze', [g.op('Sub', [scalar('one', 1), isPad]), ints('real_axes', [2])]);
  const axis1 = ints('pool_axes', [1]);
  const summed = g.op('ReduceSum', [g.op('Mul', [statesOrdered, real]), axis1], { keepdims: 0 });
  const counted = g.op('ReduceSum', [real, axis1], { keepdims: 0 });
  g.output(g.op('Div', [summed, counted]), TEXT_OUTPUTS.embedding, ['N', d]);

  const order = dense(statesUnordered, 'position_w', 'position_b');
  g.output(order, TEXT_OUTPUTS.positionLogits, ['N', l, l]);
  return g.toBytes();
}

/** The three outputs computed by tfjs, as the graph computes them, for ids [N, L]. */
export function textOutputsTfjs(
  params: TextParams,
  o: TextTransformerOptions,
  ids: Int32Array,
): Record<string, Float32Array> {
  return tf.tidy(() => {
    const n = ids.length / o.maxLength;
    const x = tf.tensor2d(ids, [n, o.maxLength], 'int32');
    const states = encode(params, x, o, true);
    const words = wordLogits(params, tf.reshape(states, [n * o.maxLength, o.dim]) as tf.Tensor2D);
    return {
      [TEXT_OUTPUTS.wordLogits]: words.dataSync() as Float32Array,
      [TEXT_OUTPUTS.embedding]: meanPool(states, x).dataSync() as Float32Array,
      [TEXT_OUTPUTS.positionLogits]: positionLogits(
        params,
        encode(params, x, o, false),
      ).dataSync() as Float32Array,
    };
  });
}

/** Largest |tfjs − onnxruntime-node| per output on the same ids. */
export async function textGraphParity(
  params: TextParams,
  o: TextTransformerOptions,
  bytes: Uint8Array,
  ids: Int32Array,
): Promise<{ maxAbsError: number; perOutput: Record<string, number> }> {
  const expected = textOutputsTfjs(params, o, ids);
  const actual = await runOnnx(bytes, {
    ids: { data: Float32Array.from(ids), shape: [ids.length / o.maxLength, o.maxLength] },
  });
  const perOutput: Record<string, number> = {};
  for (const name of Object.values(TEXT_OUTPUTS)) {
    const got = actual[name];
    if (!got) throw new Error(`parity: the text graph has no output "${name}"`);
    perOutput[name] = maxAbsDifference(expected[name]!, got);
  }
  return { maxAbsError: Math.max(...Object.values(perOutput)), perOutput };
}
