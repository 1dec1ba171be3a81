// The embedding maps of the evaluation report: vega-lite's frame with the points drawn as one light path
// per class, each point where the axes say it is.
import { describe, expect, it } from 'vitest';
import { scatterSvg } from '../../../train/eval/scatter-plot';

const classes = ['boot', 'coat', 'shirt'];
const points = Array.from({ length: 2000 }, (_, i) => ({
  x: Math.cos(i) * (1 + (i % 7)),
  y: Math.sin(i * 1.7) * 3,
  label: classes[i % 3]!,
}));

describe('scatterSvg', () => {
  it('draws 2,000 points in about 12 bytes each: one path per class, one "M x y h0" per point', async () => {
    const svg = await scatterSvg(points, 'test embeddings');
    expect(svg.length).toBeLessThan(60_000);
    const paths = [...svg.matchAll(/<path d="([^"]*)" stroke="(#[0-9a-f]{6})"/g)];
    expect(paths).toHaveLength(3);
    expect(paths.map((p) => p[1]!.split('h0').length - 1)).toEqual([667, 667, 666]);
    expect(new Set(paths.map((p) => p[2])).size).toBe(3);
    for (const name of [...classes, 'test embeddings', 'PC 1', 'PC 2']) expect(svg).toContain(`>${name}<`);
  });

  it('puts the extreme points 3 % inside the plot, where the axes put their values', async () => {
    const corners = [
      { x: 0, y: 0, label: 'a' },
      { x: 10, y: 100, label: 'a' },
    ];
    const svg = await scatterSvg(corners, 'corners');
    const [, origin] = /<g class="points" transform="translate\(([^)]*)\)">/.exec(svg) ?? [];
    expect(origin).toBeDefined();
    const d = /<g class="points"[^>]*><path d="([^"]*)"/.exec(svg)![1]!;
    // x: 0 → 3 % of 420 px / 1.06 ≈ 11.9; 10 → 408.1. y: 0 → bottom (408.1), 100 → top (11.9).
    expect(d).toBe('M11.9 408.1h0M408.1 11.9h0');
  });
});
