// The open model versions, least recently used first, under a memory budget (./memory-budget.ts).
//
// - Like SessionCache, it caches the PROMISE of an opened version, so concurrent first requests share one
//   opening, and forgets a promise that rejects, so a failure is retried by the next request.
// - Before a version opens, the least recently used open versions leave the pool until the charges fit
//   `available` with the new one's, and the opening waits for their release; a version that cannot fit on
//   its own is refused. Versions still opening hold nothing yet and are not waited for, so concurrent first
//   requests for several models may briefly take the charges past `available`.
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
    // Room is made now, in this request's own turn: the least recently used open versions leave the pool
    // at once, and this request alone waits for their release before it opens. No request ever waits on
    // another request's timers or reads: workerd cancels a request that waits only on another's events
    // as hung (it did, when openings were chained one after another across requests).
    const victims: Entry<T>[] = [];
    let freeing = 0;
    for (const [k, e] of this.#entries) {
      if (this.#charged - freeing + charge <= this.available) break;
      if (e.value === undefined) continue; // still opening: it holds nothing yet to release
      this.#entries.delete(k);
      this.#evictions++;
      victims.push(e);
      freeing += e.charge;
    }
    const entry: Entry<T> = { promise: Promise.resolve(undefined as never), charge, counted: true };
    this.#charged += charge;
    const opened = (async () => {
      await Promise.all(victims.map((v) => this.#release(v)));
      try {
        if (this.#entries.get(key) !== entry) throw new Error(`${key} was released before it opened`);
        entry.value = await open();
        return entry.value;
      } catch (error) {
        entry.counted = false;
        this.#charged -= charge;
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw error;
      }
    })();
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
