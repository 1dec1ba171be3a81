// Undercomplete MLP autoencoder (the lecture's "hourglass"): x → h = f(x) with dim(h) < dim(x) → g(h).
// One functional model with two outputs, so a single ONNX graph serves both /embed and /reconstruct.
import * as tf from '@tensorflow/tfjs';

export type CodeActivation = 'linear' | 'relu' | 'sigmoid';

export interface MlpAutoencoderOptions {
  inputDim: number;
  /** Widths of the encoder's hidden layers. */
  hidden: readonly number[];
  /** Widths of the decoder's hidden layers (default: the encoder's, mirrored). */
  decoderHidden?: readonly number[];
  /** Size of the code h (the information bottleneck). */
  bottleneck: number;
  /** Activation of the code layer: linear (plain AE), relu (sparse AE), sigmoid (contractive AE). */
  codeActivation?: CodeActivation;
  /** Seed for the weight initialisers, so the same seed builds the same network. */
  seed: number;
}

export interface Autoencoder {
  /** x → [h, x̂]: outputs named "embedding" and "reconstruction". */
  model: tf.LayersModel;
}

export function buildMlpAutoencoder(o: MlpAutoencoderOptions): Autoencoder {
  if (o.bottleneck >= o.inputDim) {
    throw new Error(
      `bottleneck ${o.bottleneck} must be smaller than the input (${o.inputDim}) for an undercomplete AE`,
    );
  }
  let seed = o.seed;
  const dense = (units: number, activation: CodeActivation, name: string) =>
    tf.layers.dense({
      units,
      activation,
      name,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
    });
  const x = tf.input({ shape: [o.inputDim], name: 'x' });
  let h = x;
  o.hidden.forEach((units, i) => {
    h = dense(units, 'relu', `encoder_${i}`).apply(h) as tf.SymbolicTensor;
  });
  const code = dense(o.bottleneck, o.codeActivation ?? 'linear', 'embedding').apply(h) as tf.SymbolicTensor;
  let y = code;
  (o.decoderHidden ?? [...o.hidden].reverse()).forEach((units, i) => {
    y = dense(units, 'relu', `decoder_${i}`).apply(y) as tf.SymbolicTensor;
  });
  const reconstruction = dense(o.inputDim, 'sigmoid', 'reconstruction').apply(y) as tf.SymbolicTensor;
  return { model: tf.model({ inputs: x, outputs: [code, reconstruction], name: 'mlp_autoencoder' }) };
}
