// The text transformer's ONNX graph computes what the tfjs model computes (parity ≤ 1e-4), and the
// model has the properties the endpoints rely on: padding changes nothing, the word-order pass does not
// see the order, and the wasm backend can train it (the embedding gradient is a scatter-add).
import { fromBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema } from 'onnx-buf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../train/backend/select';
import { PARITY_TOLERANCE, runOnnx } from '../../../train/export/parity';
import {
  readTextWeights,
  TEXT_OUTPUTS,
  textGraphParity,
  textOutputsTfjs,
  textTransformerGraph,
} from '../../../train/export/text-graph';
import { textPretextLoss } from '../../../train/text/objective';
import { buildTextTransformer, type TextTransformerOptions } from '../../../train/text/transformer';
import { createRng } from '../../../worker/contract/rng';

const options: TextTransformerOptions = {
  vocabSize: 40,
  maxLength: 8,
  dim: 16,
  heads: 4,
  layers: 2,
  ffnDim: 32,
  seed: 3,
};
const ids = Int32Array.from(
  [
    [5, 6, 7, 2, 0, 0, 0, 0],
    [9, 10, 11, 12, 13, 14, 15, 16],
    [3, 0, 0, 0, 0, 0, 0, 0],
    [39, 1, 2, 38, 4, 0, 0, 0],
  ].flat(),
);

describe('textTransformerGraph', () => {
  let built: ReturnType<typeof buildTextTransformer>;
  let bytes: Uint8Array;

  beforeAll(async () => {
    await selectBackend({ force: 'wasm', log: () => {} });
    built = buildTextTransformer(options);
    // Train a few steps so the weights are not the symmetric initial ones (biases, norms move).
    const optimizer = tf.train.adam(1e-2);
    const data = { ids, lengths: Int32Array.from([4, 8, 1, 5]), count: 4, maxLength: 8 };
    for (let step = 0; step < 5; step++) {
      const rng = createRng(step);
      optimizer.minimize(() =>
        textPretextLoss(built.layer.params(), options, data, [0, 1, 2, 3], rng, {
          maskRate: 0.3,
          orderWeight: 1,
        }),
      );
    }
    optimizer.dispose();
    bytes = textTransformerGraph(readTextWeights(built.layer.params()), options);
  });
  afterAll(() => built.model.dispose());

  it('matches tfjs on all three outputs (onnxruntime-node, max abs error ≤ 1e-4)', async () => {
    const parity = await textGraphParity(built.layer.params(), options, bytes, ids);
    for (const name of Object.values(TEXT_OUTPUTS))
      expect(parity.perOutput[name]).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('is IR 8 / opset 17 and states attention with the ops the issue names', () => {
    const model = fromBinary(ModelProtoSchema, bytes);
    expect(model.irVersion).toBe(8n);
    expect(model.opsetImport[0]!.version).toBe(17n);
    const ops = new Set(model.graph!.node.map((n) => n.opType));
    for (const op of ['Gather', 'MatMul', 'Softmax', 'LayerNormalization', 'Transpose', 'Reshape', 'Add']) {
      expect(ops).toContain(op);
    }
    expect(model.graph!.input.map((i) => i.name)).toEqual(['ids']);
    expect(model.graph!.output.map((o) => o.name)).toEqual(Object.values(TEXT_OUTPUTS));
  });

  it('gives a sentence the same outputs whatever padding or batch surrounds it', async () => {
    const alone = await runOnnx(bytes, {
      ids: { data: Float32Array.from(ids.subarray(0, 8)), shape: [1, 8] },
    });
    const batch = await runOnnx(bytes, { ids: { data: Float32Array.from(ids), shape: [4, 8] } });
    const d = options.dim;
    for (let j = 0; j < d; j++) expect(batch.embedding![j]).toBeCloseTo(alone.embedding![j]!, 5);
  });

  it('word-order pass: shuffling the words only permutes the answers (it cannot see the order)', () => {
    const sentence = [9, 10, 11, 12, 13, 0, 0, 0];
    const shuffled = [12, 9, 13, 11, 10, 0, 0, 0];
    const l = options.maxLength;
    const a = textOutputsTfjs(built.layer.params(), options, Int32Array.from(sentence))[
      TEXT_OUTPUTS.positionLogits
    ]!;
    const b = textOutputsTfjs(built.layer.params(), options, Int32Array.from(shuffled))[
      TEXT_OUTPUTS.positionLogits
    ]!;
    shuffled.slice(0, 5).forEach((token, slot) => {
      const from = sentence.indexOf(token);
      for (let p = 0; p < l; p++) expect(b[slot * l + p]).toBeCloseTo(a[from * l + p]!, 4);
    });
  });

  it('computes outputs without leaking tensors', () => {
    const before = tf.memory().numTensors;
    textOutputsTfjs(built.layer.params(), options, ids);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains on wasm: one step lowers the loss and leaves no tensors behind', () => {
    const data = { ids, lengths: Int32Array.from([4, 8, 1, 5]), count: 4, maxLength: 8 };
    const loss = () =>
      textPretextLoss(built.layer.params(), options, data, [0, 1, 2, 3], createRng(99), {
        maskRate: 0.3,
        orderWeight: 1,
      });
    const optimizer = tf.train.sgd(0.05);
    const first = tf.tidy(() => loss().dataSync()[0]!);
    optimizer.minimize(loss);
    const before = tf.memory().numTensors;
    optimizer.minimize(loss);
    expect(tf.memory().numTensors).toBe(before);
    const later = tf.tidy(() => loss().dataSync()[0]!);
    expect(later).toBeLessThan(first);
    optimizer.dispose();
  });
});
