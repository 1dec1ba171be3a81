// Shared by the worker tests: the digits fixture, the bundled models, and request helpers.

import { type Manifest, ManifestSchema, ModelIndexSchema } from '../../worker/schemas/manifest';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import digits from './fixtures/digits.json';

export { digits };

export const index = ModelIndexSchema.parse(bundledModels.index);

/** The manifest of a bundled model, as committed under models/. */
export function bundledManifest(name: string): Manifest {
  const entry = bundledModels.models[name];
  if (entry === undefined) throw new Error(`no bundled model "${name}"`);
  return ManifestSchema.parse(entry.manifest);
}

export const jsonInit = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** An image of 784 equal pixels. */
export const flatImage = (value: number): number[] => Array.from({ length: 784 }, () => value);

/** Status and parsed body together, so one inline snapshot pins both. */
export async function statusAndBody(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}

/** Largest |a − b| over two vectors of equal length (batching may change float sums in the last bits). */
export function maxAbsDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}
