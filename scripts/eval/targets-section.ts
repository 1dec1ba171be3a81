// EVALUATION.md's "Quality targets": each target of train/eval/targets.ts beside the committed model's
// value (from its manifest's test-split metrics, which the tables below recompute from the graphs),
// whether it is met, and for a missed one what was tried.
import { readTargets, SHORTFALLS } from '../../train/eval/targets';
import type { Manifest, ModelIndex } from '../../worker/contract/manifest';

export function targetsSection(index: ModelIndex, manifests: readonly Manifest[]): string[] {
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const rows = readTargets(index, (name) => byName.get(name)).map((r) => {
    const value = r.value === undefined ? '–' : r.value.toFixed(3);
    const verdict = r.met
      ? 'met'
      : `**missed**${SHORTFALLS[r.target.id] ? `: ${SHORTFALLS[r.target.id]}` : ''}`;
    return `| ${r.target.what} | ${r.model ?? '–'} | ≥ ${r.target.least} | ${value} | ${verdict} |`;
  });
  return [
    '## Quality targets',
    '',
    "The pretext-quality issue's targets (`train/eval/targets.ts`), read from each model's manifest; `test/models/quality-targets.test.ts` holds the committed models to them.",
    '',
    '| target | model | required | value | verdict |',
    '|---|---|---:|---:|---|',
    ...rows,
    '',
  ];
}
