// Literature anchors shown beside our numbers. Values as reported in the cited works (for the
// clustering ones, on each dataset's standard split; MNIST ones on the full or test set as noted).
export interface Anchor {
  dataset: 'mnist' | 'fashion-mnist';
  kind: 'clustering' | 'supervised';
  label: string;
  acc: number;
  nmi?: number;
  source: string;
  reference: string;
}

const N2D =
  'R. McConville et al., "N2D: (Not Too) Deep Clustering via Clustering the Local Manifold of an Autoencoded Embedding", ICPR 2020 (arXiv:1908.05968).';
const DEC =
  'J. Xie, R. Girshick, A. Farhadi, "Unsupervised Deep Embedding for Clustering Analysis", ICML 2016.';
const DECDA = 'X. Guo et al., "Deep Embedded Clustering with Data Augmentation", ACML 2018.';
const FMNIST =
  'H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, and its benchmark table.';

export const ANCHORS: readonly Anchor[] = [
  {
    dataset: 'fashion-mnist',
    kind: 'clustering',
    label: 'k-means on pixels',
    acc: 0.474,
    nmi: 0.512,
    source: 'N2D',
    reference: N2D,
  },
  { dataset: 'fashion-mnist', kind: 'clustering', label: 'DEC', acc: 0.62, source: 'N2D', reference: N2D },
  {
    dataset: 'fashion-mnist',
    kind: 'clustering',
    label: 'N2D (AE + UMAP + GMM)',
    acc: 0.672,
    nmi: 0.684,
    source: 'N2D',
    reference: N2D,
  },
  {
    dataset: 'mnist',
    kind: 'clustering',
    label: 'k-means on pixels',
    acc: 0.53,
    source: 'DEC',
    reference: DEC,
  },
  { dataset: 'mnist', kind: 'clustering', label: 'DEC', acc: 0.84, source: 'DEC', reference: DEC },
  {
    dataset: 'mnist',
    kind: 'clustering',
    label: 'DEC-DA (10k test set)',
    acc: 0.983,
    source: 'DEC-DA',
    reference: DECDA,
  },
  {
    dataset: 'fashion-mnist',
    kind: 'supervised',
    label: 'supervised MLP 256-128-64',
    acc: 0.9,
    source: 'Fashion-MNIST',
    reference: FMNIST,
  },
  {
    dataset: 'fashion-mnist',
    kind: 'supervised',
    label: 'supervised small CNNs',
    acc: 0.916,
    source: 'Fashion-MNIST',
    reference: FMNIST,
  },
];
