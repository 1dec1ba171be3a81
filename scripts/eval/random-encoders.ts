// The baseline every embedding table needs beside the trained encoders: the same architecture with
// random weights (the trained model's seed, untrained; batch norm with its initial statistics, as an
// untrained network's exported graph would have). A pretext task has to beat this, not only pixels:
// random conv features are already strong on 28×28 images.

import { embedImages } from '../../train/methods/downstream';
import { buildConvEncoder, type Pooling } from '../../train/models/conv-encoder';
import type { Manifest } from '../../worker/contract/manifest';
import { embeddingSection } from './embedding-section';
import type { EvalRun, Row, Splits } from './run';

const CONV_ENCODER_METHODS = new Set<Manifest['method']>(['rotnet', 'jigsaw', 'simclr']);

interface Architecture {
  filters: number[];
  width: number;
  pooling: Pooling;
  seed: number;
}

/** The conv-encoder architecture of a committed self-supervised model, if it has one. */
export function encoderArchitecture(m: Manifest): Architecture | undefined {
  if (!CONV_ENCODER_METHODS.has(m.method)) return undefined;
  const c = m.training.config as {
    convFilters?: number[];
    representationDim?: number;
    pooling?: Pooling;
    seed?: number;
  };
  if (!c.convFilters || !c.representationDim) return undefined;
  return {
    filters: c.convFilters,
    width: c.representationDim,
    pooling: c.pooling ?? 'flatten',
    seed: c.seed ?? 1,
  };
}

export const randomEncoderName = (a: Architecture, dataset: string) =>
  `random conv ${a.filters.join('-')} → ${a.width} (${dataset})`;

/** One row per distinct architecture and dataset among the committed self-supervised models. */
export async function randomEncoderRows(
  run: EvalRun,
  manifests: Manifest[],
  data: Record<string, Splits | string>,
) {
  const rows: Row[] = [];
  const pictures: Record<string, string[]> = {};
  const seen = new Set<string>();
  for (const m of manifests) {
    const arch = encoderArchitecture(m);
    const splits = data[m.dataset.name];
    if (!arch || !splits || typeof splits === 'string') continue;
    const name = randomEncoderName(arch, m.dataset.name);
    if (seen.has(name)) continue;
    seen.add(name);
    run.log(name);
    const encoder = buildConvEncoder({
      filters: arch.filters,
      width: arch.width,
      pooling: arch.pooling,
      seed: arch.seed,
    });
    try {
      const slug = `random-${arch.filters.join('-')}-${arch.width}-${m.dataset.name}`;
      const section = await embeddingSection(
        run,
        slug,
        embedImages(encoder, splits.train.images),
        embedImages(encoder, splits.test.images),
        splits,
      );
      rows.push({ model: name, dataset: m.dataset.name, metrics: section.metrics });
      pictures[name] = section.pictures;
    } finally {
      encoder.dispose();
    }
  }
  return { rows, pictures };
}
