// Runs tasks one at a time, in arrival order. One ORT session is not meant to run concurrently; the
// queue makes that explicit instead of relying on the wasm backend happening to serialize.
export class RunQueue {
  #tail: Promise<unknown> = Promise.resolve();

  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // A failed task must not block the ones queued after it.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
