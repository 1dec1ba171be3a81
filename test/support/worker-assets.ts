// The worker tests' globalSetup (vitest.config.ts). Runs in Node before the worker tests start workerd: puts the committed models' graphs among the static
// assets, where the worker (and these tests) read them through the ASSETS binding, as `wrangler dev` and
// `wrangler deploy` do after their build step.
import { copyApiReferenceScript } from '../../scripts/docs-assets';
import { copyModelAssets } from '../../scripts/model-assets';

export default function setup(): void {
  copyModelAssets();
  copyApiReferenceScript();
}
