// Plots as SVG, rendered with vega-lite in Node (no browser, no canvas). Scatter plots of thousands of
// points: ./scatter-plot.ts.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { EpochRecord } from '../loop/checkpoint';

export async function render(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Training loss per step (light) with its per-epoch mean, and validation loss per epoch. */
export function lossCurveSvg(stepLoss: readonly number[], epochs: readonly EpochRecord[]): Promise<string> {
  const stepsPerEpoch = epochs.length ? stepLoss.length / epochs.length : 1;
  // Thin very long runs to ≤ 2,000 points so the SVG stays small.
  const stride = Math.max(1, Math.ceil(stepLoss.length / 2000));
  const values = [
    ...stepLoss
      .filter((_, i) => i % stride === 0)
      .map((loss, i) => ({ step: i * stride + 1, loss, series: 'train (step)' })),
    ...epochs.map((e) => ({
      step: e.epoch * stepsPerEpoch,
      loss: e.trainLoss,
      series: 'train (epoch mean)',
    })),
    ...epochs
      .filter((e) => e.validationLoss !== undefined)
      .map((e) => ({ step: e.epoch * stepsPerEpoch, loss: e.validationLoss, series: 'validation' })),
  ];
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Loss',
    width: 560,
    height: 300,
    data: { values },
    mark: { type: 'line', point: false, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
      color: { field: 'series', type: 'nominal', title: null },
      opacity: { condition: { test: "datum.series === 'train (step)'", value: 0.35 }, value: 1 },
    },
  });
}

/** Lines of y against x, one per series, x on a log scale (label-efficiency curves). */
export function lineChartSvg(
  points: readonly { x: number; y: number; series: string }[],
  title: string,
  axes: [string, string],
  logX = true,
): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 300,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes[0], scale: logX ? { type: 'log' } : {} },
      y: { field: 'y', type: 'quantitative', title: axes[1], scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
}

/** A confusion matrix: rows are true classes, columns predictions, cells counts. */
export function confusionMatrixSvg(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  title: string,
): Promise<string> {
  const values = matrix.flatMap((row, t) =>
    row.map((count, p) => ({ truth: classNames[t], predicted: classNames[p], count })),
  );
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: [...classNames], title: 'predicted' },
      y: { field: 'truth', type: 'ordinal', sort: [...classNames], title: 'true class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } },
      },
      { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  });
}
