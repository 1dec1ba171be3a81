// Batch normalisation folded into the layer in front of it, before quantizing: at inference BN is the
// affine map y = a·x + b per channel, with a = γ/√(σ² + ε) and b = β − μ·a (Ioffe & Szegedy 2015), so
// Conv → BN is one Conv with weights a·W and bias a·(B − μ) + β. Quantizing the folded weights is what
// makes the int8 graph one fused QLinearConv per layer, and it quantizes the scale the layer really
// applies (a BN with a tiny σ would otherwise blow up the error of the weights in front of it).
import type { NodeProto } from 'onnx-buf';
import type { EditableGraph } from './editable-graph';

const FOLDS_INTO = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/** Folds every foldable BatchNormalization; returns how many it folded. */
export function foldBatchNorms(g: EditableGraph): number {
  let folded = 0;
  for (const bn of g.nodes.filter((n) => n.opType === 'BatchNormalization')) {
    if (foldOne(g, bn)) folded++;
  }
  if (folded > 0) g.pruneInitializers();
  return folded;
}

function foldOne(g: EditableGraph, bn: NodeProto): boolean {
  const [x, gammaName, betaName, meanName, varName] = bn.input;
  if (x === undefined || bn.output.length !== 1) return false;
  const layer = g.producer(x);
  if (layer === undefined || !FOLDS_INTO.has(layer.opType)) return false;
  // The layer's output must feed only this BN (and not be a graph output), or folding would change it.
  if (g.consumers(x).length !== 1 || g.outputs.includes(x)) return false;
  const params = [gammaName, betaName, meanName, varName].map((name) =>
    name === undefined ? undefined : g.floatInitializer(name),
  );
  const weight = layer.input[1] === undefined ? undefined : g.floatInitializer(layer.input[1]);
  if (params.some((p) => p === undefined) || weight === undefined) return false;
  const [gamma, beta, mean, variance] = params.map((p) => p!.data) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const epsilon = bn.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
  const channels = gamma.length;
  const axis = outputChannelAxis(layer);
  if (axis === undefined || weight.dims[axis] !== channels) return false;
  const a = Float32Array.from(gamma, (gm, c) => gm / Math.sqrt(variance[c]! + epsilon));

  const w = Float32Array.from(weight.data);
  const strides = weight.dims.map((_, i) => weight.dims.slice(i + 1).reduce((p, d) => p * d, 1));
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / strides[axis]!) % weight.dims[axis]!;
    w[i]! *= a[c]!;
  }
  const biasName = layer.input[2];
  const bias = biasName === undefined || biasName === '' ? undefined : g.floatInitializer(biasName);
  if (biasName !== undefined && biasName !== '' && bias?.data.length !== channels) return false;
  const b = Float32Array.from(
    { length: channels },
    (_, c) => a[c]! * ((bias?.data[c] ?? 0) - mean[c]!) + beta[c]!,
  );

  const weightName = g.addInitializer(`${layer.input[1]}_bn`, weight.dims, w);
  const newBias = g.addInitializer(`${biasName || layer.name}_bn_bias`, [channels], b);
  layer.input = [layer.input[0]!, weightName, newBias];
  // The layer now writes what the BN wrote.
  layer.output = [bn.output[0]!];
  g.removeNode(bn);
  return true;
}

/** The weight axis that indexes output channels: Conv [Cout, Cin, kh, kw], ConvTranspose [Cin, Cout, …], Gemm. */
function outputChannelAxis(layer: NodeProto): number | undefined {
  if (layer.opType === 'Conv') return 0;
  if (layer.opType === 'ConvTranspose') {
    const group = layer.attribute.find((a) => a.name === 'group')?.i ?? 1n;
    return group === 1n ? 1 : undefined;
  }
  // Gemm: Y = X·B (+ C), B [K, N] or, with transB, [N, K]; a BN over Y's features scales B's N axis.
  const alpha = layer.attribute.find((a) => a.name === 'alpha')?.f ?? 1;
  const beta = layer.attribute.find((a) => a.name === 'beta')?.f ?? 1;
  const transA = layer.attribute.find((a) => a.name === 'transA')?.i ?? 0n;
  if (alpha !== 1 || beta !== 1 || transA !== 0n) return undefined;
  return (layer.attribute.find((a) => a.name === 'transB')?.i ?? 0n) === 1n ? 0 : 1;
}
