// What every panel shares: a titled section with its lecture idea, an optional model choice, an error
// line that says what went wrong (never a blank panel), and updates that drop stale answers.
import type { Manifest, Task } from '../../../contract/manifest';
import type { BrowserInference } from '../browser-inference';
import { el } from '../dom';
import type { Inference } from '../inference';
import type { DemoState, PanelId } from '../url-state';

export interface PanelContext {
  /** The current (clean) input image. */
  image: Float32Array;
  state: DemoState;
  inference: Inference;
  /** Always the in-browser runtime: the VAE's latent walk decodes here in both modes. */
  browser: BrowserInference;
  /** Every model the worker lists. */
  models: Manifest[];
  /**
   * The data the image looks like: a drawing or an MNIST gallery image is a digit, a Fashion-MNIST
   * gallery image a garment. Panels pick a model trained on that data unless one was chosen.
   */
  domain: 'mnist' | 'fashion-mnist';
  setState(patch: Partial<DemoState>): void;
  /** Records a panel's numbers (window.__pretext.outputs), for tests and the curious. */
  record(panel: PanelId, outputs: unknown): void;
}

export abstract class Panel {
  abstract readonly id: PanelId;
  /** The task a model must serve for this panel to appear. */
  abstract readonly task: Task;
  readonly root: HTMLElement;
  readonly controls: HTMLElement;
  readonly body: HTMLElement;
  readonly #error: HTMLElement;
  #select: HTMLSelectElement | undefined;
  #sequence = 0;

  constructor(id: PanelId, title: string, idea: string) {
    const heading = el('h2', { id: `${id}-title`, text: title });
    const link = el(
      'a',
      { class: 'panel-link', href: '#', 'aria-label': `Link to the ${title} panel` },
      'link',
    );
    this.controls = el('div', { class: 'controls' });
    this.body = el('div', { class: 'panel-body', 'aria-live': 'polite' });
    this.#error = el('p', { class: 'error', role: 'alert', hidden: true });
    this.root = el(
      'section',
      { class: 'panel', id: `panel-${id}`, 'aria-labelledby': `${id}-title`, 'data-panel': id },
      el('header', {}, heading, link),
      el('p', { class: 'idea', text: idea }),
      this.controls,
      this.#error,
      this.body,
    );
  }

  /** The models that can serve this panel. */
  modelsFor(models: Manifest[]): Manifest[] {
    return models.filter((m) => m.tasks.includes(this.task));
  }

  /** A model picker, for panels that show one model at a time. */
  protected modelSelect(ctx: PanelContext, models: Manifest[], label = 'Model'): Manifest {
    if (this.#select === undefined) {
      const id = `${this.id}-model`;
      this.#select = el('select', { id });
      this.#select.addEventListener('change', () =>
        ctx.setState({ panel: this.id, model: this.#select!.value }),
      );
      this.controls.prepend(el('label', { for: id, text: `${label} ` }), this.#select);
    }
    const select = this.#select;
    const names = models.map((m) => m.name);
    if (select.options.length !== names.length || names.some((n, i) => select.options[i]!.value !== n)) {
      select.replaceChildren(...models.map((m) => el('option', { value: m.name, text: m.name })));
    }
    const wanted = ctx.state.panel === this.id ? ctx.state.model : undefined;
    const fits = (m: Manifest) => m.dataset.name === ctx.domain;
    // An explicit choice first; else the model on show if it fits the image; else one that fits
    // (a drawn digit goes to a digit model, a garment to a Fashion-MNIST one); else any.
    const chosen =
      models.find((m) => m.name === wanted) ??
      models.find((m) => m.name === select.value && fits(m)) ??
      models.find(fits) ??
      models[0]!;
    select.value = chosen.name;
    select.disabled = models.length < 2;
    return chosen;
  }

  /** Runs render(); an answer that arrives after a newer update started is dropped. */
  async update(ctx: PanelContext): Promise<void> {
    const sequence = ++this.#sequence;
    const current = () => sequence === this.#sequence;
    this.root.setAttribute('aria-busy', 'true');
    try {
      await this.render(ctx, current);
      if (current()) this.#error.hidden = true;
    } catch (error) {
      if (!current()) return;
      this.#error.textContent = `Could not update: ${(error as Error).message}`;
      this.#error.hidden = false;
      this.body.classList.add('stale');
    } finally {
      if (current()) {
        this.root.removeAttribute('aria-busy');
        if (this.#error.hidden) this.body.classList.remove('stale');
        this.root.dataset['updates'] = String(Number(this.root.dataset['updates'] ?? 0) + 1);
      }
    }
  }

  /** Sets the panel's share link (the current state with this panel focused). */
  setLink(href: string): void {
    this.root.querySelector<HTMLAnchorElement>('.panel-link')!.href = href;
  }

  protected abstract render(ctx: PanelContext, current: () => boolean): Promise<void>;
}

/** Horizontal bars for class probabilities, each with its number as text. */
export function probabilityBars(
  labels: readonly string[],
  probabilities: readonly number[],
  best: number,
): HTMLElement {
  return el(
    'ul',
    { class: 'bars' },
    ...labels.map((label, i) => {
      const p = probabilities[i] ?? 0;
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      return el(
        'li',
        { class: i === best ? 'best' : undefined },
        el('span', { class: 'bar-label', text: label }),
        el('span', { class: 'bar-track' }, bar),
        el('span', { class: 'bar-value', text: `${(100 * p).toFixed(1)} %` }),
      );
    }),
  );
}
