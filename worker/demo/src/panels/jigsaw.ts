// The jigsaw pretext task: shuffle the 2×2 tiles, the model predicts which of the 24 permutations was
// applied, and the page puts the tiles back by its prediction.
import { JIGSAW_PERMUTATIONS, shuffleTiles } from '../../../contract/jigsaw';
import { el, figure, format, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext } from './panel';

export class JigsawPanel extends Panel {
  readonly id = 'jigsaw';
  readonly task = 'jigsaw';
  readonly #input = figure('shuffled input', 'shuffled');
  readonly #restored = figure('tiles put back by the prediction', 'restored');
  readonly #answer = el('div', { class: 'answer' });
  readonly #shuffle = el('button', { type: 'button', text: 'Shuffle tiles' });
  #ctx: PanelContext | undefined;

  constructor() {
    super('jigsaw', 'Jigsaw', PANEL_IDEA.jigsaw);
    this.controls.append(this.#shuffle);
    this.#shuffle.addEventListener('click', () => {
      const ctx = this.#ctx;
      if (!ctx) return;
      // any permutation but the identity (class 0) and the current one
      let next = ctx.state.shuffle;
      while (next === ctx.state.shuffle)
        next = 1 + Math.floor(Math.random() * (JIGSAW_PERMUTATIONS.length - 1));
      ctx.setState({ panel: 'jigsaw', shuffle: next });
    });
    this.body.append(el('div', { class: 'figures' }, this.#input.root, this.#restored.root), this.#answer);
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    this.#ctx = ctx;
    const model = this.modelSelect(ctx, this.modelsFor(ctx.models));
    const truth = JIGSAW_PERMUTATIONS[ctx.state.shuffle]!;
    const shuffled = shuffleTiles(ctx.image, truth);
    paint(this.#input.canvas, shuffled, `input with tiles shuffled by [${truth.join(', ')}]`);
    this.#input.caption.textContent = `shuffled [${truth.join(' ')}]`;
    const { predictions, restored } = await ctx.inference.jigsaw(model, [shuffled]);
    if (!current()) return;
    const { permutation, probability } = predictions[0]!;
    const right = permutation.every((p, i) => p === truth[i]);
    paint(this.#restored.canvas, restored[0]!, `tiles put back by [${permutation.join(', ')}]`);
    this.#answer.replaceChildren(
      el(
        'p',
        {},
        'Predicted ',
        el('strong', { class: 'prediction', text: `[${permutation.join(' ')}]` }),
        ` with p = ${format.percent(probability)} `,
        right ? '✓ correct' : '✗',
      ),
      el('p', { class: 'method', text: `${model.name} · ${LECTURE_IDEA[model.method]}` }),
    );
    ctx.record('jigsaw', { model: model.name, permutation, probability, restored: restored[0] });
  }
}
