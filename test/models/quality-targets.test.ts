// The committed models must keep what the lecture promises (the pretext-quality issue's targets,
// train/eval/targets.ts), read from each manifest's test-split metrics: a retrained model that is
// worse cannot be committed without this test failing. A target listed in SHORTFALLS (missed, with
// what was tried) is expected to stay missed, so the day it is met this test asks for the entry's
// removal. EVALUATION.md (npm run eval) shows the same table and recomputes the metrics.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTargets, SHORTFALLS, TARGETS } from '../../train/eval/targets';
import { type Manifest, ManifestSchema, ModelIndexSchema } from '../../worker/contract/manifest';

const MODELS = 'models';
const manifestOf = (name: string): Manifest | undefined => {
  const path = join(MODELS, name, 'manifest.json');
  return existsSync(path) ? ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
};
const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(MODELS, 'index.json'), 'utf8')));
const readings = readTargets(index, manifestOf);

describe('committed models meet the quality targets', () => {
  it('lists shortfalls only for known targets', () => {
    const ids = new Set(TARGETS.map((t) => t.id));
    expect(Object.keys(SHORTFALLS).filter((id) => !ids.has(id))).toEqual([]);
  });

  for (const r of readings) {
    const title = `${r.target.what} (${r.model ?? 'no model'}) ≥ ${r.target.least}`;
    if (r.target.id in SHORTFALLS) {
      it(`${title}: a known shortfall, still missed`, () => {
        expect(r.met, `${r.target.id} is met now (${r.value}): remove it from SHORTFALLS`).toBe(false);
      });
    } else {
      it(title, () => {
        expect(r.value, `${r.model} has no value for ${r.target.id}`).toBeTypeOf('number');
        expect(r.value).toBeGreaterThanOrEqual(r.target.least);
      });
    }
  }

  it('/v1/classify serves a fine-tuned pretext network, /v1/cluster a Fashion-MNIST clustering', () => {
    expect(manifestOf(index.defaults.classify!)?.method).toBe('finetune');
    expect(manifestOf(index.defaults.cluster!)?.dataset.name).toBe('fashion-mnist');
  });
});
