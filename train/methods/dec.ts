// DEC, deep embedded clustering (Xie, Girshick & Farhadi 2016): a committed encoder (--encoder) is
// rebuilt with its weights, k-means on its training embeddings gives k centroids μⱼ, and encoder and
// centroids are then trained together to fit the soft assignments
//   q_ij = (1 + ‖z_i − μ_j‖²)⁻¹ / Σ_j' (1 + ‖z_i − μ_j'‖²)⁻¹        (Student's t, α = 1)
// to the sharpened target p_ij = (q_ij² / f_j) / Σ_j' (q_ij'² / f_j'),  f_j = Σ_i q_ij,
// by KL(P ‖ Q). P is recomputed over the whole training split every --update-interval steps, and
// training stops after --epochs or once fewer than --tol of the training assignments change between
// two updates. Options: IDEC's reconstruction term (Guo et al. 2017; autoencoders only), shifted views
// fitted to the clean image's target (as DEC-DA, Guo et al. 2018), spherical (unit-length) embeddings.
// Exported as the k-means graph x → (cluster, distances), so /v1/cluster serves it unchanged.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import type { Rng } from '../../worker/contract/rng';
import { randomShifts } from '../augment/shift';
import { SIMCLR_VIEWS_28X28, type SimclrViewOptions, simclrView } from '../augment/simclr-views';
import { gatherBatch } from '../data/batches';
import type { Dataset } from '../data/dataset';
import { clusteringAccuracy, normalizedMutualInformation } from '../eval/clustering';
import { argmaxRows } from '../eval/probe';
import { writeModelArtifact } from '../export/artifact';
import { importLayerWeights } from '../export/import-weights';
import { exportKmeansGraph } from '../export/kmeans-graph';
import { exportLayersModel } from '../export/layers-model';
import { checkedLayersParity, maxScaledDifference, PARITY_TOLERANCE, runInBatches } from '../export/parity';
import { type StepContext, trainLoop } from '../loop/fit';
import { buildConvAutoencoder } from '../models/conv-autoencoder';
import { buildConvEncoder, type Pooling } from '../models/conv-encoder';
import { kmeans, nearestCentroid, squaredDistances } from '../models/kmeans';
import { buildMlpAutoencoder, type CodeActivation } from '../models/mlp-autoencoder';
import { type CommittedEncoder, onnxEmbed, readEncoder } from './committed-encoder';
import { embedImages } from './downstream';
import { checkedClusterParity, unitRows } from './kmeans';
import { loopOptions, type Method, type MethodContext, type MethodResult, manifestBase } from './method';

type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

export interface StudentTOptions {
  /** k × dim initial centroids, row-major, in the space the kernel measures (see `radius`). */
  centroids: Float32Array;
  k: number;
  /** Scale each embedding to this length first (spherical DEC); undefined: the raw embedding. */
  radius?: number;
  /**
   * The weight holds μ / scale: Adam's step on a weight does not depend on its gradient's size, so μ
   * moves `scale` times as far per step as it would as a weight of its own (its own learning rate).
   */
  scale?: number;
  name?: string;
}

/** z [N, dim] → Q [N, k], the Student's t soft assignments to its trainable centroids. */
export class StudentTAssignment extends tf.layers.Layer {
  static className = 'PretextStudentT';
  readonly k: number;
  readonly radius: number | undefined;
  readonly scale: number;
  readonly initial: Float32Array;
  centroids!: LayerVariable;

