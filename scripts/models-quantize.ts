// npm run models:quantize -- <name> [<name> …] | --all   [--models-dir models] [--calibration-images 1000]
//                                                       [--data-dir DIR]
//
// Writes the static int8 variant ("q8") of each image model: models/<name>/model.q8.onnx (and
// generator.q8.onnx for a model with a generator), made by the exporter's quantizer
// (train/export/quantize/) and calibrated on the model's own training images (evenly spaced; a
// generator on draws from its prior N(0, I), which is what /v1/generate feeds it). The manifest then
// names the variant with its sha256 and size under `variants.q8`, and its patch version goes up (a
// version's files never change once published). Before writing, the variant is run next to the float
// graph on test images with onnxruntime-web (what the worker serves with) and refused when an output
// is not finite. Text models have no int8 variant (--all skips them). Re-run it after every retraining:
// `npm run models:quantize -- --all`, then `npm run eval` and `npm run bench:serve` for the reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTrainingData } from '../train/data/load';
import { spreadSubset } from '../train/data/subset';
import { sha256Hex } from '../train/export/artifact';
import { type QuantizedModel, quantizeModel } from '../train/export/quantize/quantize-model';
import { createWebSession, runWebInBatches } from '../train/export/web-runtime';
import { IMAGE_PIXELS } from '../worker/contract/image';
import { type Manifest, ManifestSchema, ModelIndexSchema, type Variant } from '../worker/contract/manifest';
import { priorSample } from '../worker/contract/rng';
import { bumpPatch } from './model-version';
import { withoutStaleDerivatives } from './stale-derivatives';

export { bumpPatch };

export const DEFAULT_CALIBRATION_IMAGES = 1000;
/** Test images the variant is run on next to the float graph before it is written. */
const CHECK_IMAGES = 512;

export interface QuantizeCommandOptions {
  modelsDir: string;
  calibrationImages: number;
  dataDir?: string;
  log?: (line: string) => void;
}

/** What one model's variant is: its files, and how far its outputs are from the float graph's. */
export interface QuantizedVariant {
  manifest: Manifest;
  /** Output name → root-mean-square difference from the float graph on test images (onnxruntime-web). */
  rmsDifference: Record<string, number>;
  /** Whether the manifest changed (false when the same variant was there already). */
  changed: boolean;
}

const describeLayers = (q: QuantizedModel) => {
  const count = (ops: string[]) =>
    [...new Set(ops)].map((op) => `${ops.filter((o) => o === op).length} ${op}`).join(', ');
  const quantized = count(q.layers.map((l) => l.opType));
  const float = q.keptFloat.map((l) => `${l.opType} (${l.reason})`).join('; ');
  return `int8: ${quantized}${float ? `; float32: ${float}` : ''}`;
};

/**
 * Why `manifest` gets no int8 variant, or undefined when it gets one: the one rule for `--all`, for naming
 * a model, and for the committed-model test that demands a variant of exactly these models.
 */
export function quantizable(manifest: Pick<Manifest, 'name' | 'input'>): string | undefined {
  return manifest.input.layout === '28x28-row-major'
    ? undefined
    : `${manifest.name} is a text model; only image models have an int8 variant`;
}

