// `npm run train -- all`: every committed model of the lecture's catalogue, retrained by the exact
// command recorded in its manifest, in dependency order (encoders before the k-means, probe and
// fine-tuned classifier that read them). Each model runs in its own process; before each, the
// expected time (the wall time its committed manifest recorded) is printed, after it the actual one.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CatalogueEntry {
  /** The model written under models/. */
  name: string;
  /** The arguments after `npm run train --`, as the manifest records them. */
  args: readonly string[];
}

/** In training order. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  { name: 'fmnist-pca-32', args: ['pca'] },
  { name: 'mnist-mlp-ae', args: ['ae', '--no-progress'] },
  {
    name: 'fmnist-mlp-ae',
    args: ['ae', '--dataset', 'fashion-mnist', '--name', 'fmnist-mlp-ae', '--epochs', '20', '--no-progress'],
  },
  { name: 'fmnist-conv-ae', args: ['conv-ae', '--no-progress'] },
  { name: 'fmnist-sparse-ae', args: ['sparse-ae', '--epochs', '8', '--no-progress'] },
  { name: 'fmnist-contractive-ae', args: ['contractive-ae', '--epochs', '8', '--no-progress'] },
  { name: 'fmnist-dae', args: ['dae', '--no-progress'] },
  { name: 'fmnist-vae', args: ['vae', '--no-progress'] },
  { name: 'fmnist-rotnet', args: ['rotnet', '--version', '2.0.0', '--no-progress'] },
  { name: 'fmnist-jigsaw', args: ['jigsaw', '--version', '2.0.0', '--no-progress'] },
  { name: 'fmnist-simclr', args: ['simclr', '--version', '2.0.0', '--epochs', '16', '--no-progress'] },
  {
    name: 'mnist-rotnet',
    args: ['rotnet', '--dataset', 'mnist', '--name', 'mnist-rotnet', '--epochs', '5', '--no-progress'],
  },
  {
    name: 'mnist-simclr',
    // Digits are not mirror-symmetric: no flips; 31 steps per epoch, so a short warm-up.
    args: [
      'simclr',
      '--dataset',
      'mnist',
      '--name',
      'mnist-simclr',
      '--epochs',
      '30',
      '--warmup-steps',
      '60',
      '--no-horizontal-flip',
      '--no-progress',
    ],
  },
  {
    name: 'mnist-jigsaw',
    args: ['jigsaw', '--dataset', 'mnist', '--name', 'mnist-jigsaw', '--epochs', '10', '--no-progress'],
  },
  {
    name: 'fmnist-kmeans',
    // Spherical k-means on the conv autoencoder's code: the best committed embedding for clustering
    // (EVALUATION.md); SimCLR's will take over once it beats it.
    args: [
      'kmeans',
      '--features',
      'encoder:fmnist-conv-ae',
      '--normalize-features',
      '--version',
      '2.0.0',
      '--no-progress',
    ],
  },
  {
    name: 'mnist-kmeans',
    // Spherical k-means on the digit autoencoder's code: the best of the committed digit embeddings
    // (the RotNet's and jigsaw's codes cluster worse; a digit SimCLR is not trained yet).
    args: [
      'kmeans',
      '--dataset',
      'mnist',
      '--name',
      'mnist-kmeans',
      '--features',
      'encoder:mnist-mlp-ae',
      '--normalize-features',
      '--version',
      '2.0.0',
      '--no-progress',
    ],
  },
  {
    name: 'fmnist-probe',
    args: ['probe', '--encoder', 'fmnist-simclr', '--version', '2.0.0', '--no-progress'],
  },
  { name: 'fmnist-classifier', args: ['finetune', '--no-progress'] },
  { name: 'fortunes-text', args: ['text', '--no-progress'] },
];

/**
 * The wall time the committed manifest of `entry` recorded, when that manifest was made by the
 * entry's own command; a committed model made by another command (an older recipe) says nothing
 * about this one's time.
 */
export function expectedSeconds(modelsDir: string, entry: CatalogueEntry): number | undefined {
  const path = join(modelsDir, entry.name, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const training = (
    JSON.parse(readFileSync(path, 'utf8')) as { training?: { durationSeconds?: number; command?: string } }
  ).training;
  if (training?.command === undefined || sameRun(training.command) !== sameRun(commandOf(entry)))
    return undefined;
  return typeof training.durationSeconds === 'number' ? training.durationSeconds : undefined;
}

export const commandOf = (entry: CatalogueEntry) => `npm run train -- ${entry.args.join(' ')}`;

/**
 * A command without what does not change the model it makes: `--resume` (a resumed run is the same
 * run, its wall time summed over its parts) and `--threads N` (the kernels give the same numbers on
 * any thread count: test/train/loop/cli-determinism.test.ts). The wall time does depend on the threads: the manifest
 * records the command as run.
 */
function sameRun(command: string): string {
  return command.replace(/ --resume(?= |$)/g, '').replace(/ --threads[ =]\d+(?= |$)/g, '');
}

const clock = (s: number | undefined) =>
  s === undefined ? 'unknown' : s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`;

export interface CatalogueOptions {
  modelsDir: string;
  /** Start at this model (after an interruption); the ones before it are kept. */
  from?: string;
  /** Only print the commands and expected times. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** Runs the catalogue; returns the process exit code (the first failing model's). */
export function trainCatalogue(o: CatalogueOptions): number {
  const log = o.log ?? ((line: string) => console.error(line));
  const start = o.from ? CATALOGUE.findIndex((e) => e.name === o.from) : 0;
  if (start < 0)
    throw new Error(
      `--from: no model "${o.from}" in the catalogue: ${CATALOGUE.map((e) => e.name).join(', ')}`,
    );
  const entries = CATALOGUE.slice(start);
  const known = entries.filter((e) => expectedSeconds(o.modelsDir, e) !== undefined);
  const total = known.reduce((s, e) => s + (expectedSeconds(o.modelsDir, e) ?? 0), 0);
  log(
    `${entries.length} models; expected ${clock(total)} for the ${known.length} whose committed manifest was made by the same command (the wall times they recorded)${known.length < entries.length ? ', the others unknown' : ''}`,
  );
  let spent = 0;
  for (const [i, e] of entries.entries()) {
    const expected = expectedSeconds(o.modelsDir, e);
    log(`[${i + 1}/${entries.length}] ${e.name}: ${commandOf(e)}  (expected ${clock(expected)})`);
    if (o.dryRun) continue;
    const began = performance.now();
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, new URL('./cli.ts', import.meta.url).pathname, ...e.args],
      {
        stdio: 'inherit',
      },
    );
    const seconds = (performance.now() - began) / 1000;
    spent += seconds;
    log(
      `[${i + 1}/${entries.length}] ${e.name}: ${r.status === 0 ? 'done' : `failed (exit ${r.status ?? r.signal})`} in ${clock(seconds)} (expected ${clock(expected)}); ${clock(spent)} so far`,
    );
    if (r.status !== 0) {
      log(`continue with: npm run train -- all --from ${e.name}`);
      return r.status ?? 1;
    }
  }
  return 0;
}
