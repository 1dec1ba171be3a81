// Runs tasks one at a time, in arrival order. One ORT session is not meant to run concurrently; the
// queue makes that explicit instead of relying on the wasm backend happening to serialize.
export class RunQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task).finally(() => {
      this.#pending--;
    });
    // A failed task must not block the ones queued after it.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }
}
