// The deployed worker: the API over the models bundled from models/ (see scripts/bundle-models.ts).
import { createApp } from './app';
import { bundledModels } from './store/bundled-models.generated';
import { BundledStore } from './store/bundled-store';

export default createApp({ store: new BundledStore(bundledModels) });
