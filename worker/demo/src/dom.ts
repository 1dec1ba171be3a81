// Small DOM helpers: build elements, and paint a 28×28 image onto a canvas (ink dark on light paper,
// the way the lecture slides show digits).
import { IMAGE_SIDE as SIDE } from '../../contract/image';

type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else if (name === 'text') element.textContent = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** A canvas showing a 28×28 image (scaled up by CSS, pixelated), with a text alternative. */
export function imageCanvas(label: string, className = 'thumb'): HTMLCanvasElement {
  return el('canvas', { width: SIDE, height: SIDE, class: className, role: 'img', 'aria-label': label });
}

export function paint(canvas: HTMLCanvasElement, image: ArrayLike<number>, label?: string): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const pixels = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const shade = 255 - Math.round(Math.min(1, Math.max(0, image[i] ?? 0)) * 255);
    pixels.data.set([shade, shade, shade, 255], i * 4);
  }
  context.putImageData(pixels, 0, 0);
  if (label !== undefined) canvas.setAttribute('aria-label', label);
}

/** A labelled figure: an image canvas with a caption under it. */
export function figure(
  label: string,
  caption: string,
): { root: HTMLElement; canvas: HTMLCanvasElement; caption: HTMLElement } {
  const canvas = imageCanvas(label);
  const text = el('figcaption', { text: caption });
  return { root: el('figure', {}, canvas, text), canvas, caption: text };
}

export const format = {
  mse: (v: number) => v.toFixed(4),
  percent: (v: number) => `${(100 * v).toFixed(1)} %`,
  ms: (v: number) => (v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`),
};
