// The text endpoints' test app: the tiny fixture model of scripts/make-text-fixture.ts (trained on twelve
// sentences, among them the lecture's "I am going to school"), so answers are known without the fortunes
// package, beside one image model, over a store of their own.
import { createApp } from '../../worker/app';
import { wasmRuntime } from '../../worker/runtime/ort';
import { bundledModels } from '../../worker/store/bundled-models.generated';
import fixtureManifest from './fixtures/text/fixture-text/manifest.json';
import fixtureOnnx from './fixtures/text/fixture-text/model.onnx';
import fixtureVocab from './fixtures/text/fixture-text/vocab.json';
import textIndex from './fixtures/text/index.json';
import { bundledGraph, type ExtraModel, jsonInit, statusAndBody, storeWith } from './support';

export { fixtureManifest, fixtureOnnx, fixtureVocab, textIndex };

export const FIXTURE = 'fixture-text';
export const IMAGE_MODEL = 'mnist-mlp-ae';
export const fixture: ExtraModel = {
  manifest: fixtureManifest,
  files: { 'model.onnx': fixtureOnnx },
  vocab: fixtureVocab,
};
const imageModel: ExtraModel = {
  manifest: bundledModels.models[IMAGE_MODEL]!.manifest,
  files: { 'model.onnx': await bundledGraph(IMAGE_MODEL) },
};

export function appWith(models: Record<string, ExtraModel>, defaults: Record<string, string>) {
  const store = storeWith({ index: { models: Object.keys(models), defaults }, models: {} }, models);
  return createApp({ runtime: wasmRuntime(), store });
}

/** The fixture text model (the text defaults) and an image model (the embed default). */
export const app = appWith(
  { [FIXTURE]: fixture, [IMAGE_MODEL]: imageModel },
  { ...textIndex.defaults, embed: IMAGE_MODEL },
);
export const post = async (path: string, body: unknown) =>
  statusAndBody(await app.request(path, jsonInit(body)));
