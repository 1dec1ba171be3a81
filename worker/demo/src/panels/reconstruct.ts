// Reconstructions by every model that can reconstruct (AEs, PCA, VAE), side by side with their MSE.
import type { Manifest } from '../../../contract/manifest';
import { el, figure, format, paint } from '../dom';
import { LECTURE_IDEA, PANEL_IDEA } from '../lecture';
import { Panel, type PanelContext } from './panel';

export class ReconstructPanel extends Panel {
  readonly id = 'reconstruct';
  readonly task = 'reconstruct';
  readonly #cards = new Map<string, ReturnType<typeof figure>>();
  readonly #grid = el('div', { class: 'figures' });

  constructor() {
    super('reconstruct', 'Reconstruction', PANEL_IDEA.reconstruct);
    this.body.append(this.#grid);
  }

  #card(model: Manifest) {
    let card = this.#cards.get(model.name);
    if (card === undefined) {
      card = figure(`reconstruction by ${model.name}`, model.name);
      card.root.append(el('p', { class: 'method', text: LECTURE_IDEA[model.method] }));
      card.root.dataset['model'] = model.name;
      this.#cards.set(model.name, card);
    }
    return card;
  }

  protected async render(ctx: PanelContext, current: () => boolean) {
    const models = this.modelsFor(ctx.models);
    const answers = await Promise.all(models.map((m) => ctx.inference.reconstruct(m, [ctx.image])));
    if (!current()) return;
    this.#grid.replaceChildren(
      ...models.map((model, i) => {
        const card = this.#card(model);
        const { images, mse } = answers[i]!;
        paint(card.canvas, images[0]!, `reconstruction by ${model.name}, MSE ${format.mse(mse[0]!)}`);
        card.caption.replaceChildren(
          el('strong', { text: model.name }),
          el('span', { class: 'metric', 'data-mse': String(mse[0]), text: ` MSE ${format.mse(mse[0]!)}` }),
        );
        return card.root;
      }),
    );
    ctx.record(
      'reconstruct',
      Object.fromEntries(
        models.map((m, i) => [m.name, { image: answers[i]!.images[0], mse: answers[i]!.mse[0] }]),
      ),
    );
  }
}
