// The rotation pretext task: turn the input by 90° steps, the model says by how much it was turned, and
// the page turns it back by the prediction.
import { ROTATION_ANGLES, rotateCounterClockwise } from '../../../contract/rotation';
import { el, figure, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext, probabilityBars } from './panel';

export class RotationPanel extends Panel {
  readonly id = 'rotation';
  readonly task = 'rotation';
  readonly #input = figure('rotated input', 'input');
  readonly #upright = figure('input turned back by the prediction', 'turned back');
  readonly #answer = el('div', { class: 'answer' });
  readonly #rotate = el('button', { type: 'button', text: 'Rotate 90° ⟲' });
  #ctx: PanelContext | undefined;

  constructor() {
    super('rotation', 'Rotation', PANEL_IDEA.rotation);
    this.controls.append(this.#rotate);
    this.#rotate.addEventListener('click', () => {
      const ctx = this.#ctx;
      if (ctx) ctx.setState({ panel: 'rotation', turns: (ctx.state.turns + 1) % 4 });
    });
    this.body.append(el('div', { class: 'figures' }, this.#input.root, this.#upright.root), this.#answer);
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    this.#ctx = ctx;
    const model = this.modelSelect(ctx, this.modelsFor(ctx.models));
    const turned = rotateCounterClockwise(ctx.image, ctx.state.turns);
    const truth = ROTATION_ANGLES[ctx.state.turns]!;
    paint(this.#input.canvas, turned, `input turned ${truth}° counter-clockwise`);
    this.#input.caption.textContent = `input, turned ${truth}°`;
    const { predictions, upright } = await ctx.inference.rotation(model, [turned]);
    if (!current()) return;
    const { angle, probabilities } = predictions[0]!;
    paint(this.#upright.canvas, upright[0]!, `turned back by ${angle}°`);
    this.#answer.replaceChildren(
      el(
        'p',
        {},
        'Predicted ',
        el('strong', { class: 'prediction', text: `${angle}°` }),
        angle === truth ? ' ✓ correct' : ` ✗ (it was ${truth}°)`,
      ),
      probabilityBars(
        ROTATION_ANGLES.map((a) => `${a}°`),
        probabilities,
        ROTATION_ANGLES.indexOf(angle),
      ),
      el('p', { class: 'method', text: `${model.name} · ${LECTURE_IDEA[model.method]}` }),
    );
    ctx.record('rotation', { model: model.name, angle, probabilities, upright: upright[0] });
  }
}
