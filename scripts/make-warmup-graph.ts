// The warm-up graph (worker/runtime/warmup.onnx): a tiny model the worker runs once when its isolate
// starts. V8 compiles onnxruntime-web's wasm functions lazily, on first use, so without it the first
// request pays for compiling kernel registration, session creation and every op kernel its model
// needs. This graph holds at least one node of every op type in the committed models (models/*/*.onnx),
// arranged as those models arrange them, so that ORT's optimiser makes the same fused kernels of them
// (Conv+BatchNormalization+Relu → FusedConv, Gemm+Relu/Sigmoid → FusedGemm, Add+LayerNormalization →
// SkipLayerNormalization), with tiny channel counts and weights from a fixed formula, no randomness.
// Every branch ends in a graph output, since ORT's optimiser drops nodes that reach none.
// test/scripts/warmup-graph.test.ts checks that the committed file is what this script writes, that it
// covers every op type (and, after ORT's fusions, every kernel) of the committed models, and that it
// runs in onnxruntime-node and onnxruntime-web.
//
// Regenerate after adding or retraining a model (deterministic: the same code writes the same bytes):
//   npm run models:warmup          (tsx scripts/make-warmup-graph.ts)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import { TensorProto_DataType as DataType, ModelProtoSchema } from 'onnx-buf';
import { type ElemType, f, OnnxGraph } from '../train/export/onnx-graph';
import { EditableGraph } from '../train/export/quantize/editable-graph';
import {
  activationsToQuantize,
  applyQdq,
  DEFAULT_QUANTIZE_OPTIONS,
  quantizableLayers,
} from '../train/export/quantize/qdq';
import { IMAGE_PIXELS as PIXELS } from '../worker/contract/image';
import { REPO_ROOT } from './bundle-models';

export const WARMUP_PATH = join(REPO_ROOT, 'worker/runtime/warmup.onnx');
export const WARMUP_INPUT = 'input';

/** Tiny sizes: channels, embedding width, k-means clusters, and the text model's shape. */
const C = 2;
const EMBED = 2;
const CLASSES = 4;
const CLUSTERS = 3;
const TOKENS = 8;
const VOCAB = 8;
const TEXT_DIM = 4;
const HEADS = 2;

/** The outputs and their shapes after the batch dimension N. */
export const WARMUP_OUTPUTS: Readonly<Record<string, { shape: readonly number[]; elem: ElemType }>> = {
  probabilities: { shape: [CLASSES], elem: 'float32' }, // RotNet / jigsaw / probe / SimCLR
  embedding: { shape: [EMBED], elem: 'float32' }, // convolutional autoencoder, encoder
  reconstruction: { shape: [PIXELS], elem: 'float32' }, // convolutional autoencoder, decoder
  decoded: { shape: [EMBED], elem: 'float32' }, // MLP autoencoders / VAE generator (Gemm → Sigmoid)
  projected: { shape: [EMBED], elem: 'float32' }, // PCA ((x − μ)V + μ)
  distances: { shape: [CLUSTERS], elem: 'float32' }, // k-means
  cluster: { shape: [], elem: 'int64' }, // k-means
  word_logits: { shape: [TOKENS, VOCAB], elem: 'float32' }, // text transformer
  text_embedding: { shape: [TEXT_DIM], elem: 'float32' }, // text transformer, mean pool
  q8_features: { shape: [EMBED], elem: 'float32' }, // int8 variants (npm run models:quantize): conv, dense
  q8_projected: { shape: [EMBED], elem: 'float32' }, // int8 variants: MatMul → MatMul (PCA)
};

/** The prefix of the branch that scripts/make-warmup-graph.ts quantizes as models:quantize would. */
const Q8 = 'q8_';

/**
 * `count` small deterministic weights in [−0.8·scale, 1.2·scale]: a fixed integer pattern (exact in
 * float32 and identical on every machine, unlike Math.sin), varied by `seed` so no two tensors are
 * equal, and positive on average so that activations survive the Relus.
 */
function pattern(count: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => ((((i * 7 + seed * 13) % 11) - 4) / 5) * scale);
}

