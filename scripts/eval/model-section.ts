// One committed image model, run through its ONNX graph on its dataset's test split: every output role it
// has is scored as its task asks (reconstruction, embedding, denoising, clustering, pretext tasks,
// classification, generation), with the pictures that show it.
import { lossCurveSvg } from '../../train/eval/plots';
import { psnrFromMse } from '../../train/eval/reconstruction';
import type { CommittedModel } from '../../train/eval/report/committed-model';
import { imageGridPng } from '../../train/eval/report/image-grid';
import { DENOISING_EVALUATION } from '../../train/methods/dae';
import { corrupt } from '../../worker/contract/corruptions';
import { IMAGE_PIXELS as PIXELS } from '../../worker/contract/image';
import { meanSquaredError } from '../../worker/contract/reconstruction-error';
import { createRng } from '../../worker/contract/rng';
import { embeddingSection } from './embedding-section';
import { pretextMetrics } from './pretext-metrics';
import type { EvalRun, Splits } from './run';

export async function modelSection(
  run: EvalRun,
  model: CommittedModel,
  splits: Splits,
): Promise<{ metrics: Record<string, number>; pictures: string[] }> {
  const { manifest: m } = model;
  const { name } = m;
  const { test, train } = splits;
  const metrics: Record<string, number> = {};
  const pictures: string[] = [];
  const testOut = await model.run(test.images, Object.keys(m.outputs));
  if (testOut.reconstruction) {
    const r = testOut.reconstruction;
    metrics.mse = meanSquaredError(r, test.images);
    metrics.psnr = psnrFromMse(metrics.mse);
    const grid = imageGridPng([test.images.subarray(0, 12 * PIXELS), r.subarray(0, 12 * PIXELS)], 12);
    pictures.push(run.writeReport(`reconstructions-${name}.png`, grid));
  }
  if (testOut.embedding && m.tasks.includes('embed')) {
    const trainOut = await model.run(train.images, ['embedding']);
    const section = await embeddingSection(run, name, trainOut.embedding!, testOut.embedding, splits);
    Object.assign(metrics, section.metrics);
    pictures.push(...section.pictures);
  }
  if (testOut.denoised) {
    const gridRows = [test.images.subarray(0, 10 * PIXELS)];
    for (const spec of DENOISING_EVALUATION) {
      const noisy = corrupt(test.images, spec, createRng(12345));
      const out = (await model.run(noisy, ['denoised'])).denoised!;
      const key = `${spec.kind}${spec.level}`;
      metrics[`psnrNoisy_${key}`] = psnrFromMse(meanSquaredError(noisy, test.images));
      metrics[`psnrDenoised_${key}`] = psnrFromMse(meanSquaredError(out, test.images));
      gridRows.push(noisy.subarray(0, 10 * PIXELS), out.subarray(0, 10 * PIXELS));
    }
    pictures.push(run.writeReport(`denoising-${name}.png`, imageGridPng(gridRows, 10)));
  }
  const pretext = await pretextMetrics(run, model, test, testOut);
  Object.assign(metrics, pretext.metrics);
  pictures.push(...pretext.pictures);
  // How it was trained, from its manifest: the report's pretext-training table.
  metrics.trainingSeconds = m.training.durationSeconds;
  metrics.trainingEpochs = m.training.epochs;
  if (m.training.samplesPerSecond) metrics.trainingImagesPerSecond = m.training.samplesPerSecond;
  for (const [key, value] of Object.entries(m.metrics))
    if (/^(finetune|scratch)Accuracy_/.test(key)) metrics[key] = value; // the fine-tuning runs' own results
  const history = m.training.history;
  if (history && history.trainLoss.length > 0) {
    metrics.finalTrainLoss = history.trainLoss[history.trainLoss.length - 1]!;
    const validation = history.validationLoss[history.validationLoss.length - 1];
    if (validation !== undefined) metrics.finalValidationLoss = validation;
    const perEpoch = history.trainLoss.map((trainLoss, i) => ({
      epoch: i + 1,
      trainLoss,
      seconds: 0,
      ...(history.validationLoss[i] === undefined ? {} : { validationLoss: history.validationLoss[i] }),
    }));
    pictures.push(run.writeReport(`loss-${name}.svg`, await lossCurveSvg(history.trainLoss, perEpoch)));
  }
  return { metrics, pictures };
}
