// Denoising: the input corrupted by the chosen process C(x̃ | x) — the same seeded corruption the DAE
// was trained with (worker/contract/corruptions.ts) — and every denoising model's estimate of the clean x.
import { CORRUPTIONS, type Corruption, corrupt } from '../../../contract/corruptions';
import { meanSquaredError } from '../../../contract/reconstruction-error';
import { createRng } from '../../../contract/rng';
import { el, figure, format, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext } from './panel';

const NOISE_LABELS: Record<Corruption, string> = {
  gaussian: 'Gaussian (σ)',
  masking: 'masking (p)',
  'salt-and-pepper': 'salt-and-pepper (p)',
};

export class DenoisePanel extends Panel {
  readonly id = 'denoise';
  readonly task = 'denoise';
  readonly #noisy = figure('noisy input', 'noisy input x̃');
  readonly #grid = el('div', { class: 'figures' });
  readonly #kinds: HTMLInputElement[];
  readonly #level: HTMLInputElement;
  readonly #levelText = el('output', { for: 'denoise-level' });
  readonly #again = el('button', { type: 'button', text: 'New noise' });
  #ctx: PanelContext | undefined;

  constructor() {
    super('denoise', 'Denoising', PANEL_IDEA.denoise);
    this.#kinds = CORRUPTIONS.map((kind) =>
      el('input', { type: 'radio', name: 'noise', value: kind, id: `noise-${kind}` }),
    );
    const kinds = el(
      'fieldset',
      { class: 'noise-kinds' },
      el('legend', { text: 'Noise' }),
      ...this.#kinds.map((input) =>
        el('label', { for: input.id }, input, ` ${NOISE_LABELS[input.value as Corruption]}`),
      ),
    );
    this.#level = el('input', { type: 'range', id: 'denoise-level', min: 0, max: 1, step: 0.05 });
    const level = el(
      'div',
      { class: 'slider' },
      el('label', { for: 'denoise-level', text: 'Level ' }),
      this.#level,
      this.#levelText,
    );
    this.controls.append(kinds, level, this.#again);
    for (const input of this.#kinds) {
      input.addEventListener('change', () =>
        this.#ctx?.setState({ panel: 'denoise', noise: input.value as Corruption }),
      );
    }
    this.#level.addEventListener('input', () => {
      this.#levelText.value = Number(this.#level.value).toFixed(2);
      this.#ctx?.setState({ panel: 'denoise', level: Number(this.#level.value) });
    });
    this.#again.addEventListener('click', () =>
      this.#ctx?.setState({ panel: 'denoise', noiseSeed: (this.#ctx.state.noiseSeed + 1) % 2 ** 31 }),
    );
    this.body.append(el('div', { class: 'figures' }, this.#noisy.root, this.#grid));
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    this.#ctx = ctx;
    const { noise, level, noiseSeed } = ctx.state;
    for (const input of this.#kinds) input.checked = input.value === noise;
    this.#level.value = String(level);
    this.#levelText.value = level.toFixed(2);
    const noisy = corrupt(ctx.image, { kind: noise, level }, createRng(noiseSeed));
    paint(this.#noisy.canvas, noisy, `input with ${noise} noise, level ${level}`);
    this.#noisy.caption.textContent = `x̃: ${noise} ${level.toFixed(2)}, MSE ${format.mse(meanSquaredError(ctx.image, noisy))}`;
    const models = this.modelsFor(ctx.models);
    const answers = await Promise.all(models.map((m) => ctx.inference.denoise(m, [noisy])));
    if (!current()) return;
    this.#grid.replaceChildren(
      ...models.map((model, i) => {
        const denoised = answers[i]![0]!;
        const mse = meanSquaredError(ctx.image, denoised);
        const card = figure(`denoised by ${model.name}, MSE ${format.mse(mse)}`, '');
        paint(card.canvas, denoised);
        card.caption.replaceChildren(el('strong', { text: model.name }), ` MSE ${format.mse(mse)}`);
        card.root.append(el('p', { class: 'method', text: LECTURE_IDEA[model.method] }));
        card.root.dataset['model'] = model.name;
        return card.root;
      }),
    );
    ctx.record('denoise', {
      noisy: Array.from(noisy),
      models: Object.fromEntries(models.map((m, i) => [m.name, answers[i]![0]])),
    });
  }
}