/** Stores each weight tensor it is asked for in `g`, filled by `pattern` with the next seed. */
function weightMaker(g: OnnxGraph, firstSeed: number) {
  let seed = firstSeed;
  return (base: string, dims: readonly number[], scale = 0.5): string => {
    const count = dims.reduce((a, b) => a * b, 1);
    return g.floats(base, dims, pattern(count, ++seed, scale));
  };
}

/** Conv / ConvTranspose attributes as the layers exporter writes them (3×3, tfjs "same" padding). */
const convAttrs = (stride: 1 | 2) => ({
  kernel_shape: [3, 3],
  strides: [stride, stride],
  dilations: [1, 1],
  pads: stride === 1 ? [1, 1, 1, 1] : [0, 0, 1, 1],
});

/** Appends the image branches: RotNet-style classifier, convolutional autoencoder, MLP, PCA, k-means. */
function appendImageBranches(g: OnnxGraph, x: string): void {
  const w = weightMaker(g, 0);
  const output = (value: string, name: string) => {
    const o = WARMUP_OUTPUTS[name]!;
    g.output(value, name, ['N', ...o.shape], o.elem);
  };

  // [N, 784] → NHWC [N, 28, 28, 1] → NCHW, as every convolutional model starts.
  const nhwc = g.op('Reshape', [x, g.ints('image_shape', [0, 28, 28, 1])]);
  const image = g.op('Transpose', [nhwc], { perm: [0, 3, 1, 2] });

  // RotNet / probe: Conv (no bias) → BatchNormalization → Relu, stride 1 then 2, then
  // GlobalAveragePool → Flatten → Gemm → Relu → Gemm → Softmax.
  const batchNorm = (v: string, name: string) =>
    g.op(
      'BatchNormalization',
      [
        v,
        g.floats(`${name}_gamma`, [C], [1, 0.5]),
        g.floats(`${name}_beta`, [C], [0.1, -0.1]),
        g.floats(`${name}_mean`, [C], [0.05, -0.05]),
        g.floats(`${name}_var`, [C], [1, 2]),
      ],
      { epsilon: f(1e-3) },
    );
  const b1 = g.op('Relu', [
    batchNorm(g.op('Conv', [image, w('bn_conv1_w', [C, 1, 3, 3])], convAttrs(1)), 'bn1'),
  ]);
  const b2 = g.op('Relu', [
    batchNorm(g.op('Conv', [b1, w('bn_conv2_w', [C, C, 3, 3])], convAttrs(2)), 'bn2'),
  ]);
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [b2])], { axis: 1 });
  const representation = g.op('Relu', [
    g.op('Gemm', [pooled, w('representation_w', [C, EMBED]), w('representation_b', [EMBED])]),
  ]);
  const logits = g.op('Gemm', [representation, w('logits_w', [EMBED, CLASSES]), w('logits_b', [CLASSES])]);
  output(g.op('Softmax', [logits], { axis: 1 }), 'probabilities');

  // Convolutional autoencoder: Conv (bias) stride 2 → Relu twice (28 → 14 → 7), NHWC Flatten → Gemm;
  // decoder Gemm → Relu → Reshape → ConvTranspose stride 2 → Relu → ConvTranspose → Sigmoid → NHWC.
  const conv = (v: string, name: string, cin: number, cout: number) =>
    g.op('Conv', [v, w(`${name}_w`, [cout, cin, 3, 3]), w(`${name}_b`, [cout], 0.1)], convAttrs(2));
  const e1 = g.op('Relu', [conv(image, 'enc_conv1', 1, C)]);
  const e2 = g.op('Relu', [conv(e1, 'enc_conv2', C, C)]);
  const flat = g.op('Flatten', [g.op('Transpose', [e2], { perm: [0, 2, 3, 1] })], { axis: 1 });
  const embedding = g.op('Gemm', [
    flat,
    w('embedding_w', [7 * 7 * C, EMBED], 0.1),
    w('embedding_b', [EMBED]),
  ]);
  output(embedding, 'embedding');

  const dense = g.op('Relu', [
    g.op('Gemm', [embedding, w('dec_dense_w', [EMBED, 7 * 7 * C]), w('dec_dense_b', [7 * 7 * C], 0.1)]),
  ]);
  const grid = g.op('Transpose', [g.op('Reshape', [dense, g.ints('grid_shape', [0, 7, 7, C])])], {
    perm: [0, 3, 1, 2],
  });
  const deconv = (v: string, name: string, cin: number, cout: number) =>
    g.op('ConvTranspose', [v, w(`${name}_w`, [cin, cout, 3, 3]), w(`${name}_b`, [cout], 0.1)], convAttrs(2));
  const d1 = g.op('Relu', [deconv(grid, 'dec_deconv1', C, C)]);
  const d2 = g.op('Sigmoid', [deconv(d1, 'dec_deconv2', C, 1)]);
  output(g.op('Flatten', [g.op('Transpose', [d2], { perm: [0, 2, 3, 1] })], { axis: 1 }), 'reconstruction');

  // MLP autoencoder / VAE generator head: Gemm → Sigmoid.
  output(
    g.op('Sigmoid', [g.op('Gemm', [embedding, w('mlp_w', [EMBED, EMBED]), w('mlp_b', [EMBED])])]),
    'decoded',
  );

  // PCA: (x − μ)Vᵀ, then ·V + μ.
  const mu = w('pca_mean', [EMBED], 0.2);
  const code = g.op('MatMul', [g.op('Sub', [embedding, mu]), w('pca_components_t', [EMBED, 1])]);
  output(g.op('Add', [g.op('MatMul', [code, w('pca_components', [1, EMBED])]), mu]), 'projected');

  // k-means head, as appendClusterHead writes it: ‖f‖² − 2f·μ + ‖μ‖², clamped, then ArgMin; on unit
  // rows, as spherical k-means (--normalize-features) feeds it.
  const unit = g.op('LpNormalization', [embedding], { axis: 1, p: 2 });
  const shifted = g.op('Sub', [unit, w('kmeans_shift', [EMBED], 0.2)]);
  const f2 = g.op('ReduceSumSquare', [shifted], { axes: [1], keepdims: 1 });
  const cross = g.op('MatMul', [shifted, w('kmeans_minus_two_centroids_t', [EMBED, CLUSTERS])]);
  const norms = g.floats('kmeans_centroid_norms', [1, CLUSTERS], [0.5, 1, 1.5]);
  const distances = g.op('Relu', [g.op('Add', [g.op('Add', [cross, f2]), norms])]);
  output(distances, 'distances');
  output(g.op('ArgMin', [distances], { axis: 1, keepdims: 0 }), 'cluster');

  // The int8 variants' layers, in float here; warmupGraph() quantizes them as the quantizer does: a
  // 1-channel Conv kept float, Conv → Relu (QLinearConv), Gemm → Relu → Gemm (QGemm), MatMul → MatMul
  // (QLinearMatMul), each a layer the int8 variants of the committed models have.
  const q1 = g.op('Relu', [conv1ch(g, image, w)]);
  const q2 = g.op('Relu', [
    g.op('Conv', [q1, w(`${Q8}conv2_w`, [C, C, 3, 3]), w(`${Q8}conv2_b`, [C], 0.1)], convAttrs(2)),
  ]);
  const qFlat = g.op('Flatten', [g.op('Transpose', [q2], { perm: [0, 2, 3, 1] })], { axis: 1 });
  const qRep = g.op('Relu', [
    g.op('Gemm', [qFlat, w(`${Q8}rep_w`, [14 * 14 * C, EMBED], 0.05), w(`${Q8}rep_b`, [EMBED])]),
  ]);
  const qFeatures = g.op('Gemm', [qRep, w(`${Q8}head_w`, [EMBED, EMBED]), w(`${Q8}head_b`, [EMBED])]);
  output(qFeatures, 'q8_features');
  const qCode = g.op('MatMul', [qFeatures, w(`${Q8}pca_t`, [EMBED, EMBED])]);
  output(g.op('MatMul', [qCode, w(`${Q8}pca`, [EMBED, EMBED])]), 'q8_projected');
}

