// What the serving benchmark measures: the image models the worker really serves, one model per image
// endpoint (its default where served), a model no server prepares ahead of time (the lazy cold start),
// and the largest model's session-creation variants (optimisation levels, pre-optimised ONNX, ORT format).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../../worker/contract/manifest';
import type { BundledModels } from '../../worker/store/bundled-store';
import { saveOptimisedModel } from './node-runtime';
import { IMAGE_TASKS } from './serve-settings';

export interface Plan {
  /** The served image models (session.run is timed on image batches; text models take token ids). */
  names: string[];
  /** Image models in models/ that the worker's bundle does not hold yet. */
  notBundled: string[];
  endpoints: { task: Task; model: string }[];
  /** Image tasks no served model has. */
  skipped: Task[];
  /** The first request of a cold start: the first endpoint's model. */
  coldModel: { task: Task; model: string };
  /** A model that is no task's default: neither server prepares its session before it is asked for. */
  lazyModel: { task: Task; model: string };
  /** The largest served model: the one whose session creation costs most. */
  biggest: string;
  /** Served image models with an int8 variant (manifest variants.q8). */
  quantized: string[];
}

export function measurementPlan(bundle: BundledModels, served: readonly string[]): Plan {
  const { index, models } = bundle;
  const isText = (name: string) =>
    (models[name]!.manifest as { input?: { layout?: string } }).input?.layout === 'token-ids';
  const names = served.filter((name) => Object.hasOwn(models, name) && !isText(name));
  const notBundled = Object.keys(models).filter((name) => !names.includes(name) && !isText(name));
  const tasksOf = (name: string) => (models[name]!.manifest as { tasks: Task[] }).tasks;
  const defaults = (index as { defaults?: Partial<Record<Task, string>> }).defaults ?? {};
  // Each image task with a served model: its default model if served, else the first that can.
  const endpoints = IMAGE_TASKS.flatMap((task) => {
    const preferred = defaults[task];
    const model =
      preferred !== undefined && names.includes(preferred)
        ? preferred
        : names.find((name) => tasksOf(name).includes(task));
    return model === undefined ? [] : [{ task, model }];
  });
  const skipped = IMAGE_TASKS.filter((task) => !endpoints.some((e) => e.task === task));
  const defaultNames: string[] = Object.values(defaults);
  const lazyName = names.find((name) => !defaultNames.includes(name) && tasksOf(name).includes('embed'));
  if (lazyName === undefined) throw new Error('no served model outside the defaults to time a lazy session');
  const onnxSize = (name: string) => statSync(join('models', name, 'model.onnx')).size;
  const biggest = names.toSorted((a, b) => onnxSize(b) - onnxSize(a))[0]!;
  const quantized = names.filter(
    (name) => (models[name]!.manifest as { variants?: { q8?: unknown } }).variants?.q8 !== undefined,
  );
  return {
    names,
    quantized,
    notBundled,
    endpoints,
    skipped,
    coldModel: endpoints[0]!,
    lazyModel: { model: lazyName, task: 'embed' },
    biggest,
  };
}

export interface SessionVariant {
  label: string;
  bytes: Uint8Array;
  level: string;
}

/** The graph at each optimisation level, and pre-optimised copies (written under `scratch`) at level disabled. */
export async function sessionVariants(graphPath: string, scratch: string): Promise<SessionVariant[]> {
  const variants: SessionVariant[] = [];
  const original = new Uint8Array(readFileSync(graphPath));
  for (const level of ['disabled', 'basic', 'extended', 'all']) {
    variants.push({ label: `model.onnx, graphOptimizationLevel ${level}`, bytes: original, level });
  }
  for (const [level, ext] of [
    ['basic', 'onnx'],
    ['extended', 'onnx'],
    ['basic', 'ort'],
  ] as const) {
    const path = join(scratch, `${level}.${ext}`);
    try {
      await saveOptimisedModel(graphPath, path, level);
      const what = ext === 'ort' ? 'ORT format' : 'ONNX';
      variants.push({
        label: `pre-optimised (${level}) ${what}, level disabled`,
        bytes: new Uint8Array(readFileSync(path)),
        level: 'disabled',
      });
    } catch (error) {
      console.warn(`cannot pre-optimise at ${level} as ${ext}: ${error}`);
    }
  }
  return variants;
}
