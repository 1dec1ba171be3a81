// The one manifest schema. The exporter (train/export) writes manifests through it and the worker
// (worker/store) reads them through it, so the two can never disagree about what a model is.
import { z } from 'zod';
import { IMAGE_PIXELS } from './image';
import { MAX_REFERENCE_CLASSES, REFERENCE_ENCODING, referenceVectorsBytes } from './reference-index';

/** What an exported graph can answer; each HTTP task endpoint needs one of these. */
export const TASKS = [
  'embed',
  'reconstruct',
  'denoise',
  'cluster',
  'rotation',
  'jigsaw',
  'generate',
  'classify',
  'fill-mask',
  'unshuffle',
  'text-embed',
  'neighbors',
] as const;
export const TaskSchema = z.enum(TASKS);
export type Task = z.infer<typeof TaskSchema>;

export const METHODS = [
  'pca',
  'kmeans',
  'ae',
  'conv-ae',
  'sparse-ae',
  'contractive-ae',
  'dae',
  'vae',
  'rotnet',
  'jigsaw',
  'simclr',
  'probe',
  'finetune',
  'dec',
  'text',
] as const;
export const MethodSchema = z.enum(METHODS);

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters');
const NameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'name must be lowercase letters, digits and dashes (at most 64)');

/** The tasks that read text (a text input); every other task reads images (an image input). */
export const TEXT_TASKS: readonly Task[] = ['fill-mask', 'unshuffle', 'text-embed'];

export const ImageInputSpecSchema = z
  .object({
    /** ONNX graph input name. */
    name: z.string().min(1),
    /** [batch, features]; batch is dynamic (null). */
    shape: z.tuple([z.null(), z.literal(IMAGE_PIXELS)]),
    dtype: z.literal('float32'),
    /** 28×28 grayscale, row-major, flattened. */
    layout: z.literal('28x28-row-major'),
    /** Pixel range and polarity: 1 = ink, 0 = background (MNIST / Fashion-MNIST convention). */
    range: z.tuple([z.literal(0), z.literal(1)]),
    polarity: z.literal('ink-is-1'),
  })
  .strict();

/**
 * A text model's input: token ids of the shared word tokenizer (./tokenizer.ts), right-padded
 * with [PAD] to `shape[1]` tokens, as float32 (exact below 2²⁴; the graph casts them to integers).
 */
export const TextInputSpecSchema = z
  .object({
    /** ONNX graph input name. */
    name: z.string().min(1),
    /** [batch, maxLength]: every row holds exactly maxLength ids. */
    shape: z.tuple([z.null(), z.number().int().positive()]),
    dtype: z.literal('float32'),
    layout: z.literal('token-ids'),
    tokenizer: z
      .object({
        /** The word tokenizer's rules (NFKC, lowercase, words with inner apostrophes, punctuation dropped). */
        kind: z.literal('words-v1'),
        /** vocab.json beside model.onnx: a JSON array of tokens, the id of a token is its index. */
        file: z.string().regex(/^[\w.-]+\.json$/),
        /** sha256 of vocab.json, which is exactly JSON.stringify(tokens) (no whitespace, no newline). */
        sha256: Sha256Schema,
        size: z.number().int().positive(),
        /** The special tokens and their ids: always [PAD] 0, [UNK] 1, [MASK] 2. */
        special: z.object({ pad: z.literal(0), unk: z.literal(1), mask: z.literal(2) }).strict(),
      })
      .strict(),
  })
  .strict();

/** Image models keep the input they always had; a text model says so by its layout. */
export const InputSpecSchema = z.discriminatedUnion('layout', [ImageInputSpecSchema, TextInputSpecSchema]);
export type TextInputSpec = z.infer<typeof TextInputSpecSchema>;

/**
 * The precisions a model can be served in, chosen per request like transformers.js's `dtype`: `fp32` is
 * the exported graph itself, `q8` its static int8 variant (train/export/quantize/, `npm run
 * models:quantize`), when the manifest names one.
 */
