// A fast path for the JSON body every image endpoint gets most: `{"images": [[784 numbers], …]}`, with
// `model` and `dtype` strings. At batch 64 that is 50,176 numbers, and JSON.parse spends most of a
// request's decoding time building 64 arrays of JS numbers that the schema then copies into Float32Arrays
// (`npm run bench:serve` measures both, BENCHMARKS.md "Request decoding"). This scanner reads the bytes
// once and writes each pixel straight into its image's Float32Array.
//
// It accepts only bodies that the ordinary path (JSON.parse, then the zod schema) accepts, and gives what
// that path gives: each number is the same double JSON.parse makes, rounded to float32 like the schema's
// copy. Anything else (a base64 image, an escape in a string, a minus sign, a pixel outside [0, 1], an
// unknown or repeated key, a wrong count of values) returns undefined, and the body
// takes the ordinary path, so zod stays the one schema and the one source of error messages.
import type { MiddlewareHandler } from 'hono';
import { IMAGE_PIXELS } from '../contract/image';
import { isJsonMediaType, mediaTypeOf } from './media-type';

export interface ImageBatchJson {
  images: Float32Array[];
  model?: string;
  dtype?: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** 10^k for k ≤ 22: exact doubles, so an integer mantissa below 2^53 divided by one is correctly rounded. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Longer numbers and strings are left to the ordinary path (and never spread into fromCharCode). */
const MAX_TOKEN = 256;

const f32 = new Float32Array(1);

/** The decimal digit at `at` (0–9), or −1 for anything else and past the end. */
const digitAt = (bytes: Uint8Array, at: number): number => {
  const c = bytes[at];
  return c !== undefined && c >= ZERO && c <= NINE ? c - ZERO : -1;
};
const u32 = new Uint32Array(f32.buffer);

/**
 * `approx` when every double within 8 units in its last place rounds to the same float32 as it does (so
 * the correctly rounded double does too); undefined when it lies that close to a float32 midpoint.
 */
function sameFloat32(approx: number): number | undefined {
  f32[0] = approx;
  const rounded = f32[0]!;
  u32[0]! += approx >= rounded ? 1 : -1; // the float32 on approx's other side
  const midpoint = (rounded + f32[0]!) / 2; // exact: two float32s' mean is a double
  const ulp = approx * 2 ** -52; // at least one unit in the last place of approx (for approx > 0)
  return Math.abs(approx - midpoint) > 8 * ulp ? approx : undefined;
}

class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

/** The body as an image batch, or undefined when it is not one in the common form (see above). */
export function parseImageBatchJson(bytes: Uint8Array): ImageBatchJson | undefined {
  try {
    return new Scanner(bytes).body();
  } catch (error) {
    if (error instanceof Decline) return undefined;
    throw error;
  }
}

class Scanner {
  readonly #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  body(): ImageBatchJson {
    const out: Partial<ImageBatchJson> = {};
    this.#expect(OPEN_OBJECT);
    if (this.#peek() === CLOSE_OBJECT) decline(); // {} is the schema's error to word
    for (;;) {
      const key = this.#string();
      this.#expect(COLON);
      if (Object.hasOwn(out, key)) decline();
      if (key === 'images') out.images = this.#images();
      else if (key === 'model' || key === 'dtype') out[key] = this.#string();
      else decline();
      const next = this.#next();
      if (next === CLOSE_OBJECT) break;
      if (next !== COMMA) decline();
    }
    if (this.#peek() !== -1) decline(); // trailing bytes: JSON.parse's error
    if (out.images === undefined) decline();
    return out as ImageBatchJson;
  }

  #images(): Float32Array[] {
    const images: Float32Array[] = [];
    this.#expect(OPEN_ARRAY);
    if (this.#peek() === CLOSE_ARRAY) decline();
    for (;;) {
      images.push(this.#image());
      const next = this.#next();
      if (next === CLOSE_ARRAY) return images;
      if (next !== COMMA) decline();
    }
  }

  /** Exactly IMAGE_PIXELS numbers in [0, 1]. */
  #image(): Float32Array {
    const image = new Float32Array(IMAGE_PIXELS);
    this.#expect(OPEN_ARRAY);
    for (let i = 0; ; i++) {
      if (i === IMAGE_PIXELS) decline();
      image[i] = this.#pixel();
      // The common case, a comma right after the number, without the whitespace scan.
      if (this.#bytes[this.#at] === COMMA) {
        this.#at++;
        continue;
      }
      const next = this.#next();
      if (next === CLOSE_ARRAY) {
        if (i !== IMAGE_PIXELS - 1) decline();
        return image;
      }
      if (next !== COMMA) decline();
    }
  }

  /** A JSON number in [0, 1] without a sign: `0`, `1`, `0.25`, `0.50196078431372548`, `5e-7`. */
  #pixel(): number {
    const bytes = this.#bytes;
    if (bytes[this.#at]! < ZERO) this.#skipSpace();
    const start = this.#at;
    let at = start;
    // The significant digits as hi·10^lowDigits + low: hi holds the first 15 (exact in a double).
    let hi = 0;
    let low = 0;
    let lowDigits = 0;
    let decimals = 0;
    let c = bytes[at];
    if (c === ZERO) {
      at++;
    } else if (c !== undefined && c > ZERO && c <= NINE) {
      // Pixels are at most 1: no integer part has more than one digit, so it always fits in hi.
      for (let d = digitAt(bytes, at); d >= 0; d = digitAt(bytes, at)) {
        hi = hi * 10 + d;
        at++;
      }
      if (hi > 1e14) decline();
    } else {
      decline();
    }
    if (bytes[at] === DOT) {
      const first = ++at;
      for (let d = digitAt(bytes, at); d >= 0; d = digitAt(bytes, at)) {
        if (hi < 1e14) hi = hi * 10 + d;
        else {
          low = low * 10 + d;
          lowDigits++;
        }
        at++;
      }
      decimals = at - first;
      if (decimals === 0) decline();
    }
    c = bytes[at];
    if (c === 0x65 || c === 0x45) {
      // An exponent, as JSON.stringify writes doubles below 1e-6 (5e-7): it moves the decimal point.
      c = bytes[++at];
      const sign = c === 0x2d ? -1 : 1;
      if (c === 0x2d || c === 0x2b) at++;
      let exponent = 0;
      const first = at;
      for (let d = digitAt(bytes, at); d >= 0 && at - first < 4; d = digitAt(bytes, at)) {
        exponent = exponent * 10 + d;
        at++;
      }
      if (at === first || digitAt(bytes, at) >= 0) decline();
      decimals -= sign * exponent;
      if (decimals < 0) decimals = POWERS_OF_TEN.length; // above 1, or 0e5: the engine's conversion
    }
    if (at - start > MAX_TOKEN) decline();
    this.#at = at;
    let value: number | undefined;
    if (decimals < POWERS_OF_TEN.length && lowDigits === 0) {
      // An integer below 10^15 over an exact power of ten: one correctly rounded division, the very
      // double JSON.parse makes.
      value = hi / POWERS_OF_TEN[decimals]!;
    } else if (decimals < POWERS_OF_TEN.length && lowDigits <= 4) {
      // Up to 19 digits (a double printed in full has 17): within 2 units in the last place of the double
      // JSON.parse makes, which only matters if it lies next to the midpoint of two float32s.
      value = sameFloat32((hi * POWERS_OF_TEN[lowDigits]! + low) / POWERS_OF_TEN[decimals]!);
    }
    // Otherwise (or near a midpoint), the engine's own conversion.
    value ??= Number(String.fromCharCode(...bytes.subarray(start, at)));
    if (!(value >= 0 && value <= 1)) decline();
    return value;
  }

  /** A string without escapes (names and model names need none). */
  #string(): string {
    this.#expect(QUOTE);
    const bytes = this.#bytes;
    const start = this.#at;
    let at = start;
    for (;;) {
      const c = bytes[at];
      if (c === undefined || c === BACKSLASH || c < 0x20 || c > 0x7e) decline(); // escapes, controls, non-ASCII
      if (c === QUOTE) break;
      if (++at - start > MAX_TOKEN) decline();
    }
    this.#at = at + 1;
    return String.fromCharCode(...bytes.subarray(start, at));
  }

  #expect(byte: number): void {
    if (this.#next() !== byte) decline();
  }

  /** The next byte that is not JSON whitespace, consumed; -1 at the end. */
  #next(): number {
    this.#skipSpace();
    return this.#at < this.#bytes.length ? this.#bytes[this.#at++]! : -1;
  }

  #peek(): number {
    this.#skipSpace();
    return this.#at < this.#bytes.length ? this.#bytes[this.#at]! : -1;
  }

  #skipSpace(): void {
    const bytes = this.#bytes;
    let at = this.#at;
    for (;;) {
      const c = bytes[at];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.#at = at;
  }
}

/**
 * Middleware for the image routes, before their JSON validator: when the body is an image batch in the
 * common form, the validator gets the scanner's result instead of running JSON.parse on it, and the
 * schema takes the ready Float32Arrays as they are (worker/schemas/image.ts). Otherwise nothing changes.
 */
export const imageBatchJson: MiddlewareHandler = async (c, next) => {
  if (isJsonMediaType(mediaTypeOf(c.req.header('content-type')))) {
    const parsed = parseImageBatchJson(new Uint8Array(await c.req.arrayBuffer()));
    // hono caches the body it read, so the ordinary path still finds it when the scanner declines.
    if (parsed !== undefined) c.req.json = async <T>() => parsed as T;
  }
  await next();
};
