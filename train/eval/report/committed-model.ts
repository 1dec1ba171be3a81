// A committed model as the worker serves it: its manifest and its ONNX graph(s), run with
// onnxruntime-node in batches. The report measures the artefact itself, never the training code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Manifest, ManifestSchema } from '../../../worker/contract/manifest';
import { runInBatches } from '../../export/parity';

export interface CommittedModel {
  manifest: Manifest;
  /** Runs the graph on N images (N×784) and returns each output role as a flat Float32Array. */
  run(images: Float32Array, roles: readonly string[]): Promise<Record<string, Float32Array>>;
  /** Runs the generator graph (VAE decoder) on latent codes (N×dims). */
  generate?(latent: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

const BATCH = 500;

export async function loadCommittedModel(modelsDir: string, name: string): Promise<CommittedModel> {
  const folder = join(modelsDir, name);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')));
  const session = await ort.InferenceSession.create(readFileSync(join(folder, manifest.onnx.file)));
  const generator = manifest.generator
    ? await ort.InferenceSession.create(readFileSync(join(folder, manifest.generator.file)))
    : undefined;
  return {
    manifest,
    async run(images, roles) {
      const names = roles.map((role) => {
        const spec = manifest.outputs[role];
        if (!spec) throw new Error(`${name} has no "${role}" output`);
        return spec.name;
      });
      const byName = await runInBatches(
        session,
        manifest.input.name,
        images,
        784,
        [...new Set(names)],
        BATCH,
      );
      return Object.fromEntries(roles.map((role, i) => [role, byName[names[i]!]!]));
    },
    ...(generator &&
      manifest.generator && {
        generate: async (latent: Float32Array) => {
          const spec = manifest.generator!;
          const out = await runInBatches(
            generator,
            spec.latent.name,
            latent,
            spec.latent.dims,
            [spec.output.name],
            BATCH,
          );
          return out[spec.output.name]!;
        },
      }),
    async release() {
      await session.release();
      await generator?.release();
    },
  };
}
