// The deployed worker: the API over the models deployed from models/ (manifests bundled by
// scripts/bundle-models.ts, graphs as static assets copied by scripts/model-assets.ts) and,
// when wrangler.toml binds a MODELS R2 bucket, over the versions published to it (scripts/models-publish.ts).
import { env } from 'cloudflare:workers';
import { createApp } from './app';
import { bindingsOf, secondsVar } from './http/bindings';
import { wasmRuntime } from './runtime/ort';
import { memoryBudgetBytes } from './serving/memory-budget';
import type { ModelBucket } from './store/bucket';
import { bundledModels } from './store/bundled-models.generated';
import { BundledStore } from './store/bundled-store';
import { assetModelFiles } from './store/model-files';
import { DEFAULT_POINTER_TTL_MS, R2Store } from './store/r2-store';

const bindings = bindingsOf(env);
// Typed from wrangler.toml (worker-configuration.d.ts): this also checks R2Bucket against ModelBucket.
const bucket: ModelBucket | undefined = (env as Partial<Cloudflare.Env>).MODELS;
const assets: Fetcher | undefined = (env as Partial<Cloudflare.Env>).ASSETS;
const bundled = new BundledStore(bundledModels, assetModelFiles(assets));
const store =
  bucket === undefined
    ? bundled
    : new R2Store({
        bucket,
        fallback: bundled,
        pointerTtlMs: secondsVar(bindings.MODEL_POINTER_TTL_S, DEFAULT_POINTER_TTL_MS / 1000) * 1000,
      });

const runtime = wasmRuntime();
// At the isolate's start, before its first request: compile and run ORT's code paths once (see warmUp in
// ./runtime/ort.ts), then create the sessions of the default models whose graphs are in the script
// (BundledStore.preloadable), so a first request to them only runs its model, and one to any other
// model pays only for its own session. This counts towards Cloudflare's 1 s start-up limit;
// ORT_WARMUP = "0" in wrangler.toml turns it off (every session is then created on first use).
const startUp = bindings.ORT_WARMUP !== '0';
const preload = startUp ? runtime.warmUp().then(() => bundled.preloadable()) : undefined;

export default createApp({
  store,
  runtime,
  memoryBudgetBytes: memoryBudgetBytes(bindings.ORT_MEMORY_BUDGET_MIB),
  ...(preload ? { preload } : {}),
});
