import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { graphUpTo } from '../../../train/export/compose';
import { exportLayersModel } from '../../../train/export/layers-model';
import { maxAbsDifference, runOnnx } from '../../../train/export/parity';
import { buildMlpAutoencoder } from '../../../train/models/mlp-autoencoder';

const opTypes = (bytes: Uint8Array) => fromBinary(ModelProtoSchema, bytes).graph!.node.map((n) => n.opType);

describe('graphUpTo', () => {
  const { model } = buildMlpAutoencoder({ inputDim: 784, hidden: [16], bottleneck: 4, seed: 1 });
  const bytes = exportLayersModel(model, { inputNames: ['x'], outputNames: ['embedding', 'reconstruction'] });

  it('keeps exactly the nodes the embedding needs, and the graph still computes it', async () => {
    const cut = graphUpTo(bytes, 'embedding');
    expect(cut).toMatchObject({ input: 'x', embedding: 'embedding', dim: 4 });
    cut.graph.output(cut.embedding, 'features', ['N', 4]);
    const trimmed = cut.graph.toBytes();
    expect(opTypes(trimmed)).toEqual(['Gemm', 'Relu', 'Gemm', 'Identity', 'Identity']);
    expect(opTypes(bytes)).toContain('Sigmoid'); // the decoder was there before
    const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 7) / 7);
    const [full, part] = await Promise.all([
      runOnnx(bytes, { x: { data: x, shape: [2, 784] } }),
      runOnnx(trimmed, { x: { data: x, shape: [2, 784] } }),
    ]);
    expect(maxAbsDifference(full.embedding!, part.features!)).toBe(0);
  });

  it('never reuses a name of the adopted graph', () => {
    const cut = graphUpTo(bytes, 'embedding');
    expect(() => cut.graph.output(cut.embedding, 'embedding', ['N', 4])).toThrow(
      /"embedding" is already used/,
    );
    const names = new Set<string>();
    for (let i = 0; i < 50; i++) names.add(cut.graph.fresh('Gemm'));
    const kept = fromBinary(ModelProtoSchema, cut.graph.toBytes()).graph!;
    const taken = [
      ...kept.node.flatMap((n) => [n.name, ...n.output]),
      ...kept.initializer.map((t) => t.name),
    ];
    expect(taken.length).toBeGreaterThan(4);
    expect(taken.filter((t) => names.has(t))).toEqual([]);
  });

  it('names a missing output and a foreign opset', () => {
    expect(() => graphUpTo(bytes, 'code')).toThrowErrorMatchingInlineSnapshot(
      `[Error: ONNX compose: mlp_autoencoder has no output "code"; it has embedding, reconstruction]`,
    );
    const proto = fromBinary(ModelProtoSchema, bytes);
    proto.opsetImport[0]!.version = 13n;
    expect(() => graphUpTo(toBinary(ModelProtoSchema, proto))).toThrow(
      /only IR 8 with ai.onnx:17 can be extended/,
    );
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    graphUpTo(bytes);
    expect(tf.memory().numTensors).toBe(before);
  });
});
