import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { exportLayersModel } from '../../../train/export/layers-model';
import {
  checkedLayersParity,
  layersModelParity,
  maxScaledDifference,
  PARITY_TOLERANCE,
} from '../../../train/export/parity';
import { buildMlpAutoencoder } from '../../../train/models/mlp-autoencoder';

/** Deterministic pseudo-random pixels in [0, 1). */
const inputs = (n: number, d: number, seed: number) =>
  Float32Array.from({ length: n * d }, (_, i) => Math.abs((Math.sin(i * 12.9898 + seed) * 43758.5453) % 1));

describe('exportLayersModel', () => {
  it('exports the MLP autoencoder with both outputs matching tfjs within 1e-4', async () => {
    const before = tf.memory().numTensors;
    const { model } = buildMlpAutoencoder({ inputDim: 784, hidden: [64, 16], bottleneck: 8, seed: 3 });
    const bytes = exportLayersModel(model, {
      inputNames: ['x'],
      outputNames: ['embedding', 'reconstruction'],
    });
    const x = inputs(9, 784, 1);
    const parity = await layersModelParity(model, bytes, { name: 'x', data: x, shape: [9, 784] }, [
      'embedding',
      'reconstruction',
    ]);
    expect(Object.keys(parity.perOutput)).toEqual(['embedding', 'reconstruction']);
    expect(parity.maxAbsError).toBeLessThanOrEqual(PARITY_TOLERANCE);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('catches a wrong export: a perturbed graph fails parity', async () => {
    const { model } = buildMlpAutoencoder({ inputDim: 20, hidden: [10], bottleneck: 4, seed: 5 });
    const bytes = exportLayersModel(model, {
      inputNames: ['x'],
      outputNames: ['embedding', 'reconstruction'],
    });
    // Change the model after export: parity must notice.
    const [kernel] = model.getLayer('embedding').getWeights();
    model
      .getLayer('embedding')
      .setWeights([tf.add(kernel!, 0.01), model.getLayer('embedding').getWeights()[1]!]);
    const x = inputs(4, 20, 2);
    const parity = await layersModelParity(model, bytes, { name: 'x', data: x, shape: [4, 20] }, [
      'embedding',
      'reconstruction',
    ]);
    expect(parity.maxAbsError).toBeGreaterThan(PARITY_TOLERANCE);
    model.dispose();
  });

  it('checkedLayersParity passes a faithful 784-input export and refuses a perturbed one, naming both errors', async () => {
    const { model } = buildMlpAutoencoder({ inputDim: 784, hidden: [16], bottleneck: 4, seed: 7 });
    const bytes = exportLayersModel(model, {
      inputNames: ['x'],
      outputNames: ['embedding', 'reconstruction'],
    });
    const test = { images: inputs(80, 784, 3), count: 80 };
    const ok = await checkedLayersParity(model, bytes, test, ['embedding', 'reconstruction']);
    expect(ok.maxScaledError).toBeLessThanOrEqual(PARITY_TOLERANCE);
    const [kernel, bias] = model.getLayer('embedding').getWeights();
    model.getLayer('embedding').setWeights([tf.add(kernel!, 0.01), bias!]);
    await expect(checkedLayersParity(model, bytes, test, ['embedding', 'reconstruction'])).rejects.toThrow(
      /^export parity failed: max scaled error [\d.e-]+ > 0\.0001 \(max abs [\d.e-]+\)$/,
    );
    model.dispose();
  });

  it('names an unsupported layer', () => {
    const m = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [3, 4] })] });
    expect(() => exportLayersModel(m)).toThrowErrorMatchingInlineSnapshot(
      `[Error: ONNX export: unsupported layer LSTM (lstm_LSTM1)]`,
    );
    m.dispose();
  });

  it('scales the parity error by the value above 1 (absolute below)', () => {
    expect(maxScaledDifference([100, 0.5], [100.005, 0.50001])).toBeCloseTo(5e-5, 9);
    expect(maxScaledDifference([0.2], [0.2003])).toBeCloseTo(3e-4, 9);
  });
});
