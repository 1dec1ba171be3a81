// Hot swap (issue 9): the store may name a new version of a model at any time (R2's `current` pointer).
// This remembers, per model, the versions this isolate has served, so that a new version that cannot be
// opened leaves the previous one serving (with one log line saying why), and so that versions two or
// more swaps old can be released: the serving and the previous version stay (a rollback is instant).
import { ApiError } from '../http/api-error';
import type { StoredModel } from '../store/model-store';
import { LogOnce } from './log-once';

export class ServedVersions {
  /** Per model, the versions served, the one serving now last (at most two). */
  readonly #served = new Map<string, StoredModel[]>();
  readonly #log: LogOnce;

  constructor(log = new LogOnce()) {
    this.#log = log;
  }

  /**
   * The version to answer with when the newest one (`failing`, undefined if even its manifest could
   * not be read) is unavailable: the last other one served. Rethrows `error` when it is not a 503, or
   * when this isolate has served no other version.
   */
  fallback(name: string, failing: string | undefined, error: unknown): StoredModel {
    // Not the failing version itself: it may have served already a task that its failing part (a
    // reference index, opened on first use) does not touch.
    const previous = this.#served
      .get(name)
      ?.filter((served) => served.manifest.version !== failing)
      .at(-1);
    const isUnavailable = error instanceof ApiError && error.status === 503;
    if (!isUnavailable || previous === undefined) throw error;
    this.#log.line(`Model "${name}" stays on version ${previous.manifest.version}: ${error.message}`);
    return previous;
  }

  /** Records the version that answered; returns the versions it retires (two or more swaps old). */
  record(stored: StoredModel): StoredModel[] {
    const { name, version } = stored.manifest;
    const served = this.#served.get(name) ?? [];
    if (served.at(-1)?.manifest.version === version) return [];
    const history = [...served.filter((s) => s.manifest.version !== version), stored];
    const retired = history.splice(0, Math.max(0, history.length - 2));
    this.#served.set(name, history);
    return retired;
  }
}
