// Rewrites a WebAssembly binary that defines its own memory so that it imports a shared one instead
// ("env"."memory", shared, with a maximum). tfjs's wasm backend is built without threads, so its
// memory is private to one thread; imported as a shared memory, the same code runs unchanged while
// the training kernels, instantiated on that memory in worker threads, read and write its tensors
// in place. Only the memory definition moves: function, table and global indices stay as they are.

const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;
const MEMORY_KIND = 0x02;
const LIMITS_SHARED_WITH_MAX = 0x03;

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

const name = (s: string) => {
  const utf8 = new TextEncoder().encode(s);
  return [...leb(utf8.length), ...utf8];
};

interface Section {
  id: number;
  start: number;
  body: number;
  end: number;
}

function sections(bytes: Uint8Array): Section[] {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('not a WebAssembly (version 1) binary');
  const out: Section[] = [];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at]!;
    const [size, body] = readLeb(bytes, at + 1);
    out.push({ id, start: at, body, end: body + size });
    at = body + size;
  }
  return out;
}

/** The initial page count of the memory the binary defines. */
export function definedMemoryPages(bytes: Uint8Array): number {
  const memory = sections(bytes).find((s) => s.id === MEMORY_SECTION);
  if (!memory) throw new Error('the binary defines no memory');
  const [count, at] = readLeb(bytes, memory.body);
  if (count !== 1) throw new Error(`expected one memory, found ${count}`);
  return readLeb(bytes, at + 1)[0];
}

/** The binary with its memory imported as env.memory, shared, of `maximumPages` at most. */
export function importSharedMemory(bytes: Uint8Array, maximumPages: number): Uint8Array<ArrayBuffer> {
  const all = sections(bytes);
  const initial = definedMemoryPages(bytes);
  const entry = [
    ...name('env'),
    ...name('memory'),
    MEMORY_KIND,
    LIMITS_SHARED_WITH_MAX,
    ...leb(initial),
    ...leb(maximumPages),
  ];
  const imports = all.find((s) => s.id === IMPORT_SECTION);
  let importBody: number[];
  if (imports) {
    const [count, first] = readLeb(bytes, imports.body);
    importBody = [...leb(count + 1), ...bytes.subarray(first, imports.end), ...entry];
  } else {
    importBody = [...leb(1), ...entry];
  }
  const importSection = Uint8Array.from([IMPORT_SECTION, ...leb(importBody.length), ...importBody]);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let placed = false;
  for (const s of all) {
    if (s.id === MEMORY_SECTION) continue;
    if (s.id === IMPORT_SECTION) {
      parts.push(importSection);
      placed = true;
      continue;
    }
    // Sections are ordered by id (custom sections, id 0, may sit anywhere): imports come before
    // the first section with a larger id.
    if (!placed && s.id > IMPORT_SECTION) {
      parts.push(importSection);
      placed = true;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (!placed) parts.push(importSection);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