  constructor(o: StudentTOptions) {
    super({ name: o.name ?? 'clustering' });
    this.k = o.k;
    this.radius = o.radius;
    this.scale = o.scale ?? 1;
    this.initial = o.centroids;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const dim = shape[shape.length - 1];
    if (dim == null || this.initial.length !== this.k * dim)
      throw new Error(`${this.name}: ${this.initial.length} centroid values are not ${this.k} × ${dim}`);
    this.centroids = this.addWeight('centroids', [this.k, dim], 'float32', tf.initializers.zeros());
    tf.tidy(() => {
      this.centroids.write(tf.div(tf.tensor2d(this.initial, [this.k, dim]), this.scale));
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0]!, this.k];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let z = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor2D;
      if (this.radius !== undefined) {
        const length = tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12));
        z = tf.mul(z, tf.div(this.radius, length));
      }
      const mu = tf.mul(this.centroids.read(), this.scale) as tf.Tensor2D;
      const d2 = tf.relu(
        tf.add(
          tf.sub(tf.sum(tf.square(z), 1, true), tf.mul(2, tf.matMul(z, mu, false, true))),
          tf.reshape(tf.sum(tf.square(mu), 1), [1, this.k]),
        ),
      );
      const q = tf.reciprocal(tf.add(1, d2));
      return tf.div(q, tf.sum(q, 1, true));
    });
  }

  /** The centroids μ (k × dim, row-major) in the space the kernel measures. */
  values(): Float32Array {
    return tf.tidy(() => tf.mul(this.centroids.read(), this.scale).dataSync() as Float32Array);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), k: this.k, radius: this.radius ?? null, scale: this.scale };
  }
}
tf.serialization.registerClass(StudentTAssignment);

/** Q from squared distances: rows of k, (1 + d²)⁻¹ normalised. */
export function softAssignments(distances: Float32Array | Float64Array, k: number): Float32Array {
  const q = new Float32Array(distances.length);
  for (let i = 0; i < distances.length; i += k) {
    let s = 0;
    for (let j = 0; j < k; j++) s += q[i + j] = 1 / (1 + distances[i + j]!);
    for (let j = 0; j < k; j++) q[i + j]! /= s;
  }
  return q;
}

/** DEC's target: p_ij ∝ q_ij² / f_j with f_j = Σ_i q_ij (sharper, and large clusters weighed down). */
export function targetDistribution(q: Float32Array, k: number): Float32Array {
  const f = new Float64Array(k);
  for (let i = 0; i < q.length; i += k) for (let j = 0; j < k; j++) f[j]! += q[i + j]!;
  const p = new Float32Array(q.length);
  for (let i = 0; i < q.length; i += k) {
    let s = 0;
    for (let j = 0; j < k; j++) s += p[i + j] = q[i + j]! ** 2 / f[j]!;
    for (let j = 0; j < k; j++) p[i + j]! /= s;
  }
  return p;
}

const CONV_ENCODER_METHODS = ['rotnet', 'jigsaw', 'simclr', 'finetune'];
const MLP_AE_ACTIVATION: Record<string, CodeActivation> = {
  ae: 'linear',
  dae: 'linear',
  'sparse-ae': 'relu',
  'contractive-ae': 'sigmoid',
};

interface RebuiltEncoder {
  /** x → embedding, the network the committed graph's embedding output computes. */
  encoder: tf.LayersModel;
  /** The autoencoder's reconstruction (same input), when the committed model has a decoder. */
  reconstruction?: tf.SymbolicTensor;
  /** Owns every layer (the whole autoencoder), for disposal. */
  owner: tf.LayersModel;
  describe: string;
}

