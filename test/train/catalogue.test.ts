// `npm run train -- all` retrains the committed catalogue: every committed model must have an entry
// whose arguments the training CLI accepts, producing that model's name, and after the models it reads.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, expectedSeconds } from '../../train/catalogue';
import { parseTrainArgs } from '../../train/config/flags';
import { TrainConfigSchema } from '../../train/config/schema';
import { METHODS } from '../../train/methods/index';
import { ModelIndexSchema } from '../../worker/contract/manifest';

const index = ModelIndexSchema.parse(JSON.parse(readFileSync('models/index.json', 'utf8')));

function configOf(args: readonly string[]) {
  const { method, overrides } = parseTrainArgs(args);
  const m = METHODS[method as keyof typeof METHODS];
  expect(m, `method ${method}`).toBeDefined();
  return TrainConfigSchema.parse({ ...m!.preset, ...overrides });
}

/** The committed models an entry reads: --encoder, --features encoder:/pca:. */
function reads(args: readonly string[]): string[] {
  const c = configOf(args) as { encoder?: string; features?: string; method?: string };
  const out: string[] = [];
  if (c.encoder && ['probe', 'finetune'].includes(args[0]!)) out.push(c.encoder);
  const feature = c.features?.match(/^(?:encoder|pca):(.+)$/);
  if (feature) out.push(feature[1]!);
  return out;
}

describe('the training catalogue', () => {
  it('has one entry per committed model, and only those', () => {
    expect(CATALOGUE.map((e) => e.name).sort()).toEqual([...index.models].sort());
    expect(new Set(CATALOGUE.map((e) => e.name)).size).toBe(CATALOGUE.length);
  });

  it.each(CATALOGUE.map((e) => [e.name, e.args] as const))(
    '%s: the CLI accepts its arguments and names the model so',
    (name, args) => {
      expect(configOf(args).name).toBe(name);
    },
  );

  it('trains every model after the models it reads', () => {
    const order = CATALOGUE.map((e) => e.name);
    for (const e of CATALOGUE)
      for (const source of reads(e.args)) {
        expect(order, `${e.name} reads ${source}, which is not in the catalogue`).toContain(source);
        expect(order.indexOf(source), `${e.name} reads ${source}`).toBeLessThan(order.indexOf(e.name));
      }
  });
});

describe('expected times', () => {
  const entry = { name: 'fmnist-rotnet', args: ['rotnet', '--epochs', '5', '--no-progress'] };
  const withCommand = (command: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'pretext-catalogue-'));
    mkdirSync(join(dir, entry.name));
    writeFileSync(
      join(dir, entry.name, 'manifest.json'),
      JSON.stringify({ training: { command, durationSeconds: 321 } }),
    );
    return dir;
  };

  it('come from a manifest made by the same command, resumed or on another thread count', () => {
    for (const command of [
      'npm run train -- rotnet --epochs 5 --no-progress',
      'npm run train -- rotnet --epochs 5 --no-progress --resume',
      'npm run train -- rotnet --epochs 5 --threads 1 --no-progress',
    ])
      expect(expectedSeconds(withCommand(command), entry), command).toBe(321);
  });

  it('say nothing for a manifest made by another command', () => {
    for (const command of [
      'npm run train -- rotnet --epochs 6 --no-progress',
      'npm run train -- rotnet --epochs 5 --no-progress --lr 0.01',
    ])
      expect(expectedSeconds(withCommand(command), entry), command).toBeUndefined();
  });
});
