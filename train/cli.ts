// npm run train -- <method> [--key value …]: every option is a key of the one config schema.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { selectBackend, setWasmThreads } from './backend/select';
import { trainCatalogue } from './catalogue';
import { describeConfigError, parseTrainArgs, toFlag, UsageError } from './config/flags';
import { CONFIG_KEYS, TrainConfigSchema } from './config/schema';
import { loadTrainingData } from './data/load';
import { InterruptedError } from './loop/fit';
import { METHODS } from './methods/index';

function usage(): string {
  const shape = TrainConfigSchema.shape as Record<string, z.ZodType>;
  const defaults = TrainConfigSchema.parse({}) as Record<string, unknown>;
  const options = CONFIG_KEYS.map((key) => {
    const d = defaults[key];
    const shown = d === undefined ? '' : ` (default ${Array.isArray(d) ? d.join(',') : String(d)})`;
    return `  --${toFlag(key).padEnd(20)} ${shape[key]?.description ?? ''}${shown}`;
  });
  return [
    'usage: npm run train -- <method> [options]',
    '',
    '       npm run train -- all [--from <model>] [--dry-run]   every committed model, in order',
    '',
    'methods (each a preset over the defaults below):',
    ...Object.entries(METHODS).map(([name, m]) => `  ${name.padEnd(16)} ${m.description}`),
    '',
    'options:',
    ...options,
    '  --help                 this text',
  ].join('\n');
}

/** `all [--from <model>] [--dry-run]`: the whole catalogue, each model in its own process. */
function all(argv: string[]): number {
  const rest = argv.slice(1);
  const from = rest.indexOf('--from');
  const unknown = rest.filter((a, i) => a !== '--dry-run' && a !== '--from' && i !== from + 1);
  if (unknown.length || (from >= 0 && !rest[from + 1]))
    throw new UsageError('usage: npm run train -- all [--from <model>] [--dry-run]');
  return trainCatalogue({
    modelsDir: 'models',
    ...(from >= 0 && { from: rest[from + 1]! }),
    dryRun: rest.includes('--dry-run'),
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'all') return all(argv);
  const { method: methodName, overrides, help } = parseTrainArgs(argv);
  if (help || !methodName) {
    console.log(usage());
    return help ? 0 : 2;
  }
  const method = METHODS[methodName];
  if (!method)
    throw new UsageError(`unknown method "${methodName}"; valid methods: ${Object.keys(METHODS).join(', ')}`);
  const parsed = TrainConfigSchema.safeParse({ ...method.preset, ...overrides });
  if (!parsed.success) throw new UsageError(describeConfigError(parsed.error));
  const config = parsed.data;

  if (config.threads > 0) setWasmThreads(config.threads);
  const backend = await selectBackend(config.backend === 'auto' ? {} : { force: config.backend });
  // A text method reads its own corpus; an empty image split keeps the context's shape.
  const empty = {
    name: 'none',
    images: new Float32Array(0),
    labels: new Uint8Array(0),
    count: 0,
    classNames: [],
  };
  const data = method.ownData
    ? { train: empty, test: empty, split: 'not used (the method reads its own corpus)' }
    : await loadTrainingData(config);
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.error('\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  await method.run({
    config,
    data,
    runDir: join(config.runsDir, config.name),
    command: `npm run train -- ${argv.join(' ')}`.trim(),
    backend: backend.name,
    signal: controller.signal,
    log: (line) => console.error(line),
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (err instanceof UsageError) console.error('run `npm run train -- --help` for the methods and options');
    else if (!(err instanceof InterruptedError) && process.env.PRETEXT_DEBUG && err instanceof Error) {
      console.error(err.stack);
    }
    process.exit(err instanceof InterruptedError ? 130 : err instanceof UsageError ? 2 : 1);
  },
);
// Keep tf referenced so `tsx` keeps the tfjs singleton the backends register into.
void tf.version;
