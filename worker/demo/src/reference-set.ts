// A dataset's reference set in the page (issue 18): the reference images and labels that the models'
// indexes point into, read from a model's files (GET /v1/models/:name/:file, checked against the sha256
// in its manifest, kept by the service worker for offline use), and the same images as a "pixels" index:
// the raw-pixel baseline searched exactly like the models' indexes (worker/contract/reference-index.ts).
// Computed here rather than served: pixels are no model (nothing to version or publish), the page needs
// the images anyway to show what each model found, and one scan of them takes milliseconds.
import { IMAGE_PIXELS as PIXELS } from '../../contract/image';
import type { Manifest } from '../../contract/manifest';
import {
  decodeReferenceLabels,
  decodeReferenceVectors,
  encodeReferenceVectors,
  type ReferenceVectors,
} from '../../contract/reference-index';
import { sha256Hex } from '../../store/sha256';
import { DemoError } from './inference';
import { gunzip } from './pixels';

export interface ReferenceSet {
  /** The dataset split, in the manifest's words. */
  set: string;
  count: number;
  /** count × 784 bytes, 255 = ink. */
  pixels: Uint8Array;
  labels: Uint8Array;
  classNames: readonly string[];
  /** The pixels as an index of int8 rows, built on first use. */
  pixelVectors(): ReferenceVectors;
}

type FileSpec = { file: string; sha256: string };

/** One file of a model, its bytes checked against the manifest (gzip files checked before gunzip). */
export async function modelFile(
  model: Manifest,
  { file, sha256 }: FileSpec,
  gzipped = false,
): Promise<ArrayBuffer> {
  const url = `/v1/models/${encodeURIComponent(model.name)}/${encodeURIComponent(file)}`;
  const response = await fetch(url);
  if (!response.ok) throw new DemoError(`${model.name}/${file}: HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  const actual = await sha256Hex(bytes);
  if (actual !== sha256) {
    throw new DemoError(`${model.name}/${file} has sha256 ${actual}, but its manifest says ${sha256}`);
  }
  return gzipped ? gunzip(new Response(bytes)) : bytes;
}

const sets = new Map<string, Promise<ReferenceSet>>();

/** The reference set `model`'s index points into; shared by every model with the same images file. */
export function referenceSetOf(model: Manifest): Promise<ReferenceSet> {
  const reference = model.reference;
  if (reference?.images === undefined) {
    return Promise.reject(new DemoError(`${model.name} has no reference images`));
  }
  const key = reference.images.sha256;
  let loading = sets.get(key);
  if (loading === undefined) {
    loading = (async () => {
      const [images, labelBytes] = await Promise.all([
        modelFile(model, reference.images!, true),
        modelFile(model, reference.labels),
      ]);
      const pixels = new Uint8Array(images);
      if (pixels.length !== reference.count * PIXELS) {
        throw new DemoError(
          `${model.name}'s reference images hold ${pixels.length} bytes, not ${reference.count} images`,
        );
      }
      const labels = decodeReferenceLabels(labelBytes, reference.count, reference.classNames.length);
      let vectors: ReferenceVectors | undefined;
      return {
        set: reference.set,
        count: reference.count,
        pixels,
        labels,
        classNames: reference.classNames,
        pixelVectors: () => {
          vectors ??= decodeReferenceVectors(
            encodeReferenceVectors(pixels, PIXELS).buffer as ArrayBuffer,
            reference.count,
            PIXELS,
          );
          return vectors;
        },
      };
    })();
    loading.catch(() => sets.delete(key));
    sets.set(key, loading);
  }
  return loading;
}

/** A model's index, read in the page for in-browser search: its vectors and labels, checked. */
export async function referenceIndexOf(
  model: Manifest,
): Promise<{ vectors: ReferenceVectors; labels: Uint8Array; classNames: readonly string[] }> {
  const reference = model.reference;
  if (reference === undefined) throw new DemoError(`${model.name} has no reference index`);
  const [vectorBytes, labelBytes] = await Promise.all([
    modelFile(model, reference.vectors),
    modelFile(model, reference.labels),
  ]);
  return {
    vectors: decodeReferenceVectors(vectorBytes, reference.count, reference.dims),
    labels: decodeReferenceLabels(labelBytes, reference.count, reference.classNames.length),
    classNames: reference.classNames,
  };
}
