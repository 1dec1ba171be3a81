// The report's charts across models: label efficiency (linear-probe accuracy against the number of
// labels, per embedding and dataset) and the test confusion of the best Fashion-MNIST probe.

import { confusionMatrixSvg, lineChartSvg } from '../../train/eval/plots';
import { shareName } from '../../train/methods/downstream';
import { DATASETS, type EvalRun, FRACTIONS, type Row, type Splits } from './run';

export async function comparisonCharts(
  run: EvalRun,
  rows: readonly Row[],
  data: Readonly<Record<string, Splits | string>>,
): Promise<string[]> {
  const curves: { x: number; y: number; series: string }[] = [];
  for (const row of rows) {
    const splits = data[row.dataset];
    if (!splits || typeof splits === 'string') continue;
    for (const f of FRACTIONS) {
      const acc = row.metrics[`linearProbeAccuracy_${shareName(f)}`];
      if (acc !== undefined)
        curves.push({ x: Math.round(f * splits.train.count), y: acc, series: row.model });
    }
    const baseline = Object.entries(row.metrics).filter(([k]) => k.startsWith('scratchAccuracy_'));
    for (const [k, v] of baseline) {
      const f = Number(k.replace('scratchAccuracy_', '').replace('pct', '')) / 100;
      curves.push({ x: Math.round(f * splits.train.count), y: v, series: `${row.model} (from scratch)` });
    }
  }
  const charts: string[] = [];
  for (const dataset of DATASETS) {
    const names = new Set(rows.filter((r) => r.dataset === dataset).map((r) => r.model));
    const points = curves.filter((c) => names.has(c.series.replace(' (from scratch)', '')));
    if (points.length) {
      const chart = await lineChartSvg(points, `${dataset}: linear probe accuracy vs labels`, [
        'labelled training images',
        'test accuracy',
      ]);
      charts.push(run.writeReport(`label-efficiency-${dataset}.svg`, chart));
    }
  }
  const confusionKey = (r: Row) => (r.model.startsWith('pixels') ? `pixels-${r.dataset}` : r.model);
  const best = [...rows]
    .filter((r) => run.confusions.has(confusionKey(r)) && r.dataset === 'fashion-mnist')
    .sort(
      (x, y) => (y.metrics.linearProbeAccuracy_100pct ?? 0) - (x.metrics.linearProbeAccuracy_100pct ?? 0),
    )[0];
  if (best) {
    const splits = data[best.dataset] as Splits;
    const chart = await confusionMatrixSvg(
      run.confusions.get(confusionKey(best))!,
      splits.test.classNames,
      `${best.model}: linear probe (100 % labels), test confusion`,
    );
    charts.push(run.writeReport('confusion-best-probe.svg', chart));
  }
  return charts;
}