export const DTYPES = ['fp32', 'q8'] as const;
export const DtypeSchema = z.enum(DTYPES);
export type Dtype = z.infer<typeof DtypeSchema>;
export const DEFAULT_DTYPE: Dtype = 'fp32';

const GraphFileSchema = z
  .object({
    file: z.string().regex(/^[\w.-]+\.onnx$/),
    sha256: Sha256Schema,
    bytes: z.number().int().positive(),
  })
  .strict();

/** Another precision of the model's graphs: files checked and published like the float ones. */
export const VariantSchema = z
  .object({
    /** The variant of the main graph, e.g. model.q8.onnx. */
    onnx: GraphFileSchema,
    /** The variant of the generator graph; present exactly when the model has a generator. */
    generator: GraphFileSchema.optional(),
    /** sha256 of the float graphs it was made from: a variant of an older model.onnx is stale. */
    source: z.object({ onnx: Sha256Schema, generator: Sha256Schema.optional() }).strict(),
    /** How it was made, in words (scheme, calibration images, layers left in float). */
    quantization: z.string().min(1),
  })
  .strict();
export type Variant = z.infer<typeof VariantSchema>;

export const OutputSpecSchema = z
  .object({
    /** ONNX graph output name. */
    name: z.string().min(1),
    /** Shape without the batch dimension. */
    shape: z.array(z.number().int().positive()),
  })
  .strict();

const referenceFile = (ending: RegExp) =>
  z
    .object({ file: z.string().regex(ending), sha256: Sha256Schema, bytes: z.number().int().positive() })
    .strict();

/**
 * An embedding model's reference index (./reference-index.ts): the reference set embedded by this very
 * graph, for POST /v1/neighbors. Written by `npm run models:index`; its files are files of the version,
 * checked against their sha256 before use, published and rolled back with the graph.
 */
export const ReferenceSchema = z
  .object({
    /** What was embedded, in words a reader can reproduce: the dataset split, its order, its size. */
    set: z.string().min(1),
    count: z.number().int().positive(),
    /** The embedding's width: the manifest's `embedding` output. */
    dims: z.number().int().positive(),
    encoding: z.literal(REFERENCE_ENCODING),
    /** count × dims int8 codes, row-major: each row the direction of an item's embedding. */
    vectors: referenceFile(/^[\w.-]+\.bin$/),
    /** count uint8 class indexes into classNames. */
    labels: referenceFile(/^[\w.-]+\.bin$/),
    /** The dataset's class names; the answers name each neighbour's class by them. */
    classNames: z.array(z.string().min(1)).min(1).max(MAX_REFERENCE_CLASSES),
    /** gzip of count × 784 uint8 pixels (255 = ink): the reference images, for clients to show. */
    images: referenceFile(/^[\w.-]+\.gz$/).optional(),
    /** The sha256 of the graph that embedded the set: an index is only valid for that graph. */
    embeddedBy: Sha256Schema,
    /** The exact command that built it. */
    command: z.string().min(1),
  })
  .strict();
export type Reference = z.infer<typeof ReferenceSchema>;

/** A reference index agrees with the tasks and the embedding it was built from, and with its own sizes. */
function referenceProblems(manifest: {
  name: string;
  tasks: readonly Task[];
  onnx: { sha256: string };
  outputs: Record<string, { shape: number[] }>;
  reference?: Reference | undefined;
}): { path: (string | number)[]; message: string }[] {
  const { reference, tasks } = manifest;
  const listed = tasks.includes('neighbors');
  if (reference === undefined) {
    return listed
      ? [
          {
            path: ['tasks', tasks.indexOf('neighbors')],
            message: 'task "neighbors" needs a "reference" index',
          },
        ]
      : [];
  }
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (!listed)
    problems.push({ path: ['tasks'], message: 'a model with a "reference" index lists task "neighbors"' });
  if (reference.embeddedBy !== manifest.onnx.sha256) {
    problems.push({
      path: ['reference', 'embeddedBy'],
      message: `is the sha256 of another graph than onnx.file: rebuild the index (npm run models:index -- ${manifest.name})`,
    });
  }
  const embedding = manifest.outputs['embedding']?.shape;
  if (embedding !== undefined && (embedding.length !== 1 || embedding[0] !== reference.dims)) {
    problems.push({
      path: ['reference', 'dims'],
      message: `is ${reference.dims}, but the embedding output has shape [${embedding.join(', ')}]`,
    });
  }
  const { count, dims } = reference;
  if (reference.vectors.bytes !== referenceVectorsBytes(count, dims)) {
    problems.push({
      path: ['reference', 'vectors', 'bytes'],
      message: `must be ${referenceVectorsBytes(count, dims)} for ${count} rows of ${dims} int8 codes`,
    });
  }
  if (reference.labels.bytes !== count) {
    problems.push({ path: ['reference', 'labels', 'bytes'], message: `must be ${count}, one byte per row` });
  }
  return problems;
}

