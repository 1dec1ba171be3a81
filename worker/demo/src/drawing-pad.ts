// The 28×28 drawing canvas: strokes from mouse, touch or pen (pointer events) are drawn on a 280×280
// ink layer with a round brush and area-averaged down to 28×28, which gives the soft edges of MNIST
// digits. What the canvas shows is exactly the model input: the 28×28 image, scaled up, pixelated.

import { IMAGE_PIXELS as PIXELS, IMAGE_SIDE as SIDE } from '../../contract/image';
import { paint } from './dom';
import { quantize } from './pixels';

const SCALE = 10;
const INK_SIDE = SIDE * SCALE;
/** ≈ 2.3 pixels of the 28×28 image: the stroke width of an MNIST digit. */
const BRUSH = 23;

type Point = readonly [x: number, y: number];

interface Snapshot {
  base: Float32Array;
  strokes: Point[][];
}

export class DrawingPad {
  readonly canvas: HTMLCanvasElement;
  /** Called with the new image on every change; `drawing` is true while a stroke is in progress. */
  onChange: ((image: Float32Array, drawing: boolean) => void) | undefined;
  #base: Float32Array = new Float32Array(PIXELS);
  #strokes: Point[][] = [];
  #history: Snapshot[] = [];
  #active: { id: number; stroke: Point[] } | undefined;
  readonly #ink: CanvasRenderingContext2D;
  #image: Float32Array = new Float32Array(PIXELS);

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ink = document.createElement('canvas');
    ink.width = INK_SIDE;
    ink.height = INK_SIDE;
    const context = ink.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('this browser has no 2-D canvas');
    this.#ink = context;
    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    canvas.addEventListener('keydown', (e) => {
      if (e.key === 'Backspace' || ((e.ctrlKey || e.metaKey) && e.key === 'z')) {
        e.preventDefault();
        this.undo();
      } else if (e.key === 'Delete') {
        e.preventDefault();
        this.clear();
      }
    });
    this.#render(false);
  }

  get image(): Float32Array {
    return this.#image;
  }

  get canUndo(): boolean {
    return this.#history.length > 0;
  }

  /** Replaces the drawing with an image (a gallery pick or a shared link); undo brings the old one back. */
  load(image: Float32Array, remember = true): void {
    if (remember) this.#remember();
    this.#base = Float32Array.from(image);
    this.#strokes = [];
    this.#render(false);
  }

  clear(): void {
    if (this.#strokes.length === 0 && this.#base.every((v) => v === 0)) return;
    this.load(new Float32Array(PIXELS));
  }

  undo(): void {
    const previous = this.#history.pop();
    if (previous === undefined) return;
    this.#base = previous.base;
    this.#strokes = previous.strokes;
    this.#render(false);
  }

  #remember(): void {
    this.#history.push({ base: this.#base, strokes: this.#strokes.map((s) => [...s]) });
    if (this.#history.length > 50) this.#history.shift();
  }

  #point(e: PointerEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - rect.left) / rect.width) * INK_SIDE,
      ((e.clientY - rect.top) / rect.height) * INK_SIDE,
    ];
  }

  #down(e: PointerEvent): void {
    if (e.button !== 0 || this.#active !== undefined) return;
    e.preventDefault();
    this.canvas.setPointerCapture?.(e.pointerId);
    this.#remember();
    const stroke: Point[] = [this.#point(e)];
    this.#strokes.push(stroke);
    this.#active = { id: e.pointerId, stroke };
    this.#render(true);
  }

  #move(e: PointerEvent): void {
    if (this.#active?.id !== e.pointerId) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const event of events.length > 0 ? events : [e]) this.#active.stroke.push(this.#point(event));
    this.#render(true);
  }

  #up(e: PointerEvent): void {
    if (this.#active?.id !== e.pointerId) return;
    this.#active = undefined;
    this.#render(false);
  }

  /** Strokes → 280×280 ink → 28×28 block means, combined with the base image by max, on the k/255 grid. */
  #render(drawing: boolean): void {
    const ink = this.#ink;
    ink.fillStyle = '#000';
    ink.fillRect(0, 0, INK_SIDE, INK_SIDE);
    ink.strokeStyle = '#fff';
    ink.fillStyle = '#fff';
    ink.lineWidth = BRUSH;
    ink.lineCap = 'round';
    ink.lineJoin = 'round';
    for (const stroke of this.#strokes) {
      const [first, ...rest] = stroke;
      if (first === undefined) continue;
      if (rest.length === 0) {
        ink.beginPath();
        ink.arc(first[0], first[1], BRUSH / 2, 0, 2 * Math.PI);
        ink.fill();
        continue;
      }
      ink.beginPath();
      ink.moveTo(first[0], first[1]);
      for (const [x, y] of rest) ink.lineTo(x, y);
      ink.stroke();
    }
    const { data } = ink.getImageData(0, 0, INK_SIDE, INK_SIDE);
    const image = new Float32Array(PIXELS);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        let sum = 0;
        for (let dy = 0; dy < SCALE; dy++) {
          const row = (y * SCALE + dy) * INK_SIDE + x * SCALE;
          for (let dx = 0; dx < SCALE; dx++) sum += data[(row + dx) * 4]!;
        }
        const i = y * SIDE + x;
        image[i] = Math.max(this.#base[i]!, sum / (SCALE * SCALE * 255));
      }
    }
    this.#image = quantize(image);
    paint(this.canvas, this.#image);
    this.onChange?.(this.#image, drawing);
  }
}