/** The first conv of a conv encoder: one input channel, stride 1, 3×3 (what the quantizer keeps float). */
function conv1ch(g: OnnxGraph, image: string, w: ReturnType<typeof weightMaker>): string {
  return g.op('Conv', [image, w(`${Q8}conv1_w`, [C, 1, 3, 3]), w(`${Q8}conv1_b`, [C], 0.1)], convAttrs(1));
}

/**
 * Quantizes the q8_ branch with the quantizer's own passes (train/export/quantize/qdq.ts), every
 * activation given one fixed range: deterministic, and the warm-up only needs the kernels, not accuracy.
 */
function quantizeBranch(bytes: Uint8Array): Uint8Array {
  const g = new EditableGraph(bytes);
  const options = { ...DEFAULT_QUANTIZE_OPTIONS, minWeights: 1 };
  const targets = quantizableLayers(g, options).targets.filter((t) =>
    t.node.input.some((i) => i.startsWith(Q8)),
  );
  // From 0 (so ORT fuses Relu → Q as after the committed models' ReLUs) to a wide 64, which keeps the
  // uint8 activations small: x86's u8 × s8 kernels saturate on large ones, and the test compares them.
  const range = { min: 0, max: 64 };
  const ranges = new Map(activationsToQuantize(g, targets).map((value) => [value, range]));
  applyQdq(g, targets, ranges);
  return g.toBytes();
}