export const ManifestSchema = z
  .object({
    name: NameSchema,
    /** Semantic version of this trained artefact; versions are immutable once published. */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'version must be MAJOR.MINOR.PATCH'),
    method: MethodSchema,
    description: z.string().min(1),
    tasks: z.array(TaskSchema).min(1),
    dataset: z
      .object({
        name: z.enum(['mnist', 'fashion-mnist', 'folder', 'fortunes']),
        /** How the train/test split was made, in words a reader can reproduce. */
        split: z.string().min(1),
        trainSize: z.number().int().positive(),
        testSize: z.number().int().nonnegative(),
      })
      .strict(),
    input: InputSpecSchema,
    /** Named outputs the worker reads; keys are roles ("embedding", "reconstruction", …). */
    outputs: z.record(z.string(), OutputSpecSchema),
    onnx: z
      .object({
        file: z.string().regex(/^[\w.-]+\.onnx$/),
        sha256: Sha256Schema,
        bytes: z.number().int().positive(),
        irVersion: z.number().int().positive(),
        opset: z.number().int().positive(),
        /** Largest |tfjs − onnxruntime-node| over the parity inputs at export time. */
        parityMaxAbsError: z.number().nonnegative(),
      })
      .strict(),
    training: z
      .object({
        /** The exact command that produced this model. */
        command: z.string().min(1),
        backend: z.string().min(1),
        /** The fully resolved training configuration. */
        config: z.record(z.string(), z.unknown()),
        epochs: z.number().int().nonnegative(),
        steps: z.number().int().nonnegative(),
        finalLoss: z.number(),
        durationSeconds: z.number().nonnegative(),
        /** Training images per second over the run (an image may yield several views or examples). */
        samplesPerSecond: z.number().positive().optional(),
        /** Threads of the training kernels (wasm backend). */
        threads: z.number().int().positive().optional(),
        /** Mean training loss and validation loss of each epoch (the loss curve). */
        history: z
          .object({ trainLoss: z.array(z.number()), validationLoss: z.array(z.number()) })
          .strict()
          .optional(),
      })
      .strict(),
    /**
     * A second graph that maps a latent code to an image (VAE decoder), for /v1/generate:
     * z [N, dims] ~ N(0, I) → image [N, 784].
     */
    generator: z
      .object({
        file: z.string().regex(/^[\w.-]+\.onnx$/),
        sha256: Sha256Schema,
        bytes: z.number().int().positive(),
        latent: z.object({ name: z.string().min(1), dims: z.number().int().positive() }).strict(),
        output: OutputSpecSchema,
        parityMaxAbsError: z.number().nonnegative(),
      })
      .strict()
      .optional(),
    /** Variants by dtype (only `q8` today); `fp32` is always the graphs above. */
    variants: z.object({ q8: VariantSchema }).partial().strict().optional(),
    /** Class names indexed by the `probabilities` output (classifiers; e.g. Fashion-MNIST's ten). */
    classNames: z.array(z.string().min(1)).min(2).optional(),
    /** Test-split metrics, e.g. { mse, psnr }. */
    metrics: z.record(z.string(), z.number()),
    createdAt: z.iso.datetime(),
    /** The reference index that task "neighbors" searches (embedding models; `npm run models:index`). */
    reference: ReferenceSchema.optional(),
  })
  .strict()
  .superRefine((manifest, ctx) => {
    referenceProblems(manifest).forEach(({ path, message }) => {
      ctx.addIssue({ code: 'custom', path, message });
    });
    // A text endpoint must never feed words to an image graph, nor an image endpoint pixels to a text one.
    const readsText = manifest.input.layout === 'token-ids';
    manifest.tasks.forEach((task, i) => {
      if (TEXT_TASKS.includes(task) !== readsText) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i],
          message: `task "${task}" needs ${readsText ? 'an image' : 'a text'} input, but input.layout is "${manifest.input.layout}"`,
        });
      }
    });
    for (const [dtype, variant] of Object.entries(manifest.variants ?? {})) {
      const at = (...path: string[]) => ['variants', dtype, ...path];
      if (variant.source.onnx !== manifest.onnx.sha256) {
        ctx.addIssue({
          code: 'custom',
          path: at('source', 'onnx'),
          message: `was made from another ${manifest.onnx.file} (run npm run models:quantize -- ${manifest.name})`,
        });
      }
      if ((variant.generator === undefined) !== (manifest.generator === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: at('generator'),
          message: manifest.generator
            ? 'is missing: the model has a generator graph'
            : 'names a generator the model lacks',
        });
      } else if (manifest.generator && variant.source.generator !== manifest.generator.sha256) {
        ctx.addIssue({
          code: 'custom',
          path: at('source', 'generator'),
          message: `was made from another ${manifest.generator.file} (run npm run models:quantize -- ${manifest.name})`,
        });
      }
    }
    const files = graphFiles(manifest).map((g) => g.file);
    const repeated = files.filter((file, i) => files.indexOf(file) !== i);
    if (repeated.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `names ${repeated[0]} twice` });
    }
  });
