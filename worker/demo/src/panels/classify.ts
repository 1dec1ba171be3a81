// Downstream: a probe trained with few labels on frozen self-supervised features names the image.
import { argmax } from '../../../serving/probabilities';
import { el } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext, probabilityBars } from './panel';

export class ClassifyPanel extends Panel {
  readonly id = 'classify';
  readonly task = 'classify';
  readonly #answer = el('div', { class: 'answer' });

  constructor() {
    super('classify', 'Classification', PANEL_IDEA.classify);
    this.body.append(this.#answer);
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    const model = this.modelSelect(ctx, this.modelsFor(ctx.models));
    const [prediction] = await ctx.inference.classify(model, [ctx.image]);
    if (!current() || prediction === undefined) return;
    const { label, probabilities } = prediction;
    const names = probabilities.map((_, i) => model.classNames?.[i] ?? String(i));
    this.#answer.replaceChildren(
      el('p', {}, 'Predicted ', el('strong', { class: 'prediction', text: label })),
      probabilityBars(names, probabilities, argmax(probabilities)),
      el('p', { class: 'method', text: `${model.name} · ${LECTURE_IDEA[model.method]}` }),
    );
    ctx.record('classify', { model: model.name, label, probabilities });
  }
}
