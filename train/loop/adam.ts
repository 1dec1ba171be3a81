// Adam (Kingma & Ba 2015) owned by the project, so that its whole state is ours to save and
// restore bit for bit: per variable the moments m and v, and the step count t, from which the bias
// corrections 1 − β₁ᵗ and 1 − β₂ᵗ are computed afresh each step (tfjs's AdamOptimizer keeps them as
// running products and rebuilds them with pow() on restore, which is why a resumed run drifted
// from an uninterrupted one one step after the checkpoint). The update is tfjs's formula:
//   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  w ← w − lr · (m/c₁) / (√(v/c₂) + ε)
// On the shared-memory wasm backend all variables are updated in place by one multi-threaded
// kernel; elsewhere by tfjs ops.
import * as tf from '@tensorflow/tfjs';
import { activeSimdRuntime } from '../backend/simd/shared-backend';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

interface Slot {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export class Adam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Updates applied so far (t of the bias corrections). */
  step = 0;
  readonly #slots = new Map<string, Slot>();
  readonly #variables: tf.Variable[];

  /** `variables`: what is trained (a model's trainable weights: `weights.map((w) => w.read())`). */
  constructor(variables: readonly tf.Variable[], o: AdamOptions) {
    this.learningRate = o.learningRate;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-7;
    if (!(this.learningRate > 0)) throw new RangeError(`Illegal learning rate ${this.learningRate}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1))
      throw new RangeError(`Illegal betas ${this.beta1}, ${this.beta2}`);
    const names = new Set<string>();
    for (const v of variables) {
      if (names.has(v.name)) throw new Error(`Adam: variable ${v.name} listed twice`);
      names.add(v.name);
    }
    this.#variables = [...variables];
  }

  #slot(variable: tf.Variable): Slot {
    let slot = this.#slots.get(variable.name);
    if (!slot) {
      // Each moment gets data of its own: the update writes them in place.
      const moment = (key: string) => {
        const zeros = tf.zerosLike(variable);
        const v = tf.variable(zeros, false, `${variable.name}/adam_${key}`);
        zeros.dispose(); // the variable keeps its own reference to the data
        return v;
      };
      slot = { variable, m: moment('m'), v: moment('v') };
      this.#slots.set(variable.name, slot);
    }
    return slot;
  }

  /** One step on the loss: gradients of every variable, then the update. Returns the loss. */
  minimize(loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, this.#variables);
    try {
      this.applyGradients(grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
    return value;
  }

  applyGradients(grads: tf.NamedTensorMap): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    const slots: [Slot, tf.Tensor][] = [];
    for (const variable of this.#variables) {
      const g = grads[variable.name];
      if (g) slots.push([this.#slot(variable), g]);
    }
    const rt = activeSimdRuntime();
    // In place only where nothing else holds the data (a tensor sharing it would change too).
    const sole = (t: tf.Tensor) => rt?.backend.refCount(t.dataId) === 1;
    if (rt && slots.every(([s]) => sole(s.variable) && sole(s.m) && sole(s.v))) {
      const table = rt.scratch(slots.length * 20);
      const view = new Uint32Array(rt.memory.buffer, table, slots.length * 5);
      slots.forEach(([s, g], i) => {
        view.set(
          [rt.address(s.variable), rt.address(g), rt.address(s.m), rt.address(s.v), s.variable.size],
          i * 5,
        );
      });
      rt.threads.run('adamUpdate', [
        table,
        slots.length,
        this.learningRate,
        this.beta1,
        this.beta2,
        1 - this.beta1,
        1 - this.beta2,
        this.epsilon,
        c1,
        c2,
      ]);
      return;
    }
    tf.tidy(() => {
      for (const [s, g] of slots) {
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const step = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        s.variable.assign(tf.add(tf.mul(step, -this.learningRate), s.variable));
      }
    });
  }

  /** The moments of every trained variable (created on demand), named `<variable>/m` and `/v`. */
  getWeights(): NamedTensor[] {
    return this.#variables.flatMap((variable) => {
      const s = this.#slot(variable);
      return [
        { name: `${variable.name}/m`, tensor: s.m },
        { name: `${variable.name}/v`, tensor: s.v },
      ];
    });
  }

  /**
   * Restores moments saved by getWeights and the step count. Matched by position (m and v of each
   * variable in order), as model weights are: names differ between processes only by the suffixes
   * tfjs adds to keep them unique.
   */
  setWeights(weights: readonly NamedTensor[], step: number): void {
    if (weights.length !== 2 * this.#variables.length)
      throw new Error(
        `Adam: the saved state has ${weights.length} moments for ${this.#variables.length} variables`,
      );
    this.#variables.forEach((variable, i) => {
      const s = this.#slot(variable);
      for (const [j, target] of [s.m, s.v].entries()) {
        const saved = weights[2 * i + j]!;
        if (!tf.util.arraysEqual(saved.tensor.shape, target.shape))
          throw new Error(
            `Adam: saved ${saved.name} has shape [${saved.tensor.shape}], ${target.name} [${target.shape}]`,
          );
        target.assign(saved.tensor);
      }
    });
    this.step = step;
  }

  dispose(): void {
    for (const s of this.#slots.values()) tf.dispose([s.m, s.v]);
    this.#slots.clear();
  }
}

/** The trainable variables of a model, in its weight order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}
