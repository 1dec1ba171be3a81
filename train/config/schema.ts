// Every training default in one place (as nanoGPT keeps them), validated by zod. Presets per method
// override a few keys; the CLI overrides any key; unknown keys are errors. The resolved config is
// written into the checkpoint and the manifest so a run can be resumed and explained.
import { z } from 'zod';
import { CORRUPTIONS } from '../../worker/contract/corruptions';

export const BACKENDS = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export const DATASETS = ['mnist', 'fashion-mnist', 'folder'] as const;
export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;

const positiveInt = z.number().int().positive();

export const TrainConfigSchema = z
  .object({
    // what and where
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
      .default('mnist-mlp-ae')
      .describe('model name under models/'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .default('1.0.0')
      .describe('version written into the manifest'),
    dataset: z.enum(DATASETS).default('mnist').describe('training data'),
    dataDir: z
      .string()
      .optional()
      .describe('folder of the dataset files (fashion-mnist IDX files, or images)'),
    trainLimit: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('use only N training images, spread over classes (text: the first N sentences; 0 = all)'),
    testLimit: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('evaluate on only N test images, spread over classes (0 = all; for smoke runs)'),
    modelsDir: z.string().default('models').describe('where the exported model is written'),
    runsDir: z
      .string()
      .default('runs')
      .describe('checkpoints, metrics.jsonl and loss plot go to <runs-dir>/<name>/'),
    // optimisation
    epochs: positiveInt.default(30).describe('passes over the training split'),
    batchSize: positiveInt.default(128).describe('images per optimizer step'),
    learningRate: z.number().positive().default(1e-3).describe('peak Adam step size'),
    lrSchedule: z.enum(LR_SCHEDULES).default('cosine').describe('learning-rate schedule after warm-up'),
    warmupSteps: z.number().int().nonnegative().default(0).describe('linear warm-up steps'),
    minLearningRate: z.number().nonnegative().default(0).describe('floor of the cosine schedule'),
    seed: z
      .number()
      .int()
      .nonnegative()
      .default(1)
      .describe('seeds initialisation, shuffling and augmentation'),
    // engine
    backend: z.enum(BACKENDS).default('auto').describe('tfjs backend; auto picks the fastest that loads'),
    threads: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("threads of the wasm backend's training kernels (0 = one per core)"),
    checkpointEvery: z
      .number()
      .int()
      .nonnegative()
      .default(500)
      .describe('save a checkpoint every N steps (0 = only at the end)'),
    resume: z.boolean().default(false).describe('continue from <runs-dir>/<name>/checkpoint'),
    progress: z.boolean().default(true).describe('show a progress bar'),
    // architecture
    hidden: z.array(positiveInt).default([512, 128]).describe('encoder hidden widths (decoder mirrors them)'),
    bottleneck: positiveInt.default(32).describe('code size h'),
    convFilters: z.array(positiveInt).default([32, 64]).describe('filters of the conv layers (conv AE)'),
    // the lecture's regularisers
    sparsityWeight: z.number().nonnegative().default(1e-4).describe('λ of the sparse AE penalty λ‖h‖₁'),
    contractiveWeight: z
      .number()
      .nonnegative()
      .default(1e-3)
      .describe('λ of the contractive penalty λ‖∂h/∂x‖²_F'),
    corruption: z.enum(CORRUPTIONS).default('gaussian').describe('denoising AE corruption of x into x̃'),
    noiseLevel: z
      .number()
      .nonnegative()
      .default(0.5)
      .describe('σ (gaussian) or p (masking, salt-and-pepper)'),
    klWeight: z.number().nonnegative().default(1).describe('β, the weight of the KL term of the VAE'),
    // self-supervised methods (rotnet, jigsaw, simclr) and the downstream probe
    representationDim: positiveInt
      .default(128)
      .describe('width of the conv encoder representation h (rotnet, jigsaw, simclr, probe baseline)'),
    temperature: z.number().positive().default(0.5).describe('τ of the SimCLR NT-Xent loss'),
    projectionHidden: positiveInt.default(128).describe('hidden width of the SimCLR projection head g'),
    projectionDim: positiveInt.default(64).describe('size of z = g(h), where NT-Xent is applied'),
    projectionBatchNorm: z
      .boolean()
      .default(false)
      .describe('SimCLR: batch norm after the hidden layer of the projection head (SimCLR v2)'),
    cropScale: z
      .number()
      .positive()
      .max(1)
      .default(0.5)
      .describe('SimCLR: smallest share of the image area a random crop keeps'),
    horizontalFlip: z
      .boolean()
      .default(false)
      .describe('SimCLR (and dec views): mirror each view left–right with probability ½'),
    labelFractions: z
      .array(z.number().positive().max(1))
      .default([0.01, 0.1, 1])
      .describe('shares of the training labels for the linear probes (class-balanced, seeded)'),
    probeEpochs: z
      .number()
      .int()
      .nonnegative()
      .default(30)
      .describe('passes of each linear probe over its labelled subset, at least 500 steps (0 = no probes)'),
    encoder: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
      .optional()
      .describe('probe: the committed encoder under --models-dir whose embedding is probed'),
    baselineSteps: z
      .number()
      .int()
      .nonnegative()
      .default(1500)
      .describe('probe: optimizer steps of the from-scratch baseline per label share (0 = none)'),
    headSteps: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        'finetune: steps that train only the softmax layer on the frozen pretext encoder before every layer is fine-tuned (LP-FT); the from-scratch network gets the same number of steps in all',
      ),
    // text pretext tasks (method text): masked words and word order on one transformer encoder
    corpusDir: z
      .string()
      .default('/usr/share/games/fortunes')
      .describe('text: folder of fortune files (apt-get install fortunes)'),
    vocabSize: positiveInt
      .default(4000)
      .describe('text: [PAD] [UNK] [MASK] + the most frequent training words'),
    maxWords: positiveInt.default(16).describe('text: tokens per sentence L; longer sentences are left out'),
    textDim: positiveInt.default(64).describe('text: width d of the token states'),
    textHeads: positiveInt.default(4).describe('text: attention heads (d must divide by it)'),
    textLayers: positiveInt.default(2).describe('text: transformer blocks (feed-forward width 4d)'),
    maskRate: z
      .number()
      .positive()
      .max(1)
      .default(0.15)
      .describe('text: share of words hidden for masked-word prediction (at least one a sentence)'),
    orderWeight: z
      .number()
      .nonnegative()
      .default(1)
      .describe('text: weight of the word-order loss next to the masked-word loss'),
    // closed-form and clustering methods
    components: positiveInt.default(32).describe('PCA: principal components kept (the embedding size k)'),
    k: positiveInt.default(10).describe('k-means: number of clusters'),
    restarts: positiveInt.default(5).describe('k-means: k-means++ restarts, the lowest inertia wins'),
    maxIterations: positiveInt.default(100).describe('k-means: at most this many Lloyd iterations'),
    tolerance: z
      .number()
      .nonnegative()
      .default(1e-4)
      .describe('k-means: stop when the inertia falls by less than this fraction'),
    features: z
      .string()
      .regex(
        /^(pixels|(pca|encoder):[a-z0-9][a-z0-9-]{0,63})$/,
        'features must be pixels, pca:<model> or encoder:<model>',
      )
      .default('pixels')
      .describe('k-means: cluster raw pixels, or the embedding of a model under models/'),
    normalizeFeatures: z
      .boolean()
      .default(false)
      .describe(
        'k-means: scale each feature vector to unit length first (spherical k-means, for contrastive embeddings)',
      ),
    // deep clustering (dec): an --encoder fine-tuned with its k-means centroids on KL(P‖Q)
    updateInterval: positiveInt
      .default(140)
      .describe('dec: recompute the target distribution P over the whole training split every N steps'),
    tol: z
      .number()
      .nonnegative()
      .max(1)
      .default(0.001)
      .describe('dec: stop once fewer than this share of training assignments change between two P updates'),
    reconstructionWeight: z
      .number()
      .nonnegative()
      .default(0)
      .describe("dec: weight of the autoencoder's reconstruction MSE next to KL(P‖Q) (IDEC; 0 = plain DEC)"),
    augmentShift: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        "dec: Q of a view shifted by up to N px is fitted to the clean image's P (0 = no augmentation)",
      ),
    augmentRotation: z
      .number()
      .nonnegative()
      .max(180)
      .default(0)
      .describe('dec: the views are also rotated by up to this many degrees (0 = none)'),
    sphereRadius: z
      .number()
      .positive()
      .default(4)
      .describe('dec with --normalize-features: the unit-length embedding is scaled to this radius for Q'),
    centroidLearningRateScale: z
      .number()
      .positive()
      .default(1)
      .describe("dec: the centroids' Adam step is this multiple of --learning-rate (the encoder's)"),
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** The keys of the schema, in declaration order (for --help and flag checking). */
export const CONFIG_KEYS = Object.keys(TrainConfigSchema.shape) as (keyof TrainConfig)[];
