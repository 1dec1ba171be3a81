// The page state that a shared link carries (a lecturer puts it on a slide): which image, which panel
// and model, the noise, the rotation, the jigsaw shuffle, the VAE seed and latent, and where inference
// runs. Everything lives in the query string; a value that does not parse falls back to its default.
import { CORRUPTIONS, type Corruption } from '../../contract/corruptions';

export const PANELS = [
  'reconstruct',
  'denoise',
  'rotation',
  'jigsaw',
  'map',
  'neighbors',
  'generate',
  'classify',
] as const;
export type PanelId = (typeof PANELS)[number];

export interface DemoState {
  /** A gallery id ("mnist:1234", the index in the test split) or "d:" + an encoded drawing. */
  image: string;
  panel: PanelId | undefined;
  /** The model chosen in `panel`. */
  model: string | undefined;
  noise: Corruption;
  /** σ for gaussian, the fraction of pixels for masking and salt-and-pepper. */
  level: number;
  noiseSeed: number;
  /** Quarter turns counter-clockwise applied to the rotation panel's input. */
  turns: number;
  /** Index into JIGSAW_PERMUTATIONS of the jigsaw panel's shuffle. */
  shuffle: number;
  seed: number;
  /** The latent walk: which dimension of the first sample and its value. */
  latentDim: number;
  latent: number;
  /** The Similar items panel's reference set (a dataset name); undefined: the image's own dataset. */
  reference: string | undefined;
  inBrowser: boolean;
}

export const DEFAULT_STATE: Readonly<DemoState> = Object.freeze({
  image: 'mnist:0',
  panel: undefined,
  model: undefined,
  noise: 'gaussian',
  level: 0.3,
  noiseSeed: 1,
  turns: 1,
  shuffle: 5,
  seed: 1,
  latentDim: 0,
  latent: 0,
  reference: undefined,
  inBrowser: false,
});

const clampTo = (min: number, max: number) => (v: number) => Math.min(max, Math.max(min, v));
const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function int(value: string | null, fallback: number, clamp: (v: number) => number): number {
  return value !== null && INTEGER.test(value) ? clamp(Number(value)) : fallback;
}
function num(value: string | null, fallback: number, clamp: (v: number) => number): number {
  return value !== null && NUMBER.test(value) ? clamp(Number(value)) : fallback;
}

export function parseState(search: string): DemoState {
  const q = new URLSearchParams(search);
  const d = DEFAULT_STATE;
  const panel = q.get('panel');
  const noise = q.get('noise');
  return {
    image: q.get('img') ?? d.image,
    panel: PANELS.find((p) => p === panel),
    model: q.get('model') ?? undefined,
    noise: CORRUPTIONS.find((c) => c === noise) ?? d.noise,
    level: num(q.get('level'), d.level, clampTo(0, 1)),
    noiseSeed: int(q.get('ns'), d.noiseSeed, clampTo(0, 2 ** 31 - 1)),
    turns: int(q.get('turns'), d.turns, (v) => ((v % 4) + 4) % 4),
    shuffle: int(q.get('shuffle'), d.shuffle, clampTo(0, 23)),
    seed: int(q.get('seed'), d.seed, clampTo(0, 2 ** 31 - 1)),
    latentDim: int(q.get('zdim'), d.latentDim, clampTo(0, 4095)),
    latent: num(q.get('z'), d.latent, clampTo(-3, 3)),
    reference: /^[a-z0-9-]{1,40}$/.test(q.get('ref') ?? '') ? q.get('ref')! : undefined,
    inBrowser: q.get('run') === 'browser',
  };
}

/** Only the values that differ from the defaults, so links stay short. */
export function serializeState(state: DemoState): string {
  const d = DEFAULT_STATE;
  const q = new URLSearchParams();
  const put = (key: string, value: string | number | undefined, fallback: string | number | undefined) => {
    if (value !== undefined && value !== fallback) q.set(key, String(value));
  };
  put('img', state.image, d.image);
  put('panel', state.panel, undefined);
  put('model', state.model, undefined);
  put('noise', state.noise, d.noise);
  put('level', state.level, d.level);
  put('ns', state.noiseSeed, d.noiseSeed);
  put('turns', state.turns, d.turns);
  put('shuffle', state.shuffle, d.shuffle);
  put('seed', state.seed, d.seed);
  put('zdim', state.latentDim, d.latentDim);
  put('z', state.latent, d.latent);
  put('ref', state.reference, undefined);
  if (state.inBrowser) q.set('run', 'browser');
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}
