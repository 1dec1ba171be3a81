import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, renderBundledModels } from '../../scripts/bundle-models';

describe('worker/store/bundled-models.generated.ts', () => {
  it('is up to date with models/index.json (else run `npm run models:bundle`)', () => {
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(committed, 'bundled-models.generated.ts is stale: run `npm run models:bundle`').toBe(
      renderBundledModels(),
    );
  });

  it('imports index.json, each manifest and each model.onnx by a literal path', () => {
    const text = renderBundledModels();
    expect(text).toContain(`import index from '../../models/index.json';`);
    expect(text).toMatch(/import manifest0 from '\.\.\/\.\.\/models\/[a-z0-9-]+\/manifest\.json';/);
    expect(text).toMatch(/import onnx0 from '\.\.\/\.\.\/models\/[a-z0-9-]+\/[\w.-]+\.onnx';/);
  });
});