export async function quantizeCommittedModel(
  name: string,
  options: QuantizeCommandOptions,
): Promise<QuantizedVariant> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = join(options.modelsDir, name);
  const manifestPath = join(dir, 'manifest.json');
  // The variant is rebuilt from scratch; an old one, or an index built by an earlier graph, must not stop it.
  const { manifest: current, dropped } = withoutStaleDerivatives(
    JSON.parse(readFileSync(manifestPath, 'utf8')),
  );
  for (const what of dropped) log(`${name}: left out ${what}; rebuild it with its command`);
  const manifest = ManifestSchema.parse(current);
  const refused = quantizable(manifest);
  if (refused !== undefined) throw new Error(refused);
  const seed = Number((manifest.training.config as { seed?: unknown }).seed ?? 0);
  const data = await loadTrainingData({
    dataset: manifest.dataset.name as 'mnist' | 'fashion-mnist' | 'folder',
    trainLimit: 0,
    seed: Number.isInteger(seed) ? seed : 0,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  const calibration = spreadSubset(data.train, options.calibrationImages);
  log(`${name}: calibrating on ${calibration.count} of ${data.train.count} training images`);
  const fp32 = new Uint8Array(readFileSync(join(dir, manifest.onnx.file)));
  const main = await quantizeModel(fp32, { data: calibration.images, width: IMAGE_PIXELS });

  const test = spreadSubset(data.test, CHECK_IMAGES);
  const outputs = [...new Set(Object.values(manifest.outputs).map((o) => o.name))];
  const rmsDifference = await compare(
    fp32,
    main.bytes,
    manifest.input.name,
    test.images,
    IMAGE_PIXELS,
    outputs,
  );

  const onnxFile = manifest.onnx.file.replace(/\.onnx$/, '.q8.onnx');
  const files: { file: string; bytes: Uint8Array }[] = [{ file: onnxFile, bytes: main.bytes }];
  let quantization =
    'QDQ (onnxruntime fuses it into integer kernels): uint8 activations with a zero point, min/max over ' +
    `${calibration.count} evenly spaced training images; int8 weights per output channel; int32 biases` +
    `${main.foldedBatchNorms > 0 ? `; ${main.foldedBatchNorms} batch norms folded` : ''}. ${describeLayers(main)}.`;
  let generator: Variant['generator'];
  if (manifest.generator) {
    const { latent, output, file } = manifest.generator;
    const fp32Generator = new Uint8Array(readFileSync(join(dir, file)));
    const z = priorSample(options.calibrationImages, latent.dims, 1);
    const q = await quantizeModel(fp32Generator, { data: z, width: latent.dims });
    const check = priorSample(CHECK_IMAGES, latent.dims, 2);
    Object.assign(rmsDifference, {
      [`generator ${output.name}`]: (
        await compare(fp32Generator, q.bytes, latent.name, check, latent.dims, [output.name])
      )[output.name]!,
    });
    const generatorFile = file.replace(/\.onnx$/, '.q8.onnx');
    files.push({ file: generatorFile, bytes: q.bytes });
    generator = { file: generatorFile, sha256: sha256Hex(q.bytes), bytes: q.bytes.byteLength };
    quantization += ` Generator: calibrated on ${options.calibrationImages} draws from N(0, I); ${describeLayers(q)}.`;
  }
  const variant: Variant = {
    onnx: { file: onnxFile, sha256: sha256Hex(main.bytes), bytes: main.bytes.byteLength },
    ...(generator ? { generator } : {}),
    source: {
      onnx: manifest.onnx.sha256,
      ...(manifest.generator ? { generator: manifest.generator.sha256 } : {}),
    },
    quantization,
  };
  const changed = JSON.stringify(manifest.variants?.q8) !== JSON.stringify(variant);
  const next = ManifestSchema.parse({
    ...manifest,
    version: changed ? bumpPatch(manifest.version) : manifest.version,
    variants: { ...manifest.variants, q8: variant },
  });
  if (changed) {
    for (const { file, bytes } of files) writeFileSync(join(dir, file), bytes);
    writeFileSync(manifestPath, `${JSON.stringify(next, null, 2)}\n`);
  }
  const ratio = (main.bytes.byteLength / fp32.byteLength).toFixed(2);
  const diffs = Object.entries(rmsDifference)
    .map(([output, rms]) => `${output} ${rms.toExponential(2)}`)
    .join(', ');
  log(
    `${name}: ${changed ? `wrote ${files.map((f) => f.file).join(' + ')}, version ${manifest.version} → ${next.version}` : 'q8 variant unchanged'}; ${ratio}× the float size; rms difference from fp32 on ${test.count} test images: ${diffs}`,
  );
  return { manifest: next, rmsDifference, changed };
}

/** rms difference per output between the two graphs, run with onnxruntime-web; refuses non-finite outputs. */
async function compare(
  fp32: Uint8Array,
  q8: Uint8Array,
  input: string,
  data: Float32Array,
  width: number,
  outputs: readonly string[],
): Promise<Record<string, number>> {
  const run = async (bytes: Uint8Array) => {
    const session = await createWebSession(bytes);
    try {
      return await runWebInBatches(session, input, data, width, outputs);
    } finally {
      await session.release();
    }
  };
  const [a, b] = [await run(fp32), await run(q8)];
  const rms: Record<string, number> = {};
  for (const output of outputs) {
    const x = a[output]!;
    const y = b[output]!;
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(y[i]!))
        throw new Error(`quantize: the q8 output "${output}" is not finite (value ${i})`);
      sum += (x[i]! - y[i]!) ** 2;
    }
    rms[output] = Math.sqrt(sum / x.length);
  }
  return rms;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      'models-dir': { type: 'string', default: 'models' },
      'calibration-images': { type: 'string', default: String(DEFAULT_CALIBRATION_IMAGES) },
      'data-dir': { type: 'string' },
    },
  });
  const modelsDir = values['models-dir'];
  const calibrationImages = Number(values['calibration-images']);
  if (!Number.isInteger(calibrationImages) || calibrationImages < 1) {
    throw new Error(`--calibration-images must be a whole number ≥ 1, got ${values['calibration-images']}`);
  }
  const index = ModelIndexSchema.parse(JSON.parse(readFileSync(join(modelsDir, 'index.json'), 'utf8')));
  let names = positionals;
  if (values.all) {
    if (names.length > 0) throw new Error('name models or pass --all, not both');
    names = index.models.filter((name) => {
      const manifest = JSON.parse(readFileSync(join(modelsDir, name, 'manifest.json'), 'utf8')) as Manifest;
      const refused = quantizable(manifest);
      if (refused !== undefined) console.log(`skipped: ${refused}`);
      return refused === undefined;
    });
  } else if (names.length === 0) {
    throw new Error('usage: npm run models:quantize -- <name> [<name> …] | --all');
  }
  const unknown = names.filter((name) => !index.models.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `not in ${join(modelsDir, 'index.json')}: ${unknown.join(', ')} (known: ${index.models.join(', ')})`,
    );
  }
  for (const name of names) {
    await quantizeCommittedModel(name, {
      modelsDir,
      calibrationImages,
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