/**
 * Appends a one-block text transformer as text-graph.ts writes it. Its token ids come from the image:
 * the mean of each of TOKENS pixel strips, squashed by a Sigmoid (so any finite input gives ids in
 * [0, VOCAB − 1]) and truncated by Cast; blank strips become [PAD] = 0.
 */
function appendTextBranch(g: OnnxGraph, x: string): void {
  const w = weightMaker(g, 100);
  const scalar = (base: string, value: number) => g.floats(base, [], [value]);
  const dh = TEXT_DIM / HEADS;

  const strips = g.op('Reshape', [x, g.ints('strip_shape', [0, TOKENS, PIXELS / TOKENS])]);
  const means = g.op('Mul', [
    g.op('ReduceSum', [strips, g.ints('strip_axes', [2])], { keepdims: 0 }),
    scalar('strip_scale', TOKENS / PIXELS),
  ]);
  const squashed = g.op('Sigmoid', [
    g.op('Mul', [g.op('Sub', [means, scalar('ink', 0.25)]), scalar('gain', 8)]),
  ]);
  const truncated = g.op('Cast', [g.op('Mul', [squashed, scalar('vocab', VOCAB - 0.5)])], {
    to: DataType.INT64,
  });
  // From here on the real graph's ops: float ids [N, L] → padding mask and embedding lookup.
  const ids = g.op('Cast', [truncated], { to: DataType.FLOAT });
  const isPad = g.op('Cast', [g.op('Equal', [ids, scalar('pad_id', 0)])], { to: DataType.FLOAT });
  const mask = g.op('Unsqueeze', [
    g.op('Mul', [isPad, scalar('masked_score', -1e9)]),
    g.ints('mask_axes', [1, 2]),
  ]);
  const table = w('token_embedding', [VOCAB, TEXT_DIM]);
  const tokens = g.op('Gather', [table, g.op('Cast', [ids], { to: DataType.INT64 })], { axis: 0 });

  const dense = (v: string, name: string, cin: number, cout: number) =>
    g.op('Add', [g.op('MatMul', [v, w(`${name}_w`, [cin, cout])]), w(`${name}_b`, [cout], 0.1)]);
  const norm = (v: string, name: string) =>
    g.op('LayerNormalization', [v, w(`${name}_gamma`, [TEXT_DIM], 0.2), w(`${name}_beta`, [TEXT_DIM], 0.1)], {
      axis: -1,
      epsilon: f(1e-5),
    });
  const headsShape = g.ints('heads_shape', [0, TOKENS, HEADS, dh]);
  const split = (v: string, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [v, headsShape])], { perm });

  let s = g.op('Add', [tokens, w('positions', [TOKENS, TEXT_DIM])]);
  const a = norm(s, 'ln1');
  const q = split(
    g.op('Mul', [dense(a, 'wq', TEXT_DIM, TEXT_DIM), scalar('inv_sqrt_dk', 1 / Math.sqrt(dh))]),
    [0, 2, 1, 3],
  );
  const kT = split(dense(a, 'wk', TEXT_DIM, TEXT_DIM), [0, 2, 3, 1]);
  const v = split(dense(a, 'wv', TEXT_DIM, TEXT_DIM), [0, 2, 1, 3]);
  const attention = g.op('Softmax', [g.op('Add', [g.op('MatMul', [q, kT]), mask])], { axis: -1 });
  const context = g.op('Reshape', [
    g.op('Transpose', [g.op('MatMul', [attention, v])], { perm: [0, 2, 1, 3] }),
    g.ints('merged_shape', [0, TOKENS, TEXT_DIM]),
  ]);
  s = g.op('Add', [s, dense(context, 'wo', TEXT_DIM, TEXT_DIM)]);
  const hidden = g.op('Relu', [dense(norm(s, 'ln2'), 'w1', TEXT_DIM, 2 * TEXT_DIM)]);
  s = g.op('Add', [s, dense(hidden, 'w2', 2 * TEXT_DIM, TEXT_DIM)]);
  const states = norm(s, 'final_ln');

  const words = g.op('Add', [
    g.op('MatMul', [states, g.op('Transpose', [table], { perm: [1, 0] })]),
    w('word_bias', [VOCAB], 0.1),
  ]);
  g.output(words, 'word_logits', ['N', TOKENS, VOCAB]);

  // Mean over non-[PAD] tokens; the count gets + 1 so an all-[PAD] row (a blank image) stays finite.
  const real = g.op('Unsqueeze', [g.op('Sub', [scalar('one', 1), isPad]), g.ints('real_axes', [2])]);
  const axis1 = g.ints('pool_axes', [1]);
  const summed = g.op('ReduceSum', [g.op('Mul', [states, real]), axis1], { keepdims: 0 });
  const counted = g.op('Add', [g.op('ReduceSum', [real, axis1], { keepdims: 0 }), scalar('one_more', 1)]);
  g.output(g.op('Div', [summed, counted]), 'text_embedding', ['N', TEXT_DIM]);
}

