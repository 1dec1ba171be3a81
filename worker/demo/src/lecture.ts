// One line per method: the lecture idea each model shows (DESIGN.md, "The model catalogue").
import type { Manifest } from '../../contract/manifest';

export const LECTURE_IDEA: Record<Manifest['method'], string> = {
  pca: 'PCA: x̂ = Vᵀ V(x − μ) + μ, V = top eigenvectors of the covariance (closed form)',
  kmeans: 'k-means: cluster = argminⱼ ‖x − μⱼ‖², alternating assignment and mean update',
  ae: 'undercomplete AE: hourglass x → h → x̂, L_rec = ‖x − g(f(x))‖²',
  'conv-ae': 'convolutional AE: the same bottleneck with conv encoder / transposed-conv decoder',
  'sparse-ae': 'sparse AE: L_rec + λ‖h‖₁',
  'contractive-ae': 'contractive AE: L_rec + λ‖∂h/∂x‖²_F',
  dae: 'denoising AE: trained on (x̃, x), L = ‖x − g(f(x̃))‖²',
  vae: 'VAE: maximise the ELBO E_q[log p(x|h)] − KL(q(h|x) ‖ N(0, I))',
  rotnet: 'RotNet pretext: predict the rotation 0/90/180/270°',
  jigsaw: 'jigsaw pretext: predict the permutation of shuffled tiles',
  simclr: 'SimCLR: NT-Xent over two augmented views, 2N − 1 negatives, temperature τ',
  probe: 'downstream probe: few labels on frozen self-supervised features',
  finetune:
    'downstream fine-tuning: the pretext encoder trained further on labels, vs the same network from scratch',
  dec: 'deep clustering (DEC): encoder and centroids trained on KL(P ‖ Q), Q Student-t soft assignments, P = Q² sharpened',
  text: 'text pretext: predict a masked word and each word’s original position, one transformer encoder',
};

/** What each panel shows, in one line. */
export const PANEL_IDEA = {
  reconstruct: 'Reconstruction x̂ = g(f(x)) by every autoencoder and PCA; the number is the MSE ‖x − x̂‖²/784',
  denoise: 'Denoising: corrupt x with C(x̃ | x), the DAE estimates the clean x',
  rotation: 'Rotation pretext (RotNet): which of 0°, 90°, 180°, 270° was the input turned by?',
  jigsaw: 'Jigsaw pretext: shuffle the 2×2 tiles, the model predicts the permutation and restores the image',
  map: 'The embedding h = f(x): a 2-D PCA map of 200 training images, the nearest ones and the k-means cluster',
  generate: 'Generation: decode h ~ N(0, I) with the VAE decoder p(x | h); walk one latent dimension',
  classify: 'Downstream: a probe on frozen self-supervised features classifies the image',
  neighbors:
    'Recommendation: the test images nearest to yours in each embedding (cosine), beside raw pixels: what each representation counts as similar',
} as const;
