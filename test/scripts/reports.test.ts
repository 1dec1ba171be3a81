// The committed evaluation pictures (written by `npm run eval`): light enough to keep in the repository,
// and every one of them linked from EVALUATION.md, every link there a file that exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const files = readdirSync('reports');
const links = [...readFileSync('EVALUATION.md', 'utf8').matchAll(/\]\(reports\/([^)]+)\)/g)].map(
  (m) => m[1]!,
);

describe('reports/', () => {
  it('holds under 2 MB, no picture over 150 kB', () => {
    const sizes = files.map((file) => statSync(join('reports', file)).size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(2 * 1024 * 1024);
    expect(files.filter((_, i) => sizes[i]! > 150 * 1024)).toEqual([]);
  });

  it('is linked from EVALUATION.md picture by picture, and every link there exists', () => {
    expect([...new Set(links)].sort()).toEqual([...files].sort());
  });
});
