// The registry of training methods: `npm run train -- <method>` looks them up here.
import { ae } from './ae';
import { kmeansMethod, pca } from './closed-form';
import { contractiveAe } from './contractive-ae';
import { convAe } from './conv-ae';
import { dae } from './dae';
import { dec } from './dec';
import { finetune } from './finetune';
import { jigsaw } from './jigsaw';
import type { Method } from './method';
import { probe } from './probe';
import { rotnet } from './rotnet';
import { simclr } from './simclr';
import { sparseAe } from './sparse-ae';
import { text } from './text';
import { vae } from './vae';

export const METHODS: Readonly<Record<string, Method>> = Object.freeze({
  pca,
  kmeans: kmeansMethod,
  ae,
  'conv-ae': convAe,
  'sparse-ae': sparseAe,
  'contractive-ae': contractiveAe,
  dae,
  vae,
  rotnet,
  jigsaw,
  simclr,
  probe,
  finetune,
  dec,
  text,
});
