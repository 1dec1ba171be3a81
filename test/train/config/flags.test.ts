import { describe, expect, it } from 'vitest';
import { describeConfigError, parseTrainArgs } from '../../../train/config/flags';
import { TrainConfigSchema } from '../../../train/config/schema';

describe('parseTrainArgs', () => {
  it('reads a method, numbers, lists, booleans and --key=value', () => {
    expect(
      parseTrainArgs([
        'ae',
        '--epochs',
        '3',
        '--hidden=256,64',
        '--resume',
        '--no-progress',
        '--dataset',
        'fashion-mnist',
      ]),
    ).toEqual({
      method: 'ae',
      help: false,
      overrides: { epochs: 3, hidden: [256, 64], resume: true, progress: false, dataset: 'fashion-mnist' },
    });
  });

  it('rejects an unknown flag and lists the valid ones', () => {
    expect(() => parseTrainArgs(['ae', '--epoch', '3'])).toThrow(
      /unknown option --epoch; valid options: --name, --version/,
    );
  });

  it('rejects a flag without its value', () => {
    expect(() => parseTrainArgs(['ae', '--epochs'])).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --epochs needs a value]`,
    );
  });

  it('names the flag when a value is invalid', () => {
    const { overrides } = parseTrainArgs(['ae', '--epochs', 'three', '--backend', 'tpu']);
    const result = TrainConfigSchema.safeParse(overrides);
    expect(result.success).toBe(false);
    if (!result.success)
      expect(describeConfigError(result.error)).toMatchInlineSnapshot(`
      "--epochs: Invalid input: expected number, received NaN
      --backend: Invalid option: expected one of "auto"|"tfjs-node-gpu"|"tfjs-node"|"wasm"|"cpu""
    `);
  });

  it('rejects unknown keys in the schema itself', () => {
    expect(TrainConfigSchema.safeParse({ epoch: 3 }).success).toBe(false);
  });
});
