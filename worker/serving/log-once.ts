// One log line per distinct message: a broken model version is reported once, not on every request
// that falls back from it. Bounded, so an isolate that sees many different failures cannot grow it.
export class LogOnce {
  readonly #seen = new Set<string>();
  readonly #write: (line: string) => void;
  readonly #capacity: number;

  constructor(write: (line: string) => void = (line) => console.error(line), capacity = 256) {
    this.#write = write;
    this.#capacity = capacity;
  }

  line(text: string): void {
    if (this.#seen.has(text)) return;
    if (this.#seen.size >= this.#capacity) this.#seen.clear();
    this.#seen.add(text);
    this.#write(text);
  }
}
