// PCA and k-means are fitted in closed form / by Lloyd's iterations rather than by gradient steps;
// these adapters give them the same CLI entry as every other method.
import { KmeansConfigSchema, trainKmeans } from './kmeans';
import type { Method, MethodContext } from './method';
import { PcaConfigSchema, trainPca } from './pca';

const unsupervised = (ctx: MethodContext) => ({
  data: ctx.data,
  dataset: ctx.config.dataset,
  modelsDir: ctx.config.modelsDir,
  command: ctx.command,
  backend: ctx.backend,
  log: ctx.log,
});

export const pca: Method = {
  description: 'PCA: top-k eigenvectors of the covariance of centred data (--components k)',
  preset: { name: 'fmnist-pca-32', dataset: 'fashion-mnist', components: 32 },
  run: (ctx) =>
    trainPca(
      PcaConfigSchema.parse({
        name: ctx.config.name,
        version: ctx.config.version,
        components: ctx.config.components,
      }),
      unsupervised(ctx),
    ),
};

export const kmeansMethod: Method = {
  description:
    'k-means with k-means++ init and restarts on --features pixels | pca:<model> | encoder:<model>',
  preset: { name: 'fmnist-kmeans', dataset: 'fashion-mnist', k: 10 },
  run: (ctx) => {
    const c = ctx.config;
    const config = KmeansConfigSchema.parse({
      name: c.name,
      version: c.version,
      k: c.k,
      restarts: c.restarts,
      maxIterations: c.maxIterations,
      tolerance: c.tolerance,
      seed: c.seed,
      features: c.features,
      normalizeFeatures: c.normalizeFeatures,
    });
    return trainKmeans(config, unsupervised(ctx));
  },
};
