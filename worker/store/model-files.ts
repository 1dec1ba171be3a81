// Where the bundled models' ONNX graphs live: not in the worker script (Cloudflare limits a worker to
// 10 MiB compressed, and the committed graphs alone are ~25 MiB) but among the worker's static assets
// ([assets] in wrangler.toml), under MODEL_ASSETS_PREFIX. The build step copies them there
// (scripts/model-assets.ts); `run_worker_first` keeps that path from being served to the public, so only
// the worker reads them, through its ASSETS binding. Manifests, the index and vocabularies stay bundled
// in the script (small JSON the worker needs before any graph).

/** Reads one file of a bundled model (`manifest.onnx.file`, …); undefined when there is no such file. */
export type ModelFileReader = (model: string, file: string) => Promise<ArrayBuffer | undefined>;

/** The asset path of the bundled models' graphs; wrangler.toml's `run_worker_first` names the same. */
export const MODEL_ASSETS_PREFIX = '/_models/';

export const modelAssetPath = (model: string, file: string): string =>
  `${MODEL_ASSETS_PREFIX}${encodeURIComponent(model)}/${encodeURIComponent(file)}`;

/** What the reader needs of the ASSETS binding (a Fetcher). */
export interface AssetFetcher {
  fetch(request: Request): Promise<Response>;
}

/**
 * Model files read through the worker's ASSETS binding (never through the public asset route). Without
 * the binding every read fails with a message that says so (each model then answers 503, naming it).
 */
export function assetModelFiles(assets: AssetFetcher | undefined): ModelFileReader {
  return async (model, file) => {
    if (assets === undefined) {
      throw new Error('the worker has no ASSETS binding ([assets] binding = "ASSETS" in wrangler.toml)');
    }
    // The host is ignored by the binding; only the path selects the asset.
    const response = await assets.fetch(new Request(`https://assets.invalid${modelAssetPath(model, file)}`));
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the static asset ${modelAssetPath(model, file)} answered ${response.status}`);
    }
    return response.arrayBuffer();
  };
}
