// The VAE's two networks (Kingma & Welling 2014): an encoder q(z|x) = N(μ(x), diag σ²(x)) and a
// Bernoulli decoder p(x|z) = Bernoulli(sigmoid(ℓ(z))). Layers carry stable names so the trained
// weights can be copied into the graphs that are exported (reconstruction path and generator).
import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface VaeOptions {
  hidden: readonly number[];
  latent: number;
  seed: number;
}

function encoderLayers(o: VaeOptions, x: tf.SymbolicTensor, init: () => Initializer, withLogVar = true) {
  let h = x;
  o.hidden.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', name: `vae_encoder_${i}`, kernelInitializer: init() })
      .apply(h) as tf.SymbolicTensor;
  });
  const mu = tf.layers
    .dense({ units: o.latent, name: 'vae_mu', kernelInitializer: init() })
    .apply(h) as tf.SymbolicTensor;
  // The export graphs need only μ; building log σ² there would create weights no model owns.
  const logVar = withLogVar
    ? (tf.layers
        .dense({ units: o.latent, name: 'vae_log_var', kernelInitializer: init() })
        .apply(h) as tf.SymbolicTensor)
    : undefined;
  return { mu, logVar };
}

function decoderLayers(o: VaeOptions, z: tf.SymbolicTensor, init: () => Initializer) {
  let y = z;
  [...o.hidden].reverse().forEach((units, i) => {
    y = tf.layers
      .dense({ units, activation: 'relu', name: `vae_decoder_${i}`, kernelInitializer: init() })
      .apply(y) as tf.SymbolicTensor;
  });
  return tf.layers
    .dense({ units: 784, name: 'vae_logits', kernelInitializer: init() })
    .apply(y) as tf.SymbolicTensor;
}

export interface VaeNetworks {
  /** x → [μ, log σ²]. */
  encoder: tf.LayersModel;
  /** z → decoder logits ℓ. */
  decoder: tf.LayersModel;
  /** Both, as one model, so the training loop checkpoints every weight. */
  all: tf.LayersModel;
}

export function buildVae(o: VaeOptions): VaeNetworks {
  let seed = o.seed;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const x = tf.input({ shape: [784], name: 'x' });
  const { mu, logVar } = encoderLayers(o, x, init);
  const encoder = tf.model({ inputs: x, outputs: [mu, logVar!], name: 'vae_encoder' });
  const z = tf.input({ shape: [o.latent], name: 'z' });
  const decoder = tf.model({ inputs: z, outputs: decoderLayers(o, z, init), name: 'vae_decoder' });
  const all = tf.model({ inputs: [x, z], outputs: [mu, logVar!, decoder.outputs[0]!], name: 'vae' });
  return { encoder, decoder, all };
}

/** Copies weights layer by layer (by name) from the trained networks into a graph built for export. */
function copyWeights(from: tf.LayersModel[], to: tf.LayersModel) {
  for (const layer of to.layers) {
    if (layer.getWeights().length === 0) continue;
    const source = from.flatMap((m) => m.layers).find((l) => l.name === layer.name);
    if (!source) throw new Error(`VAE export: no trained layer named ${layer.name}`);
    layer.setWeights(source.getWeights());
  }
}

/** x → [embedding μ, reconstruction sigmoid(ℓ(μ))]: the deterministic path served by /embed and /reconstruct. */
export function vaeReconstructionGraph(o: VaeOptions, trained: VaeNetworks): tf.LayersModel {
  const init = () => tf.initializers.zeros();
  const x = tf.input({ shape: [784], name: 'x' });
  const { mu } = encoderLayers(o, x, init, false);
  const logits = decoderLayers(o, mu, init);
  const image = tf.layers
    .activation({ activation: 'sigmoid', name: 'reconstruction' })
    .apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: [mu, image], name: 'vae_reconstruction' });
  copyWeights([trained.encoder, trained.decoder], model);
  return model;
}

/** z → sigmoid(ℓ(z)): the generator served by /v1/generate. */
export function vaeGeneratorGraph(o: VaeOptions, trained: VaeNetworks): tf.LayersModel {
  const z = tf.input({ shape: [o.latent], name: 'z' });
  const logits = decoderLayers(o, z, () => tf.initializers.zeros());
  const image = tf.layers
    .activation({ activation: 'sigmoid', name: 'image' })
    .apply(logits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: z, outputs: image, name: 'vae_generator' });
  copyWeights([trained.decoder], model);
  return model;
}
