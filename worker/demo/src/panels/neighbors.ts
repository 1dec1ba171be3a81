// Similar items (issue 18): the k test images nearest to the current image in each embedding model's
// reference index (/v1/neighbors, or the same search in the browser), one row per model, under a row of
// raw pixels searched the same way in the page (./reference-set.ts). The lecture's "recommendation" use of
// a representation: rows of the same class are what a representation bought over pixels. A gallery image
// is itself in the reference set; it is left out of its own row (it would come first, at score 1).
import type { Manifest } from '../../../contract/manifest';
import { nearestNeighbors } from '../../../contract/reference-index';
import { type NamedNeighbor, neighborsAnswer } from '../../../serving/answers';
import { el, imageCanvas, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { fromBytes } from '../pixels';
import { type ReferenceSet, referenceSetOf } from '../reference-set';
import { Panel, type PanelContext } from './panel';

/** Neighbours shown per row: one row of thumbnails on a laptop. */
export const SHOWN_NEIGHBORS = 8;
const PIXELS_ROW = 'pixels';
const DATASET_NAMES: Record<string, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' };

export class NeighborsPanel extends Panel {
  readonly id = 'neighbors';
  readonly task = 'neighbors';
  readonly #select = el('select', { id: 'neighbors-set' });
  readonly #caption = el('p', { class: 'caption' });
  readonly #rows = el('div', { class: 'neighbor-rows' });
  #ctx: PanelContext | undefined;

  constructor() {
    super('neighbors', 'Similar items', PANEL_IDEA.neighbors);
    this.controls.append(el('label', { for: 'neighbors-set', text: 'Reference set ' }), this.#select);
    this.#select.addEventListener('change', () =>
      this.#ctx?.setState({ panel: 'neighbors', reference: this.#select.value }),
    );
    this.body.append(this.#caption, this.#rows);
  }

  /** Only models whose index the page can show (it needs the reference images). */
  override modelsFor(models: Manifest[]): Manifest[] {
    return super.modelsFor(models).filter((m) => m.reference?.images !== undefined);
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    this.#ctx = ctx;
    const all = this.modelsFor(ctx.models);
    const datasets: string[] = [...new Set(all.map((m) => m.dataset.name))];
    // The set chosen (or linked), else the one the image comes from (ctx.domain: a drawing is a digit).
    const dataset =
      [ctx.state.reference, ctx.domain].find((d) => d !== undefined && datasets.includes(d)) ?? datasets[0]!;
    const [source, sourceIndex] = ctx.state.image.startsWith('d:') ? [] : ctx.state.image.split(':');
    this.#syncSelect(all, datasets, dataset);
    const models = all.filter((m) => m.dataset.name === dataset);
    // A gallery image of this set is one of its items: left out, and its class known.
    const self = source === dataset && sourceIndex !== undefined ? Number(sourceIndex) : undefined;
    const wanted = SHOWN_NEIGHBORS + (self === undefined ? 0 : 1);
    const [set, ...answers] = await Promise.all([
      referenceSetOf(models[0]!),
      ...models.map((m) => ctx.inference.neighbors(m, [ctx.image], wanted)),
    ]);
    if (!current()) return;
    const pixels = neighborsAnswer(
      nearestNeighbors(set.pixelVectors(), ctx.image, wanted),
      set.labels,
      set.classNames,
    )[0]!;
    const shown = (row: NamedNeighbor[]) => row.filter((n) => n.index !== self).slice(0, SHOWN_NEIGHBORS);
    const rows: [string, NamedNeighbor[], Manifest | undefined][] = [
      [PIXELS_ROW, shown(pixels), undefined],
      ...models.map((m, i): [string, NamedNeighbor[], Manifest] => [m.name, shown(answers[i]![0]!), m]),
    ];
    const queryLabel = self === undefined ? undefined : set.classNames[set.labels[self]!];
    this.#caption.textContent =
      `${SHOWN_NEIGHBORS} nearest of ${set.count.toLocaleString('en')} test images by cosine similarity` +
      (queryLabel === undefined
        ? '.'
        : `; your image is test image ${self} (${queryLabel}), left out, and a frame marks its class.`);
    this.#rows.replaceChildren(
      ...rows.map(([name, row, model]) => this.#row(set, name, row, model, queryLabel)),
    );
    ctx.record('neighbors', {
      set: dataset,
      k: SHOWN_NEIGHBORS,
      leftOut: self ?? null,
      rows: Object.fromEntries(rows.map(([name, row]) => [name, row])),
    });
  }

  #syncSelect(models: Manifest[], datasets: string[], chosen: string): void {
    if (this.#select.options.length !== datasets.length) {
      this.#select.replaceChildren(
        ...datasets.map((d) => {
          const count = models.find((m) => m.dataset.name === d)?.reference?.count ?? 0;
          return el('option', {
            value: d,
            text: `${DATASET_NAMES[d] ?? d} test split (${count.toLocaleString('en')})`,
          });
        }),
      );
    }
    this.#select.value = chosen;
    this.#select.disabled = datasets.length < 2;
  }

  #row(
    set: ReferenceSet,
    name: string,
    row: NamedNeighbor[],
    model: Manifest | undefined,
    queryLabel: string | undefined,
  ): HTMLElement {
    const same = row.filter((n) => n.label === queryLabel).length;
    const idea = model === undefined ? 'raw pixels, no learning: the baseline' : LECTURE_IDEA[model.method];
    const heading = el(
      'p',
      { class: 'neighbor-model' },
      el('strong', { text: name }),
      queryLabel === undefined ? '' : ` · ${same}/${row.length} same class`,
      el('span', { class: 'method', text: ` · ${idea}` }),
    );
    const figures = row.map((n) => {
      const canvas = imageCanvas(`test image ${n.index}, ${n.label}, similarity ${n.score.toFixed(3)}`);
      paint(canvas, fromBytes(set.pixels.subarray(n.index * 784, (n.index + 1) * 784)));
      const figure = el(
        'figure',
        { class: n.label === queryLabel ? 'same-class' : undefined, 'data-index': n.index },
        canvas,
        el('figcaption', { text: `${n.label} ${n.score.toFixed(3)}` }),
      );
      return figure;
    });
    return el(
      'div',
      { class: 'neighbor-row', 'data-model': name },
      heading,
      el('div', { class: 'figures neighbours' }, ...figures),
    );
  }
}
