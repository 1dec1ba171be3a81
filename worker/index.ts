// The deployed worker: the API over the models deployed from models/ (manifests bundled by
// scripts/bundle-models.ts, graphs as static assets copied by scripts/model-assets.ts) and,
// when wrangler.toml binds a MODELS R2 bucket, over the versions published to it (scripts/models-publish.ts).
import { env } from 'cloudflare:workers';
import { createApp } from './app';
import { bindingsOf, secondsVar } from './http/bindings';
import { wasmRuntime } from './runtime/ort';
import type { ModelBucket } from './store/bucket';
import { bundledModels } from './store/bundled-models.generated';
import { BundledStore } from './store/bundled-store';
import { assetModelFiles } from './store/model-files';
import { DEFAULT_POINTER_TTL_MS, R2Store } from './store/r2-store';

const bindings = bindingsOf(env);
// Typed from wrangler.toml (worker-configuration.d.ts): this also checks R2Bucket against ModelBucket.
const bucket: ModelBucket | undefined = (env as Partial<Cloudflare.Env>).MODELS;
const bundled = new BundledStore(bundledModels, assetModelFiles(env.ASSETS));
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
// ./runtime/ort.ts), so that the first request pays only for its own model's session. It counts towards
// Cloudflare's 1 s start-up limit; ORT_WARMUP = "0" in wrangler.toml turns it off.
if (bindings.ORT_WARMUP !== '0') void runtime.warmUp();

export default createApp({ store, runtime });
