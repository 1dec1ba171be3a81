// The open model versions, least recently used first, under a memory budget (./memory-budget.ts).
//
// - Like SessionCache, it caches the PROMISE of an opened version, so concurrent first requests share one
//   opening, and forgets a promise that rejects, so a failure is retried by the next request.
// - Openings run one at a time. Before one starts, the least recently used versions are released until
//   the charges fit `available` with the new one's; a version that cannot fit on its own is refused.
// - Releasing never interrupts a request: the version leaves the pool at once (no new request gets it),
//   and its sessions are released on their run queues, after the runs already queued. Every route runs its
//   model in the same task in which the registry handed it over (no I/O in between), so releasing one
//   task later (setTimeout 0) also lets a request that has just been handed the version queue its run.
//   The opening waits for those releases, so the memory is free before the new version takes any.

export interface Releasable {
  release(): Promise<void>;
}

interface Entry<T> {
  promise: Promise<T>;
  charge: number;
  /** Counted in `charged` from when its opening starts until it is released or fails. */
  counted: boolean;
  value?: T;
}

/** Thrown for a version whose charge alone is more than the pool can ever hold. */
export class OverBudgetError extends Error {
  override name = 'OverBudgetError';
  constructor(
    readonly charge: number,
    readonly available: number,
  ) {
    super(`needs ${charge} bytes, the pool holds ${available}`);
  }
}

export class SessionPool<T extends Releasable> {
  readonly available: number;
  readonly #entries = new Map<string, Entry<T>>();
  #charged = 0;
  #evictions = 0;
  /** The tail of the openings, one at a time. */
  #opening: Promise<unknown> = Promise.resolve();

  constructor(available: number) {
    this.available = available;
  }

  /** The version `key`, opened by `open` if it is not open yet; it becomes the most recently used. */
  get(key: string, charge: number, open: () => Promise<T>): Promise<T> {
    const cached = this.#entries.get(key);
    if (cached !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached.promise;
    }
    if (charge > this.available) return Promise.reject(new OverBudgetError(charge, this.available));
    const entry: Entry<T> = { promise: Promise.resolve(undefined as never), charge, counted: false };
    const opened = this.#opening.then(async () => {
      if (this.#entries.get(key) !== entry) throw new Error(`${key} was released before it opened`);
      await this.#makeRoom(charge);
      entry.counted = true;
      this.#charged += charge;
      try {
        entry.value = await open();
        return entry.value;
      } catch (error) {
        entry.counted = false;
        this.#charged -= charge;
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw error;
      }
    });
    this.#opening = opened.catch(() => undefined);
    entry.promise = opened;
    this.#entries.set(key, entry);
    return opened;
  }

  /** Forgets `key` and releases it after the runs already queued on it; resolves once released. */
  evict(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve();
    this.#entries.delete(key);
    return this.#release(entry);
  }

  /** The sum of the charges of the open versions (and the one opening). */
  get charged(): number {
    return this.#charged;
  }

  /** How many versions were released to make room since the pool was made. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The open versions, least recently used first. */
  open(): { key: string; charge: number; value: T }[] {
    return [...this.#entries]
      .filter(([, entry]) => entry.value !== undefined)
      .map(([key, entry]) => ({ key, charge: entry.charge, value: entry.value! }));
  }

  async #makeRoom(charge: number): Promise<void> {
    while (this.#charged + charge > this.available) {
      const victim = [...this.#entries].find(([, entry]) => entry.value !== undefined);
      if (victim === undefined) return; // only versions still waiting to open: nothing holds memory
      const [key, entry] = victim;
      this.#entries.delete(key);
      this.#evictions++;
      await this.#release(entry);
    }
  }

  async #release(entry: Entry<T>): Promise<void> {
    const value = await entry.promise.catch(() => undefined);
    if (value === undefined) return;
    // One task later: a request handed this version in the current task queues its run first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      // A session ORT fails to release is lost memory either way; the pool still forgets its charge.
      await value.release().catch(() => undefined);
    } finally {
      if (entry.counted) this.#charged -= entry.charge;
      entry.counted = false;
    }
  }
}
