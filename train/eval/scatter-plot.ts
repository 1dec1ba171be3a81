// A 2-D map of points coloured by class (embeddings projected to their top 2 principal axes), as a light
// SVG. vega-lite draws the frame (title, axes, legend) over explicit scale domains; the points are then
// drawn by hand as one path per class of zero-length round-capped strokes ("M x y h0"), about 12 bytes a
// point where vega writes one element of ≈ 250 bytes each: 2,000 points stay near 40 kB, not 600 kB.
import * as vega from 'vega';
import * as vl from 'vega-lite';

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

const WIDTH = 420;
const HEIGHT = 420;
/** Points of vega-lite's `size: 9` circles: 3 px across. */
const DOT = 3;

/** [min, max] of `values`, widened by 3 % each side so no point sits on an axis. */
function paddedExtent(values: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const pad = (max - min || 1) * 0.03;
  return [min - pad, max + pad];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export async function scatterSvg(
  points: readonly ScatterPoint[],
  title: string,
  axes: [string, string] = ['PC 1', 'PC 2'],
): Promise<string> {
  const classes = [...new Set(points.map((p) => p.label))].sort();
  const colours = vega.scheme('tableau10') as string[];
  const xDomain = paddedExtent(points.map((p) => p.x));
  const yDomain = paddedExtent(points.map((p) => p.y));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    // One invisible mark per class: it gives the legend its entries; the points are drawn below.
    data: { values: classes.map((label) => ({ x: xDomain[0], y: yDomain[0], label })) },
    mark: { type: 'circle', size: 9, opacity: 0 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: axes[0],
        scale: { domain: xDomain, nice: false, zero: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: axes[1],
        scale: { domain: yDomain, nice: false, zero: false },
      },
      color: {
        field: 'label',
        type: 'nominal',
        title: 'class',
        scale: { domain: classes, range: colours },
        legend: { symbolOpacity: 1 },
      },
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    const frame = await view.toSVG();
    const [left, top] = view.origin();
    const paths = classes.map((label, k) => {
      const d = points
        .filter((p) => p.label === label)
        .map((p) => {
          const px = ((p.x - xDomain[0]) / (xDomain[1] - xDomain[0])) * WIDTH;
          const py = HEIGHT - ((p.y - yDomain[0]) / (yDomain[1] - yDomain[0])) * HEIGHT;
          return `M${round1(px)} ${round1(py)}h0`;
        })
        .join('');
      const colour = colours[k % colours.length];
      return `<path d="${d}" stroke="${colour}" stroke-opacity="0.7" stroke-width="${DOT}" stroke-linecap="round" fill="none"/>`;
    });
    const layer = `<g class="points" transform="translate(${left},${top})">${paths.join('')}</g>`;
    return frame.replace(/<\/svg>\s*$/, `${layer}</svg>`);
  } finally {
    view.finalize();
  }
}