/** The committed model as a trainable tfjs network, its architecture read from its manifest. */
export function rebuildEncoder(source: CommittedEncoder, seed: number): RebuiltEncoder {
  const { method, training } = source.manifest;
  const t = training.config as {
    convFilters?: number[];
    representationDim?: number;
    pooling?: Pooling;
    hidden?: number[];
    bottleneck?: number;
  };
  let built: RebuiltEncoder;
  if (CONV_ENCODER_METHODS.includes(method)) {
    if (!t.convFilters || !t.representationDim)
      throw new Error(`dec: ${source.manifest.name}'s config lacks convFilters / representationDim`);
    const encoder = buildConvEncoder({
      filters: t.convFilters,
      width: t.representationDim,
      pooling: t.pooling ?? 'flatten',
      seed,
    });
    built = {
      encoder,
      owner: encoder,
      describe: `conv encoder ${t.convFilters.join('-')} → ${t.representationDim}`,
    };
  } else if (method in MLP_AE_ACTIVATION || method === 'conv-ae') {
    if (!t.bottleneck) throw new Error(`dec: ${source.manifest.name}'s config lacks bottleneck`);
    let owner: tf.LayersModel;
    let describe: string;
    if (method === 'conv-ae') {
      const [f1 = 32, f2 = 64] = t.convFilters ?? [];
      owner = buildConvAutoencoder({ filters: [f1, f2], bottleneck: t.bottleneck, seed });
      describe = `conv encoder ${f1}-${f2} → ${t.bottleneck} (of the conv autoencoder)`;
    } else {
      const hidden = t.hidden ?? [512, 128];
      owner = buildMlpAutoencoder({
        inputDim: IMAGE_PIXELS,
        hidden,
        bottleneck: t.bottleneck,
        codeActivation: MLP_AE_ACTIVATION[method]!,
        seed,
      }).model;
      describe = `MLP encoder 784→${hidden.join('→')}→${t.bottleneck} (of the autoencoder)`;
    }
    const encoder = tf.model({ inputs: owner.inputs, outputs: owner.outputs[0]!, name: 'encoder' });
    built = { encoder, owner, reconstruction: owner.outputs[1]!, describe };
  } else {
    throw new Error(
      `dec: cannot rebuild a ${method} model; --encoder takes a conv-encoder model (${CONV_ENCODER_METHODS.join(', ')}) or an autoencoder (${[...Object.keys(MLP_AE_ACTIVATION), 'conv-ae'].join(', ')})`,
    );
  }
  importLayerWeights(built.owner, source.bytes);
  return built;
}

/** Fails unless the rebuilt encoder computes the committed graph's embedding (before any training). */
async function verifyImport(source: CommittedEncoder, encoder: tf.LayersModel, test: Dataset) {
  const images = test.images.subarray(0, Math.min(64, test.count) * IMAGE_PIXELS);
  const error = maxScaledDifference(await onnxEmbed(source, images), embedImages(encoder, images));
  if (error > PARITY_TOLERANCE)
    throw new Error(`dec: the rebuilt ${source.manifest.name} differs from its ONNX graph by ${error}`);
  return error;
}

/** The `embedding` output of an image graph for every image, by onnxruntime-node. */
async function graphEmbedding(bytes: Uint8Array, images: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await runInBatches(session, 'x', images, IMAGE_PIXELS, ['embedding'], 1024)).embedding!;
  } finally {
    await session.release();
  }
}

const round = (v: number) => Number(v.toPrecision(6));

export interface DecRun extends MethodResult {
  /** The refined encoder (x → embedding) and its centroids: the caller disposes `model`. */
  encoder: tf.LayersModel;
  clustering: StudentTAssignment;
  /** x → Q (and x̂ with IDEC); owns the encoder's and the centroids' weights. */
  model: tf.LayersModel;
}

