// The lecture's quality targets (the pretext-quality issue), read from the committed manifests'
// test-split metrics. One list for the committed-model test (test/models/quality-targets.test.ts),
// which holds every model to its target so a worse retrained model cannot be committed silently, and
// for EVALUATION.md's "Quality targets" table (npm run eval), which says beside each number whether
// it is met. A target that is missed is listed in SHORTFALLS with what was tried: the test then
// expects it still missed, so meeting it later fails the test until the entry is removed.
import type { Manifest, ModelIndex } from '../../worker/contract/manifest';

export interface QualityTarget {
  id: string;
  /** What is measured, in words. */
  what: string;
  /** The model: a name, or the default of an endpoint task in models/index.json. */
  model: string | { default: 'classify' | 'cluster' };
  /** The metric's value, from the manifest's metrics. */
  value: (metrics: Readonly<Record<string, number>>) => number | undefined;
  least: number;
}

const metric = (name: string) => (m: Readonly<Record<string, number>>) => m[name];

export const TARGETS: readonly QualityTarget[] = [
  {
    id: 'fmnist-rotation',
    what: 'Fashion-MNIST rotation accuracy',
    model: 'fmnist-rotnet',
    value: metric('rotationAccuracy'),
    least: 0.97,
  },
  {
    id: 'fmnist-jigsaw',
    what: 'Fashion-MNIST jigsaw accuracy',
    model: 'fmnist-jigsaw',
    value: metric('jigsawAccuracy'),
    least: 0.95,
  },
  {
    id: 'simclr-probe-100',
    what: 'SimCLR linear probe, 100 % of the labels',
    model: 'fmnist-simclr',
    value: metric('linearProbeAccuracy_100pct'),
    least: 0.86,
  },
  {
    id: 'simclr-probe-1',
    what: 'SimCLR linear probe, 1 % of the labels',
    model: 'fmnist-simclr',
    value: metric('linearProbeAccuracy_1pct'),
    least: 0.8,
  },
  {
    id: 'simclr-knn',
    what: 'SimCLR kNN (k = 20)',
    model: 'fmnist-simclr',
    value: metric('knnAccuracy'),
    least: 0.85,
  },
  {
    id: 'classify',
    what: '/v1/classify default accuracy',
    model: { default: 'classify' },
    value: metric('accuracy'),
    least: 0.9,
  },
  {
    id: 'finetune-gain-1',
    what: 'fine-tuned minus from-scratch accuracy, 1 % of the labels',
    model: { default: 'classify' },
    value: (m) =>
      m.finetuneAccuracy_1pct === undefined || m.scratchAccuracy_1pct === undefined
        ? undefined
        : m.finetuneAccuracy_1pct - m.scratchAccuracy_1pct,
    least: 0.03,
  },
  {
    id: 'cluster-acc',
    what: '/v1/cluster default ACC (Fashion-MNIST)',
    model: { default: 'cluster' },
    value: metric('accuracy'),
    least: 0.62,
  },
  {
    id: 'cluster-nmi',
    what: '/v1/cluster default NMI (Fashion-MNIST)',
    model: { default: 'cluster' },
    value: metric('nmi'),
    least: 0.6,
  },
  {
    id: 'mnist-rotation',
    what: 'MNIST sample rotation accuracy',
    model: 'mnist-rotnet',
    value: metric('rotationAccuracy'),
    least: 0.95,
  },
  {
    id: 'mnist-cluster-acc',
    what: 'MNIST sample clustering ACC',
    model: 'mnist-kmeans',
    value: metric('accuracy'),
    least: 0.85,
  },
];

/** Targets the committed models miss, with what was tried. Keep it honest: measured, not hoped. */
const SIMCLR_SHORT =
  'fmnist-simclr 2.0.0 (`npm run train -- simclr --version 2.0.0 --epochs 16`: flattened 7×7 map, τ 0.5, crops down to ' +
  '30 %, flips, batch-normalised head, 16 epochs over 60,000 images, 82 min on two cores) reaches linear probes 0.823 ' +
  '(100 %) and 0.771 (1 %) and kNN 0.820, up from 0.749 / 0.570 / 0.711 for 1.0.1 (12,000 images, 5 epochs, global ' +
  'pooling). Its loss was still falling at the last epoch (4.62); the preset asks for 50 epochs, about 4.3 h at ' +
  "this run's pace, longer than the time this run had";
const CLUSTERING_TRIED =
  'k-means on the committed embeddings (`npm run train -- kmeans --features encoder:<model> --normalize-features`): ' +
  "fmnist-conv-ae's code 0.503/0.568 (served), fmnist-simclr 2.0.0's 0.588/0.541, the RotNet's 0.503/0.529. " +
  'DEC refinement (`npm run train -- dec`, test ACC/NMI): of fmnist-rotnet, 2 epochs with shifted views, 0.565/0.615; ' +
  'of fmnist-conv-ae, 10 epochs, 0.528/0.603. Not yet committed as a model: the runs finished after the ' +
  'committed models and this report were made; DEC on the SimCLR encoder is untried';

export const SHORTFALLS: Readonly<Record<string, string>> = {
  'simclr-probe-100': SIMCLR_SHORT,
  'simclr-probe-1': SIMCLR_SHORT,
  'simclr-knn': SIMCLR_SHORT,
  'finetune-gain-1':
    "fine-tuning RotNet's encoder on 1 % of the labels reaches 0.816 against 0.794 from scratch (+2.3 points; at 10 %, " +
    '0.826 against 0.833, both after 200 steps). With 200 head-only steps first (LP-FT, ' +
    '`npm run train -- finetune --label-fractions 0.01 --head-steps 200`) 0.824, but the from-scratch network, given ' +
    "the same 400 steps, reaches 0.812 (+1.3). From jigsaw's encoder, LP-FT: 0.810. Not yet: SimCLR 2.0.0's encoder",
  'cluster-acc': CLUSTERING_TRIED,
  'cluster-nmi': CLUSTERING_TRIED,
  'mnist-cluster-acc':
    "spherical k-means on the digit autoencoder's code reaches 0.525 (served); on the digit RotNet's and jigsaw's codes " +
    "0.334 and 0.513, on mnist-simclr's 0.540 (its kNN is 0.914, but its clusters are not the digits). DEC on the " +
    'autoencoder (`npm run train -- dec --dataset mnist --encoder mnist-mlp-ae --epochs 60 --augment-shift 2 ' +
    '--augment-rotation 15`) reaches 0.704, not yet committed',
};

export function targetModel(t: QualityTarget, index: ModelIndex): string | undefined {
  return typeof t.model === 'string' ? t.model : index.defaults[t.model.default];
}

export interface TargetReading {
  target: QualityTarget;
  model: string | undefined;
  value: number | undefined;
  met: boolean;
}

export function readTargets(
  index: ModelIndex,
  manifestOf: (name: string) => Manifest | undefined,
): TargetReading[] {
  return TARGETS.map((target) => {
    const model = targetModel(target, index);
    const manifest = model === undefined ? undefined : manifestOf(model);
    const value = manifest ? target.value(manifest.metrics) : undefined;
    return { target, model, value, met: value !== undefined && value >= target.least };
  });
}
