// The inverse of the exporter for its own graphs: the weights of a tfjs model rebuilt with the same
// architecture, read back from the ONNX initializers that layers-model.ts wrote (named
// `<layer>_W`, `_b`, `_gamma`, `_beta`, `_mean`, `_var`, in layer order). This is how a committed
// encoder is fine-tuned without any other copy of its weights. Layer names differ between processes,
// so layers are matched by order and kind, and shapes are checked; the caller confirms the result
// with a parity check against the ONNX graph itself.
import { fromBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema, type TensorProto } from 'onnx-buf';

const SUFFIX = /^(.*)_(W|b|gamma|beta|mean|var)_\d+$/;

interface Group {
  layer: string;
  tensors: Map<string, TensorProto>;
}

function floats(t: TensorProto): Float32Array {
  if (t.rawData.length) return new Float32Array(Uint8Array.from(t.rawData).buffer);
  return Float32Array.from(t.floatData);
}

/** Initializer groups per exported layer, in the order the exporter wrote them. */
function groups(bytes: Uint8Array): Group[] {
  const model = fromBinary(ModelProtoSchema, bytes);
  const out: Group[] = [];
  for (const t of model.graph?.initializer ?? []) {
    const m = SUFFIX.exec(t.name);
    if (!m) continue;
    const [, layer, kind] = m as unknown as [string, string, string];
    let g = out[out.length - 1];
    if (!g || g.layer !== layer || g.tensors.has(kind)) {
      g = { layer, tensors: new Map() };
      out.push(g);
    }
    g.tensors.set(kind, t);
  }
  return out;
}

function take(g: Group, kind: string, shape: number[], layer: string): Float32Array {
  const t = g.tensors.get(kind);
  if (!t) throw new Error(`import weights: ${g.layer} has no ${kind} for ${layer}`);
  const dims = t.dims.map(Number);
  if (!tf.util.arraysEqual(dims, shape))
    throw new Error(`import weights: ${g.layer}_${kind} is [${dims}], ${layer} needs [${shape}]`);
  return floats(t);
}

/**
 * Sets the weights of every layer of `model` that has any, in order, from the leading layers of the
 * exported graph `bytes` (which may hold more: a pretext head after the encoder). Returns how many
 * layers were loaded.
 */
export function importLayerWeights(model: tf.LayersModel, bytes: Uint8Array): number {
  const available = groups(bytes);
  let next = 0;
  let loaded = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const g = available[next++];
    if (!g) throw new Error(`import weights: the graph has no weights left for ${layer.name}`);
    const cls = layer.getClassName();
    const shapes = layer.weights.map((w) => w.shape as number[]);
    let values: { data: Float32Array; shape: number[] }[];
    if (cls === 'Dense') {
      values = [{ data: take(g, 'W', shapes[0]!, layer.name), shape: shapes[0]! }];
      if (shapes[1]) values.push({ data: take(g, 'b', shapes[1], layer.name), shape: shapes[1] });
    } else if (cls === 'Conv2D' || cls === 'PretextConv2D' || cls === 'Conv2DTranspose') {
      // [kh, kw, in, out] (Conv2DTranspose: [kh, kw, out, in]) was written as [out, in, kh, kw]
      // (transposed: [in, out, kh, kw]); one inverse serves both.
      const [kh, kw, ci, co] = shapes[0] as [number, number, number, number];
      const oihw = take(g, 'W', [co, ci, kh, kw], layer.name);
      const kernel = tf.tidy(() =>
        tf.transpose(tf.tensor4d(oihw, [co, ci, kh, kw]), [2, 3, 1, 0]).dataSync(),
      );
      values = [{ data: Float32Array.from(kernel), shape: shapes[0]! }];
      if (shapes[1]) values.push({ data: take(g, 'b', shapes[1], layer.name), shape: shapes[1] });
    } else if (cls === 'PretextBatchNorm' || cls === 'BatchNormalization') {
      const c = [shapes[0]![0]!];
      values = ['gamma', 'beta', 'mean', 'var'].map((k) => ({ data: take(g, k, c, layer.name), shape: c }));
    } else {
      throw new Error(`import weights: layer ${layer.name} (${cls}) is not supported`);
    }
    if (values.length !== layer.weights.length)
      throw new Error(
        `import weights: ${layer.name} has ${layer.weights.length} weights, the graph ${values.length}`,
      );
    const tensors = values.map((v) => tf.tensor(v.data, v.shape));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    loaded++;
  }
  return loaded;
}