export type Manifest = z.infer<typeof ManifestSchema>;

type GraphFile = z.infer<typeof GraphFileSchema>;

/** Every ONNX graph a manifest names (main, generator, and each variant's): what is stored, checked and published. */
export function graphFiles(manifest: Pick<Manifest, 'onnx' | 'generator' | 'variants'>): GraphFile[] {
  const files: GraphFile[] = [manifest.onnx];
  if (manifest.generator) files.push(manifest.generator);
  for (const variant of Object.values(manifest.variants ?? {})) {
    files.push(variant.onnx);
    if (variant.generator) files.push(variant.generator);
  }
  return files.map(({ file, sha256, bytes }) => ({ file, sha256, bytes }));
}

/** The graphs that serve `dtype`: the float ones, or a variant's; undefined when the model has no such variant. */
export function graphsFor(
  manifest: Manifest,
  dtype: Dtype,
): { onnx: GraphFile; generator?: GraphFile } | undefined {
  if (dtype === 'fp32') {
    const { file, sha256, bytes } = manifest.onnx;
    const generator = manifest.generator;
    return {
      onnx: { file, sha256, bytes },
      ...(generator
        ? { generator: { file: generator.file, sha256: generator.sha256, bytes: generator.bytes } }
        : {}),
    };
  }
  const variant = manifest.variants?.[dtype];
  if (variant === undefined) return undefined;
  return { onnx: variant.onnx, ...(variant.generator ? { generator: variant.generator } : {}) };
}

/** models/index.json: which models are bundled and which one each endpoint uses by default. */
export const ModelIndexSchema = z
  .object({
    models: z.array(NameSchema).min(1),
    defaults: z.partialRecord(TaskSchema, NameSchema),
  })
  .strict()
  .superRefine((index, ctx) => {
    for (const [task, name] of Object.entries(index.defaults)) {
      if (name !== undefined && !index.models.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaults', task],
          message: `default model "${name}" is not listed in models`,
        });
      }
    }
  });
export type ModelIndex = z.infer<typeof ModelIndexSchema>;
