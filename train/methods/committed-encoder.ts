// A model under models/ used as a frozen feature extractor (the probe's --encoder): its manifest, its
// ONNX bytes, and its embedding of images computed by onnxruntime-node — the graph the worker serves,
// so the probe evaluates exactly what /v1/embed answers, whatever method trained it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { IMAGE_PIXELS } from '../../worker/contract/image';
import { type Manifest, ManifestSchema } from '../../worker/contract/manifest';
import { runInBatches } from '../export/parity';

export interface CommittedEncoder {
  manifest: Manifest;
  bytes: Uint8Array;
}

/**
 * The committed encoder: its manifest and ONNX bytes. `who` starts the error messages (the probe's
 * --encoder, k-means' --features); `method`, when given, is the method that must have trained it.
 */
export function readEncoder(
  modelsDir: string,
  name: string,
  who = 'probe',
  method?: string,
): CommittedEncoder {
  const path = join(modelsDir, name, 'manifest.json');
  if (!existsSync(path)) throw new Error(`${who}: no model "${name}" in ${modelsDir} (train it first)`);
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  if (method !== undefined && manifest.method !== method) {
    throw new Error(`${who}: ${name} is a ${manifest.method} model, not ${method}`);
  }
  if (!manifest.outputs.embedding) {
    throw new Error(`${who}: ${name} (${manifest.method}) has no embedding output`);
  }
  return { manifest, bytes: new Uint8Array(readFileSync(join(modelsDir, name, manifest.onnx.file))) };
}

/** The encoder's embedding of every image: one onnxruntime-node session, 1,024 images at a time. */
export async function onnxEmbed(encoder: CommittedEncoder, images: Float32Array): Promise<Float32Array> {
  const { input, outputs } = encoder.manifest;
  const output = outputs.embedding!.name;
  const session = await ort.InferenceSession.create(encoder.bytes);
  try {
    return (await runInBatches(session, input.name, images, IMAGE_PIXELS, [output], 1024))[output]!;
  } finally {
    await session.release();
  }
}
