// The report's summary: the short story of the numbers, computed from them (never written by hand).
import { ANCHORS } from './anchors';
import { DATASETS, type EvalRun, type Row } from './run';

/** The honest short story, computed from the numbers above (never written by hand). */
export function summary(run: EvalRun, rows: readonly Row[]): string[] {
  const lines: string[] = [];
  const f = (v: number) => v.toFixed(3);
  for (const dataset of DATASETS) {
    const rs = rows.filter((r) => r.dataset === dataset);
    const pixels = rs.find((r) => r.model.startsWith('pixels'));
    if (!pixels) continue;
    const learned = rs.filter((r) => r !== pixels);
    const cluster = (r: Row) => r.metrics.clusterAccuracy ?? r.metrics.kmeansAccuracy;
    const bestCluster = [...learned]
      .filter((r) => cluster(r) !== undefined)
      .sort((a, b) => cluster(b)! - cluster(a)!)[0];
    if (bestCluster && pixels.metrics.kmeansAccuracy !== undefined) {
      const anchor = ANCHORS.find(
        (a) => a.dataset === dataset && a.kind === 'clustering' && a.label !== 'k-means on pixels',
      );
      lines.push(
        `- ${dataset}, clustering: the best learned representation for k-means is **${bestCluster.model}** (ACC ${f(cluster(bestCluster)!)}) against ${f(pixels.metrics.kmeansAccuracy)} on raw pixels` +
          (anchor ? `; ${anchor.label} reports ${f(anchor.acc)} [${anchor.source}].` : '.'),
      );
    }
    const probe1 = (r: Row) => r.metrics.linearProbeAccuracy_1pct;
    const bestFew = [...learned]
      .filter((r) => probe1(r) !== undefined)
      .sort((a, b) => probe1(b)! - probe1(a)!)[0];
    if (bestFew && probe1(pixels) !== undefined) {
      const gain = probe1(bestFew)! - probe1(pixels)!;
      lines.push(
        `- ${dataset}, few labels: with 1 % of the labels a linear probe on **${bestFew.model}** reaches ${f(probe1(bestFew)!)} against ${f(probe1(pixels)!)} on pixels (${gain >= 0 ? '+' : ''}${f(gain)}).`,
      );
    }
    for (const scratch of learned.filter((r) => r.metrics.scratchAccuracy_1pct !== undefined)) {
      const encoder = rows.find((r) => r.model === run.probeEncoders.get(scratch.model));
      const frozen = encoder?.metrics.linearProbeAccuracy_1pct;
      if (encoder && frozen !== undefined) {
        lines.push(
          `- ${dataset}, the pretext payoff: with 1 % of the labels a linear probe on **${encoder.model}**'s frozen embedding reaches ${f(frozen)}; the same encoder architecture trained from scratch on those labels reaches ${f(scratch.metrics.scratchAccuracy_1pct!)} (from ${scratch.model}'s manifest).`,
        );
      }
    }
    const recon = learned
      .filter((r) => r.metrics.mse !== undefined)
      .sort((a, b) => a.metrics.mse! - b.metrics.mse!);
    const pca = recon.find((r) => r.model.includes('pca'));
    if (recon.length > 1 && pca) {
      const best = recon[0]!;
      lines.push(
        `- ${dataset}, reconstruction: lowest test MSE **${best.model}** (${best.metrics.mse!.toFixed(5)}), ${(best.metrics.mse! / pca.metrics.mse!).toFixed(2)}× that of ${pca.model} (${pca.metrics.mse!.toFixed(5)}).`,
      );
    }
    for (const r of learned.filter((x) => x.metrics['psnrDenoised_gaussian0.3'] !== undefined)) {
      const gain = r.metrics['psnrDenoised_gaussian0.3']! - r.metrics['psnrNoisy_gaussian0.3']!;
      lines.push(`- ${dataset}, denoising: **${r.model}** gains ${gain.toFixed(2)} dB of PSNR at σ = 0.3.`);
    }
    const best100 = [...learned]
      .filter((r) => r.metrics.linearProbeAccuracy_100pct !== undefined)
      .sort((a, b) => b.metrics.linearProbeAccuracy_100pct! - a.metrics.linearProbeAccuracy_100pct!)[0];
    const supervised = ANCHORS.find((a) => a.dataset === dataset && a.kind === 'supervised');
    if (best100 && supervised) {
      lines.push(
        `- ${dataset}, below the literature: the best frozen embedding with all labels (**${best100.model}**, ${f(best100.metrics.linearProbeAccuracy_100pct!)}) stays under a ${supervised.label} (${f(supervised.acc)} [${supervised.source}]); the self-supervised encoders here were trained for minutes on a 2-core CPU, not the hundreds of epochs of the papers.`,
      );
    }
  }
  return lines.length ? lines : ['- No dataset could be evaluated.'];
}
