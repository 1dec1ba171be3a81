// Caches the PROMISE of a session, so concurrent first requests share one creation (≈ 0.3–0.5 s),
// and forgets a promise that rejects, so a transient failure is retried instead of cached forever.
export class SessionCache<Session> {
  readonly #pending = new Map<string, Promise<Session>>();

  get(key: string, create: () => Promise<Session>): Promise<Session> {
    const cached = this.#pending.get(key);
    if (cached !== undefined) return cached;
    const created = create();
    this.#pending.set(key, created);
    created.catch(() => {
      if (this.#pending.get(key) === created) this.#pending.delete(key);
    });
    return created;
  }

  /**
   * Forgets a session and releases it once the runs already queued on it are done (a hot swap retires
   * old versions this way). Sessions without `release` (test doubles) are just forgotten.
   */
  evict(key: string): void {
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    this.#pending.delete(key);
    pending.then(
      (session) => (session as { release?: () => Promise<void> }).release?.(),
      () => undefined,
    );
  }

  get size(): number {
    return this.#pending.size;
  }
}

/** Versions are immutable once published, so name + version identifies the bytes of a session. */
export function sessionKey(name: string, version: string): string {
  return `${name}@${version}`;
}
