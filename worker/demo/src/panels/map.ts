// The embedding h = f(x) on a 2-D map: 200 training images of the model's dataset are embedded (by the
// API or in the browser, like everything else), projected on their top two principal directions, and
// the current image is placed among them with its nearest training images; a k-means model, when there
// is one, colours the map by cluster and names the image's cluster.
import type { Manifest } from '../../../contract/manifest';
import { loadMap, type MapData } from '../demo-data';
import { el, imageCanvas, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { fitProjection, nearest, type Projection, project } from '../projection';
import { Panel, type PanelContext } from './panel';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 240;
/** Tableau 10: ten categorical colours that stay apart for colour-blind readers. */
const COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

interface Layout {
  data: MapData;
  embeddings: number[][];
  projection: Projection;
  points: [number, number][];
  clusters: number[] | undefined;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

export class MapPanel extends Panel {
  readonly id = 'map';
  readonly task = 'embed';
  readonly #layouts = new Map<string, Promise<Layout | undefined>>();
  readonly #plot = el('div', { class: 'map' });
  readonly #answer = el('div', { class: 'answer' });
  readonly #neighbours = el('div', { class: 'figures neighbours' });

  constructor() {
    super('map', 'Embedding map & clusters', PANEL_IDEA.map);
    this.body.append(this.#plot, this.#answer, this.#neighbours);
  }

  /** The map of one embedding model (and k-means model), computed once per place of inference. */
  #layout(ctx: PanelContext, model: Manifest, kmeans: Manifest | undefined): Promise<Layout | undefined> {
    const key = `${ctx.inference.where}|${model.name}@${model.version}|${kmeans?.name ?? ''}`;
    let layout = this.#layouts.get(key);
    if (layout === undefined) {
      layout = (async () => {
        const data = await loadMap(model.dataset.name);
        if (data === undefined) return undefined;
        const embeddings = await ctx.inference.embed(model, data.images);
        const projection = fitProjection(embeddings);
        const clusters = kmeans ? (await ctx.inference.cluster(kmeans, data.images)).clusters : undefined;
        return {
          data,
          embeddings,
          projection,
          points: embeddings.map((e) => project(projection, e)),
          clusters,
        };
      })();
      layout.catch(() => this.#layouts.delete(key));
      this.#layouts.set(key, layout);
    }
    return layout;
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    const model = this.modelSelect(ctx, this.modelsFor(ctx.models), 'Embedding');
    const kmeansModels = ctx.models.filter((m) => m.tasks.includes('cluster'));
    const kmeans = kmeansModels.find((m) => m.dataset.name === model.dataset.name) ?? kmeansModels[0];
    const [layout, embedded, assigned] = await Promise.all([
      this.#layout(ctx, model, kmeans),
      ctx.inference.embed(model, [ctx.image]),
      kmeans ? ctx.inference.cluster(kmeans, [ctx.image]) : Promise.resolve(undefined),
    ]);
    if (!current()) return;
    if (layout === undefined) {
      this.#plot.replaceChildren(el('p', { text: `No map data for the "${model.dataset.name}" dataset.` }));
      return;
    }
    const embedding = embedded[0]!;
    const here = project(layout.projection, embedding);
    const near = nearest(layout.embeddings, embedding, 5);
    this.#drawPlot(layout, here, near, model);
    const cluster = assigned?.clusters[0];
    this.#answer.replaceChildren(
      el('p', { class: 'method', text: `${model.name} · ${LECTURE_IDEA[model.method]}` }),
      ...(kmeans && cluster !== undefined
        ? [
            el(
              'p',
              {},
              'k-means cluster ',
              el('strong', { class: 'prediction', text: String(cluster) }),
              ` of ${assigned!.distances[0]!.length}, ‖x − μ‖² = ${assigned!.distances[0]![cluster]!.toFixed(2)}`,
            ),
            el('p', { class: 'method', text: `${kmeans.name} · ${LECTURE_IDEA[kmeans.method]}` }),
          ]
        : []),
      el('p', { class: 'caption', text: 'Nearest training images in the embedding:' }),
    );
    this.#neighbours.replaceChildren(
      ...near.map((i) => {
        const name = layout.data.classNames[layout.data.labels[i]!] ?? '?';
        const canvas = imageCanvas(`training image of class ${name}`);
        paint(canvas, layout.data.images[i]!);
        return el('figure', {}, canvas, el('figcaption', { text: name }));
      }),
    );
    ctx.record('map', {
      model: model.name,
      embedding,
      point: here,
      nearest: near,
      cluster,
      kmeans: kmeans?.name,
    });
  }

  #drawPlot(layout: Layout, here: [number, number], near: number[], model: Manifest): void {
    const all = [...layout.points, here];
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const pad = 10;
    const sx = (x: number) => pad + ((x - minX) / (maxX - minX || 1)) * (SIZE - 2 * pad);
    const sy = (y: number) => SIZE - pad - ((y - minY) / (maxY - minY || 1)) * (SIZE - 2 * pad);
    const colourOf = (i: number) =>
      COLOURS[(layout.clusters?.[i] ?? layout.data.labels[i]!) % COLOURS.length]!;
    const plot = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', class: 'scatter' });
    const nearClass = layout.data.classNames[layout.data.labels[near[0]!]!] ?? '?';
    plot.setAttribute(
      'aria-label',
      `2-D map of ${layout.points.length} training images embedded by ${model.name}; your image lies nearest to a ${nearClass}`,
    );
    layout.points.forEach(([x, y], i) => {
      const dot = svg('circle', {
        cx: sx(x).toFixed(1),
        cy: sy(y).toFixed(1),
        r: near.includes(i) ? 4 : 2.5,
        fill: colourOf(i),
      });
      if (near.includes(i)) dot.setAttribute('stroke', '#111');
      plot.append(dot);
    });
    plot.append(
      svg('circle', {
        cx: sx(here[0]),
        cy: sy(here[1]),
        r: 7,
        fill: 'none',
        stroke: '#111',
        'stroke-width': 2.5,
        class: 'here',
      }),
    );
    const legendLabels = layout.clusters
      ? [...new Set(layout.clusters)].sort((a, b) => a - b).map((c) => [c, `cluster ${c}`] as const)
      : layout.data.classNames.map((n, i) => [i, n] as const);
    const legend = el(
      'ul',
      { class: 'legend', 'aria-label': layout.clusters ? 'colours: k-means clusters' : 'colours: classes' },
      ...legendLabels.map(([i, name]) => {
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.background = COLOURS[i % COLOURS.length]!;
        return el('li', {}, swatch, name);
      }),
      el('li', {}, el('span', { class: 'swatch here', 'aria-hidden': 'true' }), 'your image'),
    );
    this.#plot.replaceChildren(plot, legend);
  }
}