/** The warm-up model: input `input` float32 [N, 784], the outputs of WARMUP_OUTPUTS. */
export function warmupGraph(): Uint8Array {
  const g = new OnnxGraph('warmup');
  const x = g.input(WARMUP_INPUT, ['N', PIXELS]);
  appendImageBranches(g, x);
  appendTextBranch(g, x);
  return quantizeBranch(g.toBytes('pretext-warmup'));
}

/** The op types of a model's graph (domain ignored: every committed model uses only ai.onnx). */
export function opTypesOf(bytes: Uint8Array): Set<string> {
  const graph = fromBinary(ModelProtoSchema, bytes).graph;
  return new Set((graph?.node ?? []).map((n) => n.opType));
}

/**
 * The op types of the nodes ORT keeps computing: those that depend on a graph input (else constant
 * folding evaluates them once at load) and lead to a graph output (else the optimiser removes them).
 * ONNX stores nodes in topological order, so one pass each way suffices.
 */
export function liveOpTypesOf(bytes: Uint8Array): Set<string> {
  const graph = fromBinary(ModelProtoSchema, bytes).graph;
  if (!graph) return new Set();
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const dynamic = new Set(graph.input.map((i) => i.name).filter((n) => !initializers.has(n)));
  const fed = graph.node.filter((n) => {
    if (!n.input.some((i) => dynamic.has(i))) return false;
    for (const o of n.output) dynamic.add(o);
    return true;
  });
  const needed = new Set(graph.output.map((o) => o.name));
  const live = [...fed].reverse().filter((n) => {
    if (!n.output.some((o) => needed.has(o))) return false;
    for (const i of n.input) needed.add(i);
    return true;
  });
  return new Set(live.map((n) => n.opType));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = warmupGraph();
  writeFileSync(WARMUP_PATH, bytes);
  console.log(`${WARMUP_PATH}: ${bytes.byteLength} bytes, ops ${[...opTypesOf(bytes)].sort().join(', ')}`);
}
