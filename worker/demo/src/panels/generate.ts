// Generation with a VAE: decode samples h ~ N(0, I) of the prior (the same seeded draws as
// POST /v1/generate), and walk one latent dimension of the first sample. The walk needs a chosen h,
// which the API does not take, so it is decoded in this browser (the generator graph, sha256-checked).
import { priorSample } from '../../../contract/rng';
import { el, imageCanvas, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext } from './panel';

const COUNT = 8;

export class GeneratePanel extends Panel {
  readonly id = 'generate';
  readonly task = 'generate';
  readonly #samples = el('div', { class: 'figures samples' });
  readonly #seed = el('input', {
    type: 'number',
    id: 'generate-seed',
    min: 0,
    step: 1,
    inputmode: 'numeric',
  });
  readonly #again = el('button', { type: 'button', text: 'New samples' });
  readonly #dim = el('select', { id: 'generate-dim' });
  readonly #value = el('input', { type: 'range', id: 'generate-z', min: -3, max: 3, step: 0.1 });
  readonly #valueText = el('output', { for: 'generate-z' });
  readonly #walk = imageCanvas('latent walk', 'thumb large');
  readonly #walkNote = el('p', { class: 'caption' });
  readonly #method = el('p', { class: 'method' });
  #ctx: PanelContext | undefined;

  constructor() {
    super('generate', 'VAE samples & latent walk', PANEL_IDEA.generate);
    const setSeed = (seed: number) => this.#ctx?.setState({ panel: 'generate', seed });
    this.#seed.addEventListener('change', () => {
      if (Number.isInteger(Number(this.#seed.value))) setSeed(Math.abs(Number(this.#seed.value)));
    });
    this.#again.addEventListener('click', () => setSeed(Math.floor(Math.random() * 100_000)));
    this.#dim.addEventListener('change', () =>
      this.#ctx?.setState({ panel: 'generate', latentDim: Number(this.#dim.value) }),
    );
    this.#value.addEventListener('input', () =>
      this.#ctx?.setState({ panel: 'generate', latent: Number(this.#value.value) }),
    );
    this.controls.append(el('label', { for: 'generate-seed', text: 'Seed ' }), this.#seed, this.#again);
    const walkControls = el(
      'div',
      { class: 'slider' },
      el('label', { for: 'generate-dim', text: 'h dimension ' }),
      this.#dim,
      el('label', { for: 'generate-z', text: ' value ' }),
      this.#value,
      this.#valueText,
    );
    this.body.append(
      this.#samples,
      el('h3', { text: 'Latent walk (sample 1)' }),
      walkControls,
      el('div', { class: 'figures' }, el('figure', {}, this.#walk)),
      this.#walkNote,
      this.#method,
    );
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    this.#ctx = ctx;
    const model = this.modelSelect(ctx, this.modelsFor(ctx.models));
    const dims = model.generator?.latent.dims ?? 1;
    const { seed, latent } = ctx.state;
    const latentDim = Math.min(ctx.state.latentDim, dims - 1);
    this.#seed.value = String(seed);
    if (this.#dim.options.length !== dims) {
      this.#dim.replaceChildren(
        ...Array.from({ length: dims }, (_, i) => el('option', { value: i, text: String(i + 1) })),
      );
    }
    this.#dim.value = String(latentDim);
    this.#value.value = String(latent);
    this.#valueText.value = latent.toFixed(1);
    // the first sample's code, exactly as /v1/generate draws it, with one coordinate set by the slider
    const code = priorSample(1, dims, seed);
    code[latentDim] = latent;
    const [samples, walk] = await Promise.all([
      ctx.inference.generate(model, COUNT, seed),
      ctx.browser.decode(model, code, 1),
    ]);
    if (!current()) return;
    this.#samples.replaceChildren(
      ...samples.map((image, i) => {
        const canvas = imageCanvas(`sample ${i + 1} of seed ${seed}`);
        paint(canvas, image);
        return el('figure', {}, canvas);
      }),
    );
    paint(this.#walk, walk[0]!, `sample 1 with h${latentDim + 1} = ${latent.toFixed(1)}`);
    this.#walkNote.textContent = `h${latentDim + 1} = ${latent.toFixed(1)} (decoded in this browser)`;
    this.#method.textContent = `${model.name} · ${LECTURE_IDEA[model.method]}`;
    ctx.record('generate', { model: model.name, seed, samples, walk: walk[0] });
  }
}
