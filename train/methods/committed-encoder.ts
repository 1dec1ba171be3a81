// A model under models/ used as a frozen feature extractor (the probe's --encoder): its manifest, its
// ONNX bytes, and its embedding of images computed by onnxruntime-node — the graph the worker serves,
// so the probe evaluates exactly what /v1/embed answers, whatever method trained it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Manifest, ManifestSchema } from '../../worker/schemas/manifest';
import { IMAGE_PIXELS } from '../data/dataset';
import { runOnnx } from '../export/parity';

export interface CommittedEncoder {
  manifest: Manifest;
  bytes: Uint8Array;
}

/** The committed encoder: its manifest and ONNX bytes. */
export function readEncoder(modelsDir: string, name: string | undefined): CommittedEncoder {
  if (!name)
    throw new Error('probe needs --encoder <model>: a model under --models-dir with an embedding output');
  const path = join(modelsDir, name, 'manifest.json');
  if (!existsSync(path)) throw new Error(`probe: no model "${name}" in ${modelsDir} (train it first)`);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (!manifest.outputs.embedding)
    throw new Error(`probe: ${name} (${manifest.method}) has no embedding output`);
  return { manifest, bytes: new Uint8Array(readFileSync(join(modelsDir, name, manifest.onnx.file))) };
}

/** The encoder's embedding of every image, through onnxruntime-node, 1,024 images at a time. */
export async function onnxEmbed(encoder: CommittedEncoder, images: Float32Array): Promise<Float32Array> {
  const { input, outputs } = encoder.manifest;
  const output = outputs.embedding!.name;
  const parts: Float32Array[] = [];
  for (let start = 0; start < images.length; start += 1024 * IMAGE_PIXELS) {
    const x = images.subarray(start, Math.min(images.length, start + 1024 * IMAGE_PIXELS));
    parts.push(
      (
        await runOnnx(encoder.bytes, {
          [input.name]: { data: x, shape: [x.length / IMAGE_PIXELS, IMAGE_PIXELS] },
        })
      )[output]!,
    );
  }
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}