/** Trains and writes the model; returns it undisposed (tests compare it with the graph). */
export async function trainDec(ctx: MethodContext): Promise<DecRun> {
  const { config: c, data } = ctx;
  const { train, test } = data;
  if (!c.encoder)
    throw new Error('dec needs --encoder <model>: a committed conv-encoder model or autoencoder');
  const source = readEncoder(c.modelsDir, c.encoder, 'dec');
  const started = performance.now();
  const rebuilt = rebuildEncoder(source, c.seed);
  const { encoder } = rebuilt;
  const importError = await verifyImport(source, encoder, test);
  if (c.reconstructionWeight > 0 && !rebuilt.reconstruction)
    throw new Error(`dec: --reconstruction-weight needs an autoencoder; ${c.encoder} has no decoder`);
  const dim = encoder.outputs[0]!.shape[1] as number;
  const { k } = c;
  // Spherical DEC: the kernel sees the unit-length embedding scaled to --sphere-radius (on the unit
  // sphere all q would be within a factor 5 of each other); the graph measures on the unit sphere.
  const radius = c.normalizeFeatures ? c.sphereRadius : undefined;
  const space = (z: Float32Array) => {
    if (radius === undefined) return z;
    const u = unitRows(z, dim);
    for (let i = 0; i < u.length; i++) u[i]! *= radius;
    return u;
  };

  // 1. k-means on the training embeddings: the initial centroids, and the score to beat.
  const trainFeatures = space(embedImages(encoder, train.images));
  ctx.log(
    `dec ${c.name}: ${rebuilt.describe} from ${source.manifest.name} ${source.manifest.version} (import parity ${importError.toExponential(1)}); k-means, k = ${k}, on ${train.count} ${dim}-d embeddings${radius ? ` on a sphere of radius ${radius}` : ''}`,
  );
  const fitted = kmeans(trainFeatures, dim, {
    k,
    restarts: c.restarts,
    maxIterations: c.maxIterations,
    tolerance: c.tolerance,
    seed: c.seed,
  });
  const labelled = test.classNames.length > 0;
  const scores = (clusters: Int32Array, labels: Uint8Array) => ({
    accuracy: clusteringAccuracy(clusters, labels),
    nmi: normalizedMutualInformation(clusters, labels),
  });
  const before = labelled
    ? scores(nearestCentroid(space(embedImages(encoder, test.images)), dim, fitted.centroids), test.labels)
    : undefined;
  if (before)
    ctx.log(
      `k-means initialisation: test accuracy ${before.accuracy.toFixed(4)}  nmi ${before.nmi.toFixed(4)}`,
    );

  // 2. Encoder + centroids as one model x → Q (and x̂ for IDEC).
  const clustering = new StudentTAssignment({
    centroids: fitted.centroids,
    k,
    ...(radius !== undefined && { radius }),
    scale: c.centroidLearningRateScale,
  });
  const q = clustering.apply(encoder.outputs[0]!) as tf.SymbolicTensor;
  const idec = c.reconstructionWeight > 0;
  const model = tf.model({
    inputs: encoder.inputs,
    outputs: idec ? [q, rebuilt.reconstruction!] : q,
    name: 'dec',
  });

  // Q and the assignments of the whole training split with the current weights.
  const assign = (images: Float32Array) => {
    const d = squaredDistances(space(embedImages(encoder, images)), dim, clustering.values());
    const soft = softAssignments(d, k);
    return { soft, clusters: argmaxRows(soft, k) };
  };
  let target: Float32Array | undefined;
  let previous: Int32Array | undefined;
  const updates: { step: number; changed: number }[] = [];
  // Batch norm stays in inference mode (its moving statistics fixed, γ and β trained): Q over the
  // split, the batches' Q and the exported graph are then one and the same function.
  const beforeStep = (step: number): 'stop' | undefined => {
    if (target && step % c.updateInterval !== 0) return undefined;
    const { soft, clusters } = assign(train.images);
    target = targetDistribution(soft, k);
    let changed = Number.NaN;
    if (previous) {
      let n = 0;
      for (let i = 0; i < clusters.length; i++) if (clusters[i] !== previous[i]) n++;
      changed = n / clusters.length;
    }
    previous = clusters;
    updates.push({ step, changed });
    const watch = labelled ? scores(clusters, train.labels) : undefined;
    ctx.log(
      `step ${step}: P updated${Number.isNaN(changed) ? '' : `, ${(changed * 100).toFixed(2)} % of assignments changed`}${watch ? `  (train accuracy ${watch.accuracy.toFixed(4)}  nmi ${watch.nmi.toFixed(4)}, labels for this log only)` : ''}`,
    );
    return changed < c.tol ? 'stop' : undefined;
  };
  // Rotated and/or mirrored views: SimCLR's geometric augmentation without its crops and photometric parts.
  const affineViews = c.augmentRotation > 0 || c.horizontalFlip;
  const viewOptions: SimclrViewOptions = {
    ...SIMCLR_VIEWS_28X28,
    cropScale: [1, 1],
    aspectRatio: [1, 1],
    maxRotationDegrees: c.augmentRotation,
    maxTranslation: c.augmentShift,
    flipProbability: c.horizontalFlip ? 0.5 : 0,
    gammaProbability: 0,
    noiseProbability: 0,
    erasingProbability: 0,
  };
  const viewsOf = (images: Float32Array, rng: Rng) => {
    const out = new Float32Array(images.length);
    for (let i = 0; i < images.length; i += IMAGE_PIXELS)
      out.set(simclrView(images.subarray(i, i + IMAGE_PIXELS), rng, viewOptions), i);
    return out;
  };
  const loss = (indices: Uint32Array, step: StepContext) => {
    const n = indices.length;
    const clean = gatherBatch(train, indices).images;
    const images = affineViews
      ? viewsOf(clean, step.rng)
      : c.augmentShift > 0
        ? randomShifts(clean, c.augmentShift, step.rng)
        : clean;
    const p = new Float32Array(n * k);
    indices.forEach((row, i) => {
      p.set(target!.subarray(row * k, (row + 1) * k), i * k);
    });
    const x = tf.tensor2d(images, [n, IMAGE_PIXELS]);
    const out = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
    const [qBatch, xHat] = Array.isArray(out) ? out : [out];
    const pt = tf.tensor2d(p, [n, k]);
    // KL(P‖Q) = Σ p (log p − log q), averaged over the batch.
    const kl = tf.div(
      tf.sum(tf.mul(pt, tf.sub(tf.log(tf.add(pt, 1e-12)), tf.log(tf.add(qBatch!, 1e-12))))),
      n,
    ) as tf.Scalar;
    if (!xHat) return kl;
    return tf.add(kl, tf.mul(c.reconstructionWeight, tf.losses.meanSquaredError(x, xHat))) as tf.Scalar;
  };
  ctx.log(
    `training ${c.name} (dec): ${train.count} images, ≤ ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.learningRate}, P every ${c.updateInterval} steps, tol ${c.tol}${idec ? `, IDEC reconstruction × ${c.reconstructionWeight}` : ''}${c.augmentShift ? `, shifted views ≤ ${c.augmentShift} px` : ''}${c.augmentRotation ? `, rotated ≤ ${c.augmentRotation}°` : ''}${c.horizontalFlip ? ', mirrored' : ''}`,
  );
  const history = await trainLoop({ model, count: train.count, loss, beforeStep, ...loopOptions(ctx) });

  // 3. The refined encoder as a graph of its own (held to the tfjs model like every export), then the
  // cluster head composed onto it at the ONNX level, as k-means composes a committed encoder. Test
  // metrics and the head's parity are measured on the graph's own embedding: what /v1/cluster serves.
  const encoderOnnx = exportLayersModel(encoder, { inputNames: ['x'], outputNames: ['embedding'] });
  await checkedLayersParity(encoder, encoderOnnx, test, ['embedding']);
  const testZ = await graphEmbedding(encoderOnnx, test.images);
  const centroids = clustering.values();
  const exported = radius === undefined ? centroids : centroids.map((v) => v / radius);
  const testFeatures = radius === undefined ? testZ : unitRows(testZ, dim);
  const testDistances = squaredDistances(testFeatures, dim, exported);
  const testClusters = nearestCentroid(testFeatures, dim, exported);
  let inertia = 0;
  testClusters.forEach((cl, i) => {
    inertia += testDistances[i * k + cl]!;
  });
  const metrics: Record<string, number> = { inertia: round(inertia) };
  if (labelled) {
    const after = scores(testClusters, test.labels);
    metrics.accuracy = round(after.accuracy);
    metrics.nmi = round(after.nmi);
    metrics.accuracyBeforeRefinement = round(before!.accuracy);
    metrics.nmiBeforeRefinement = round(before!.nmi);
  }
  const onnx = exportKmeansGraph({
    centroids: exported,
    encoder: { kind: 'onnx', bytes: encoderOnnx, output: 'embedding' },
    graphName: c.name,
    normalize: radius !== undefined,
  });
  const parity = await checkedClusterParity(onnx, test, testDistances, testClusters, k);
  const seconds = (performance.now() - started) / 1000;
  const base = manifestBase(ctx, { ...history, seconds });
  const from = {
    name: source.manifest.name,
    version: source.manifest.version,
    method: source.manifest.method,
    sha256: source.manifest.onnx.sha256,
  };
  const artifact = writeModelArtifact(
    c.modelsDir,
    {
      ...base,
      training: {
        ...base.training,
        config: { ...c, encoderSource: from, targetUpdates: updates.length },
      },
      method: 'dec',
      description: `DEC: ${rebuilt.describe}, initialised from ${from.name} ${from.version} (${from.method}, sha256 ${from.sha256.slice(0, 12)}), and ${k} centroids from k-means on its embeddings${radius ? ' (unit length, spherical)' : ''}, trained together on KL(P‖Q) (Student-t Q, α = 1; P = Q²/f renewed every ${c.updateInterval} steps)${idec ? ` + ${c.reconstructionWeight} × reconstruction MSE (IDEC)` : ''}${c.augmentShift || affineViews ? `, Q of views${c.augmentShift ? ` shifted ≤ ${c.augmentShift} px` : ''}${c.augmentRotation ? ` rotated ≤ ${c.augmentRotation}°` : ''}${c.horizontalFlip ? ' mirrored' : ''} fitted to the clean image's P` : ''}; cluster = argmin_j ‖f(x)${radius ? '/‖f(x)‖' : ''} − μ_j‖²`,
      tasks: ['cluster'],
      outputs: {
        cluster: { name: 'cluster', shape: [] },
        distances: { name: 'distances', shape: [k] },
      },
      onnx: { parityMaxAbsError: parity },
      metrics,
    },
    onnx,
  );
  // Layers are shared, not counted per model: the decoder is the owner's only part outside `model`.
  for (const layer of rebuilt.owner.layers) if (!model.layers.includes(layer)) layer.dispose();
  ctx.log(
    `test ${Object.entries(metrics)
      .map(([key, v]) => `${key} ${v}`)
      .join(
        '  ',
      )}  parity ${parity.toExponential(1)}  ${seconds.toFixed(0)} s (${history.steps} steps, ${updates.length} P updates)  → ${artifact.dir}`,
  );
  return { artifact, finalLoss: history.finalLoss, metrics, encoder, clustering, model };
}

async function run(ctx: MethodContext): Promise<MethodResult> {
  const { model, encoder: _, clustering: __, ...result } = await trainDec(ctx);
  model.dispose();
  return result;
}

export const dec: Method = {
  description:
    'DEC deep clustering: a committed --encoder and its k-means centroids trained on KL(P‖Q); serves /v1/cluster',
  // Measured on Fashion-MNIST's test split with one thread, views shifted ≤ 2 px, lr 1e-3 (ACC / NMI):
  // from fmnist-rotnet (k-means 0.504 / 0.534) 2 epochs 0.565 / 0.615 in 14 minutes, 1 epoch
  // 0.546 / 0.595; from fmnist-conv-ae (k-means 0.477 / 0.542) 10 epochs 0.528 / 0.603 in 5 minutes,
  // spherical 0.522 / 0.593; from fmnist-jigsaw 1 epoch 0.491 / 0.537.
  preset: {
    name: 'fmnist-dec',
    dataset: 'fashion-mnist',
    encoder: 'fmnist-rotnet',
    k: 10,
    epochs: 2,
    batchSize: 256,
    learningRate: 1e-3,
    lrSchedule: 'constant',
    updateInterval: 140,
    tol: 0.001,
    augmentShift: 2,
  },
  run,
};
