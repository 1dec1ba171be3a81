/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The lecture demo page (issue 8): draw or pick an image, and every panel whose task some model serves
// shows what its models make of it. The models and their tasks come from GET /v1/models, so the page
// grows as models are added. All state lives in the URL (url-state.ts), so a link opens the same demo.

import { IMAGE_PIXELS as PIXELS } from '../../contract/image';
import type { Manifest } from '../../contract/manifest';
import { BrowserInference } from './browser-inference';
import { type GalleryImage, loadGallery } from './demo-data';
import { el, format, imageCanvas, paint } from './dom';
import { DrawingPad } from './drawing-pad';
import { ApiInference, type Inference, listModels, type Timing } from './inference';
import { ClassifyPanel } from './panels/classify';
import { DenoisePanel } from './panels/denoise';
import { GeneratePanel } from './panels/generate';
import { JigsawPanel } from './panels/jigsaw';
import { MapPanel } from './panels/map';
import { NeighborsPanel } from './panels/neighbors';
import type { Panel, PanelContext } from './panels/panel';
import { ReconstructPanel } from './panels/reconstruct';
import { RotationPanel } from './panels/rotation';
import { decodeImage, encodeImage } from './pixels';
import { type DemoState, PANELS, type PanelId, parseState, serializeState } from './url-state';

/** What the e2e tests (and a curious student in the console) can read. */
interface DemoHook {
  outputs: Partial<Record<PanelId, unknown>>;
  state: () => DemoState;
  /** The current input image, 784 values. */
  image: () => number[];
  /** Resolves once no update is scheduled or running. */
  idle: () => Promise<void>;
  panels: PanelId[];
}
declare global {
  interface Window {
    __pretext: DemoHook;
  }
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLElement>('status');
const toggle = byId<HTMLInputElement>('in-browser');
const panelsRoot = byId<HTMLElement>('panels');
const pad = new DrawingPad(byId<HTMLCanvasElement>('pad'));

let state = parseState(location.search);
let models: Manifest[] = [];
let gallery: GalleryImage[] = [];
/** The gallery id of the image on the pad, until it is drawn on. */
let imageSource: string | undefined;
let panels: Panel[] = [];
const api = new ApiInference();
const browser = new BrowserInference();
const outputs: DemoHook['outputs'] = {};
let timings: Timing[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<void> | undefined;
let again = false;
let booted: Promise<void> | undefined;

for (const inference of [api, browser]) inference.onTiming = (t) => timings.push(t);

window.__pretext = {
  outputs,
  state: () => ({ ...state }),
  image: () => Array.from(pad.image),
  panels: [],
  idle: async () => {
    await booted;
    while (timer !== undefined || running !== undefined) {
      await (running ?? new Promise((resolve) => setTimeout(resolve, 20)));
    }
  },
};

function schedule(delay = 120): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    void runUpdate();
  }, delay);
}

function setState(patch: Partial<DemoState>): void {
  state = { ...state, ...patch };
  if (patch.inBrowser !== undefined) toggle.checked = state.inBrowser;
  schedule(patch.level !== undefined || patch.latent !== undefined ? 60 : 0);
}

async function runUpdate(): Promise<void> {
  if (running) {
    again = true; // one more round after this one, with the newest state
    return;
  }
  running = updatePanels().finally(() => {
    running = undefined;
    if (again) {
      again = false;
      void runUpdate();
    }
  });
  await running;
}

async function updatePanels(): Promise<void> {
  if (imageSource === undefined) state = { ...state, image: `d:${await encodeImage(pad.image)}` };
  const url = `${location.pathname}${serializeState(state)}`;
  history.replaceState(null, '', url);
  for (const panel of panels)
    panel.setLink(
      `${location.pathname}${serializeState({ ...state, panel: panel.id, model: state.panel === panel.id ? state.model : undefined })}`,
    );
  const inference: Inference = state.inBrowser ? browser : api;
  timings = [];
  const started = performance.now();
  status.textContent =
    state.inBrowser && browser.backend === undefined
      ? 'Loading onnxruntime-web and the models…'
      : 'Updating…';
  const source = imageSource === undefined ? undefined : gallery.find((g) => g.id === imageSource);
  const domain = source?.dataset === 'fashion-mnist' ? 'fashion-mnist' : 'mnist';
  const ctx: PanelContext = { image: pad.image, state, inference, browser, models, domain, setState, record };
  await Promise.all(panels.map((panel) => panel.update(ctx)));
  showTiming(performance.now() - started);
}

function record(panel: PanelId, values: unknown): void {
  outputs[panel] = values;
}

