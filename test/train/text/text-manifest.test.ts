// The manifest schema's text extension: a text input (token ids + vocabulary) beside the image input,
// and tasks that must match the input they read. Every committed image manifest stays valid.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../../worker/contract/manifest';
import { toIssues } from '../../../worker/schemas/issues';

const root = join(import.meta.dirname, '../../..');
const fixture = JSON.parse(
  readFileSync(join(root, 'test/worker/fixtures/text/fixture-text/manifest.json'), 'utf8'),
) as Record<string, unknown>;

const problems = (manifest: unknown) => {
  const parsed = ManifestSchema.safeParse(manifest);
  return parsed.success ? [] : toIssues(parsed.error, 'manifest').map((i) => `${i.path}: ${i.message}`);
};

describe('ManifestSchema with text models', () => {
  it('accepts the text fixture and every committed manifest under models/', () => {
    expect(problems(fixture)).toEqual([]);
    for (const name of readdirSync(join(root, 'models'), { withFileTypes: true })) {
      if (!name.isDirectory()) continue;
      const manifest = JSON.parse(readFileSync(join(root, 'models', name.name, 'manifest.json'), 'utf8'));
      expect(problems(manifest), name.name).toEqual([]);
    }
  });

  it('refuses an image task on a text input, and a text task on an image input', () => {
    expect(problems({ ...fixture, tasks: ['fill-mask', 'embed'] })).toMatchInlineSnapshot(`
      [
        "tasks[1]: task "embed" needs an image input, but input.layout is "token-ids"",
      ]
    `);
    const image = {
      ...fixture,
      input: {
        name: 'x',
        shape: [null, 784],
        dtype: 'float32',
        layout: '28x28-row-major',
        range: [0, 1],
        polarity: 'ink-is-1',
      },
    };
    expect(problems({ ...image, tasks: ['embed'] })).toEqual([]);
    expect(problems({ ...image, tasks: ['text-embed'] })).toMatchInlineSnapshot(`
      [
        "tasks[0]: task "text-embed" needs a text input, but input.layout is "28x28-row-major"",
      ]
    `);
  });

  it('requires the vocabulary file, its sha256 and the special-token ids', () => {
    const input = fixture['input'] as { tokenizer: Record<string, unknown> };
    const tokenizer = { ...input.tokenizer, sha256: 'abc', special: { pad: 0, unk: 1, mask: 3 } };
    expect(problems({ ...fixture, input: { ...input, tokenizer } })).toMatchInlineSnapshot(`
      [
        "input.tokenizer.sha256: sha256 must be 64 lowercase hex characters",
        "input.tokenizer.special.mask: Invalid input: expected 2",
      ]
    `);
  });
});
