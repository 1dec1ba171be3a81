import { describe, expect, it } from 'vitest';
import { areaResize } from '../../worker/contract/area-resize';

const image = (width: number, height: number, value: (x: number, y: number) => number) => {
  const gray = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) gray[y * width + x] = value(x, y);
  return { width, height, gray };
};
const mean = (values: Float32Array) => values.reduce((s, v) => s + v, 0) / values.length;

describe('areaResize', () => {
  it('should average each 2×2 block when halving', () => {
    const input = image(4, 2, (x, y) => x + 10 * y);
    expect([...areaResize(input, 2, 1)]).toEqual([5.5, 7.5]);
  });

  it('should weight partly covered pixels by the area covered (3 → 2)', () => {
    // Output 0 covers input [0, 1.5): (1·a + 0.5·b) / 1.5.
    const input = image(3, 1, (x) => [0, 3, 6][x]!);
    const [left, right] = areaResize(input, 2, 1);
    expect(left).toBeCloseTo((0 + 0.5 * 3) / 1.5, 6);
    expect(right).toBeCloseTo((0.5 * 3 + 6) / 1.5, 6);
  });

  it('should keep the mean of the image (the box filter conserves mass)', () => {
    const input = image(97, 61, (x, y) => Math.abs(Math.sin(x * 0.3) * Math.cos(y * 0.7)));
    expect(mean(areaResize(input, 28, 18))).toBeCloseTo(mean(input.gray), 5);
  });

  it('should be the identity at the same size and nearest neighbour when enlarging', () => {
    const input = image(3, 2, (x, y) => x + 3 * y);
    expect(areaResize(input, 3, 2)).toEqual(input.gray);
    expect([...areaResize(input, 6, 2)]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });
});