function showTiming(wallMs: number): void {
  const runs = timings.filter((t) => t.where === (state.inBrowser ? 'browser' : 'api'));
  const sum = runs.reduce((s, t) => s + t.ms, 0);
  status.dataset['where'] = state.inBrowser ? 'browser' : 'api';
  if (state.inBrowser) {
    const backend = browser.backend ?? 'wasm';
    status.dataset['backend'] = backend;
    status.textContent = `Ran in this browser with onnxruntime-web (${backend}): ${runs.length} runs, ${format.ms(sum)} (update ${format.ms(wallMs)})`;
  } else {
    status.dataset['backend'] = 'api';
    status.textContent = `Ran on the API: ${runs.length} requests, ${format.ms(wallMs)}`;
  }
}

async function imageFor(id: string): Promise<Float32Array> {
  if (id.startsWith('d:')) return decodeImage(id.slice(2));
  const picked = gallery.find((g) => g.id === id);
  if (picked === undefined) throw new Error(`no gallery image "${id}"`);
  imageSource = id;
  return picked.image;
}

function buildGallery(): void {
  const root = byId<HTMLElement>('gallery');
  const datasets = [...new Set(gallery.map((g) => g.dataset))];
  root.replaceChildren(
    ...datasets.map((dataset) =>
      el(
        'details',
        { open: true },
        el('summary', { text: dataset === 'mnist' ? 'MNIST test digits' : 'Fashion-MNIST test images' }),
        el(
          'div',
          { class: 'gallery-grid' },
          ...gallery
            .filter((g) => g.dataset === dataset)
            .map((g) => {
              const canvas = imageCanvas('');
              canvas.setAttribute('aria-hidden', 'true');
              paint(canvas, g.image);
              const button = el(
                'button',
                {
                  type: 'button',
                  class: 'pick',
                  'aria-label': `${dataset} test image: ${g.className}`,
                  'data-id': g.id,
                },
                canvas,
              );
              button.addEventListener('click', () => {
                pad.load(g.image);
                imageSource = g.id;
                state = { ...state, image: g.id };
                schedule(0);
              });
              return button;
            }),
        ),
      ),
    ),
  );
}

function showPanels(): void {
  panels = [
    new ReconstructPanel(),
    new DenoisePanel(),
    new RotationPanel(),
    new JigsawPanel(),
    new MapPanel(),
    new NeighborsPanel(),
    new GeneratePanel(),
    new ClassifyPanel(),
  ].filter((panel) => panel.modelsFor(models).length > 0);
  panels.sort((a, b) => PANELS.indexOf(a.id) - PANELS.indexOf(b.id));
  panelsRoot.replaceChildren(...panels.map((p) => p.root));
  window.__pretext.panels = panels.map((p) => p.id);
  const waiting = PANELS.filter((id) => !panels.some((p) => p.id === id));
  byId<HTMLElement>('waiting').textContent =
    waiting.length === 0 ? '' : `Panels that appear once a model serves their task: ${waiting.join(', ')}.`;
}

async function boot(): Promise<void> {
  toggle.checked = state.inBrowser;
  toggle.addEventListener('change', () => setState({ inBrowser: toggle.checked }));
  pad.onChange = (_image, drawing) => {
    imageSource = undefined;
    byId<HTMLButtonElement>('undo').disabled = !pad.canUndo;
    schedule(drawing ? 150 : 0);
  };
  byId<HTMLButtonElement>('undo').addEventListener('click', () => pad.undo());
  byId<HTMLButtonElement>('clear').addEventListener('click', () => pad.clear());
  byId<HTMLButtonElement>('copy-link').addEventListener('click', async () => {
    await runUpdate();
    try {
      await navigator.clipboard.writeText(location.href);
      status.textContent = 'Link copied.';
    } catch {
      status.textContent = `Link: ${location.href}`;
    }
  });
  window.addEventListener('offline', () => {
    if (!state.inBrowser) setState({ inBrowser: true });
  });

  status.textContent = 'Loading the models…';
  try {
    [models, gallery] = await Promise.all([listModels(), loadGallery()]);
  } catch (error) {
    status.textContent = `The page could not load its models: ${(error as Error).message}`;
    status.classList.add('error');
    return;
  }
  buildGallery();
  showPanels();
  try {
    const pending = pad.onChange;
    pad.onChange = undefined; // loading the shared image is not a drawing
    pad.load(await imageFor(state.image), false);
    pad.onChange = pending;
  } catch (error) {
    status.textContent = `The link's image could not be read (${(error as Error).message}); showing a test image instead.`;
    pad.load(gallery[0]?.image ?? new Float32Array(PIXELS), false);
    imageSource = gallery[0]?.id;
    state = { ...state, image: imageSource ?? state.image };
  }
  await runUpdate();
  if (state.panel) document.getElementById(`panel-${state.panel}`)?.scrollIntoView({ block: 'start' });
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined); // offline use is a bonus
  }
}

booted = boot();
